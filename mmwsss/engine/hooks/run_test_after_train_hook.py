"""Run the test loop once training is done (PSA's random walk after AffinityNet)."""
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class RunTestAfterTrainHook(Hook):
    """Call ``runner.test()`` after training, on the trained model.

    With an ``AffinityNet`` model and a test pipeline that loads the CAMs,
    the test loop is PSA's random walk (it runs in ``AffinityNet.predict``);
    calling it through ``runner.test()`` shards the images across ranks. The
    writers of the config (:class:`SavePseudoLabelHook` ...) write its files,
    :class:`ResumeWritersHook` skips the images already written and
    :class:`ScorePseudoLabelsHook` scores them; ``tools/random_walk.py`` runs
    the same loop on a saved checkpoint.
    """

    priority = 'LOWEST'

    def after_train(self, runner) -> None:
        """Run the test loop on the trained model."""
        runner.logger.info('training finished: running the test loop')
        runner.test()
