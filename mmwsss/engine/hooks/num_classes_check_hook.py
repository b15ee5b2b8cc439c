"""Check the heads' number of classes against the datasets' before the first iteration."""
from typing import Iterator, List, Optional, Sequence, Tuple

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop
from mmseg.registry import HOOKS
from torch import nn


def expected_num_classes(head: nn.Module, classes: Sequence[str]) -> int:
    """The ``num_classes`` a head must have for a dataset with these classes.

    Heads count the background (MMSeg's decode heads: K = C + 1 outputs)
    unless they set ``num_classes_include_background = False`` (the CAM and
    EPS heads, which count the C foreground classes of the image-level labels).

    Args:
        head: A head with a ``num_classes`` attribute.
        classes: The dataset's classes, background first.

    Returns:
        The expected ``num_classes``.
    """
    with_background = getattr(head, 'num_classes_include_background', True)
    return len(classes) if with_background else len(classes) - 1


def heads_with_classes(model: nn.Module) -> Iterator[Tuple[str, nn.Module]]:
    """Yield ``(config key, head)`` for every head of ``model`` that has ``num_classes``.

    Args:
        model: A segmentor (``decode_head`` and optionally ``auxiliary_head``,
            a head or a list of heads).
    """
    for name in ('decode_head', 'auxiliary_head'):
        heads = getattr(model, name, None)
        if isinstance(heads, nn.ModuleList):
            for index, head in enumerate(heads):
                if hasattr(head, 'num_classes'):
                    yield f'model.{name}.{index}.num_classes', head
        elif heads is not None and hasattr(heads, 'num_classes'):
            yield f'model.{name}.num_classes', heads


def check_num_classes(model: nn.Module, classes: Sequence[str],
                      where: str) -> None:
    """Raise ``ValueError`` if a head's ``num_classes`` does not fit ``classes``.

    Args:
        model: The segmentor.
        classes: The dataset's classes, background first.
        where: Which dataset, for the message.
    """
    for key, head in heads_with_classes(model):
        expected = expected_num_classes(head, classes)
        if head.num_classes != expected:
            counted = ('background included' if expected == len(classes)
                       else 'foreground classes only, background excluded')
            raise ValueError(
                f'{key} is {head.num_classes}, but {where} has {len(classes)} classes '
                f'{tuple(classes)}; {type(head).__name__} counts {counted}: set '
                f'{key}={expected} (in the config or with --cfg-options)')


@HOOKS.register_module()
class NumClassesCheckHook(Hook):
    """Compare every head's ``num_classes`` with the classes of every built dataset.

    A default hook of every mmwsss config: it runs in ``before_run``, once the
    loops (and their datasets) are built and before any image is read, so a
    wrong ``num_classes`` is an error naming the config key and the dataset's
    classes instead of a shape error at the first iteration.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        """Check the heads against the train, val and test datasets that are built."""
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        for name, classes in self._built_dataset_classes(runner):
            check_num_classes(model, classes, f'the {name} dataset')

    @staticmethod
    def _built_dataset_classes(runner) -> List[Tuple[str, Sequence[str]]]:
        """``(loop name, classes)`` of the loops built so far (never builds one)."""
        found = []
        for name in ('train', 'val', 'test'):
            loop: Optional[BaseLoop] = getattr(runner, f'_{name}_loop', None)
            if not isinstance(loop, BaseLoop):
                continue
            metainfo = getattr(loop.dataloader.dataset, 'metainfo', None) or {}
            if metainfo.get('classes'):
                found.append((name, metainfo['classes']))
        return found
