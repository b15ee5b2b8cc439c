"""Synthesise the random-walk pseudo labels once AffinityNet is trained."""
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class RandomWalkHook(Hook):
    """Run the config's test loop after training (PSA's random-walk step).

    With an ``AffinityNet`` model and a test pipeline that loads the CAMs,
    the test loop is the random walk; calling it through ``runner.test()``
    shards the images across ranks. Pair it with :class:`SavePseudoLabelHook`
    (which writes, skips and scores the labels); ``tools/random_walk.py`` runs
    the same loop on a saved checkpoint.
    """

    priority = 'LOWEST'

    def after_train(self, runner) -> None:
        """Run the test loop on the trained model."""
        runner.logger.info('training finished: random walk on the test dataset')
        runner.test()
