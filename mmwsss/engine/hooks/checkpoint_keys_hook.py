"""Refuse a checkpoint that leaves most of the model at its random initialisation."""
from mmengine.hooks import Hook
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmseg.registry import HOOKS

from mmwsss.utils.checkpoint import check_checkpoint_coverage


@HOOKS.register_module()
class CheckpointKeysHook(Hook):
    """Check a checkpoint against the model before it is loaded into it.

    mmengine loads checkpoints non-strictly: a checkpoint of another model (a
    wrong path, another stage's file) loads "successfully" and leaves the
    model randomly initialised, with only a warning among the log lines. This
    hook (a default hook of every mmwsss config) runs on ``load_from``,
    ``tools/test.py``'s checkpoint and resumed checkpoints, before the weights
    are copied, and applies
    :func:`~mmwsss.utils.checkpoint.check_checkpoint_coverage`.

    Args:
        min_loaded: Smallest accepted fraction of the model's state-dict
            entries found in the checkpoint with the right shape. Fine-tuning
            from another stage's checkpoint (backbone only) stays well above
            the default.
        strict: If False, only warn (loudly) instead of raising.
    """

    priority = 'VERY_HIGH'

    def __init__(self, min_loaded: float = 0.5, strict: bool = True) -> None:
        if not 0.0 <= min_loaded <= 1.0:
            raise ValueError(f'CheckpointKeysHook: min_loaded must be in [0, 1], '
                             f'got {min_loaded}')
        self.min_loaded = min_loaded
        self.strict = strict

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Raise (or warn) if the checkpoint covers too little of the model."""
        model = runner.model
        while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
            model = model.module  # as mmengine's load_state_dict unwraps them
        source = getattr(runner, '_load_from', None) or 'resumed from the work dir'
        state = checkpoint.get('state_dict', checkpoint)
        if not isinstance(state, dict):
            raise TypeError(f'checkpoint {source} holds no state dict')
        check_checkpoint_coverage(model.state_dict(), state, source,
                                  min_loaded=self.min_loaded, strict=self.strict)
