"""Poly learning rate over exactly ``end - begin`` steps, as PSA's PolyOptimizer."""
from mmengine.optim import PolyLR
from mmseg.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class PSAPolyLR(PolyLR):
    """``lr = base * (1 - step / max_step) ** power`` with ``max_step = end - begin``.

    PSA's (and EPS's, IRNet's) ``PolyOptimizer`` sets this lr before each of
    its ``max_step`` steps, so the last step still has ``base * (1 / max_step)
    ** power``. mmengine's :class:`~mmengine.optim.PolyLR` divides by
    ``end - begin - 1`` instead (its lr reaches ``eta_min`` at the last step),
    i.e. a schedule one step shorter than the official one. This scheduler is
    mmengine's with the official length; the arguments are
    :class:`~mmengine.optim.PolyLR`'s, ``convert_to_iter_based`` included.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.total_iters = self.end - self.begin
