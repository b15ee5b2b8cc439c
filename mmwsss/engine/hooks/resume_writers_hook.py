"""Resume the writers of an interrupted test loop: one mechanism for all of them."""
import os.path as osp
from typing import Any, Dict, List, MutableSequence

from mmengine.dataset import DefaultSampler
from mmengine.dist import barrier, broadcast_object_list, is_main_process
from mmengine.hooks import Hook
from mmseg.registry import HOOKS
from torch.utils.data import DataLoader

from mmwsss.utils import remove_stale_temporaries

from .sample_writer_hook import SampleWriterHook, is_sample_writer

TEST_IMG_IDS = 'test_img_ids'
"""Message-hub key: ``img_id`` of every image of the test dataset, in order."""
SKIPPED_IMG_IDS = 'skipped_test_img_ids'
"""Message-hub key: ``img_id`` of the images the test loop skipped."""


@HOOKS.register_module()
class ResumeWritersHook(Hook):
    """Before the test loop, prepare the folders of every writer for a rerun.

    The writers are the runner's hooks that are a
    :class:`SampleWriterHook` (:class:`SaveCAMHook`,
    :class:`SavePseudoLabelHook`, :class:`SaveWalkAffinityHook` ...). The
    main process removes the hidden temporary files a killed run left in
    their output folders. With ``skip_written``, the images that *every*
    writer has already written are dropped from the test dataloader (rank 0
    decides, for every rank), so an interrupted run resumes where it stopped;
    when every image is written the loop runs on no image. The ``img_id`` of
    all images and of the skipped ones are stored in the runner's message hub
    (:data:`TEST_IMG_IDS`, :data:`SKIPPED_IMG_IDS`), where
    :class:`ScorePseudoLabelsHook` reads them to score all images from the
    files. Its priority runs it before the writers' ``before_test``.

    Files made with other settings are never mixed with new ones: before
    anything else, the writers' folders are claimed for the run's settings
    (:func:`~mmwsss.apis.done_marker.claim_output_folders`: a record of the
    config beside each folder); a folder holding files of other (or
    unrecorded) settings is refused with the changed keys, or with ``redo``
    moved to ``{work_dir}/replaced_{time}/`` first.

    :meth:`turn_on` is how the pipeline and ``tools/random_walk.py`` make a
    config resume.

    Args:
        skip_written: Skip the images every writer has written.
        redo: Move the writers' existing folders aside and write every image
            again (``--redo`` of ``tools/test.py`` and ``tools/random_walk.py``).
    """

    priority = 'HIGH'

    def __init__(self, skip_written: bool = False, redo: bool = False) -> None:
        self.skip_written = skip_written
        self.redo = redo

    @staticmethod
    def turn_on(custom_hooks: MutableSequence[Dict[str, Any]], skip_written: bool = True,
                redo: bool = False) -> None:
        """Make a config's test loop skip written images (or redo), if it has writers.

        Sets ``skip_written`` (and ``redo``) of the config's
        :class:`ResumeWritersHook`, or adds one, when a hook of
        ``custom_hooks`` is a :class:`SampleWriterHook`; a False argument
        leaves the config's value.

        Args:
            custom_hooks: The ``custom_hooks`` of a config, changed in place.
            skip_written: Turn on ``skip_written``.
            redo: Turn on ``redo``.
        """
        if not any(is_sample_writer(hook.get('type')) for hook in custom_hooks):
            return
        resume = [hook for hook in custom_hooks
                  if hook.get('type') in ('ResumeWritersHook', ResumeWritersHook)]
        if not resume:
            resume = [dict(type='ResumeWritersHook')]
            custom_hooks.append(resume[0])
        for hook in resume:
            if skip_written:
                hook['skip_written'] = True
            if redo:
                hook['redo'] = True

    def before_test(self, runner) -> None:
        """Claim the folders, remove stale temporaries; with ``skip_written`` drop
        the written images."""
        loader = runner.test_loop.dataloader
        dataset = loader.dataset
        img_ids = [dataset.get_data_info(index)['img_id'] for index in range(len(dataset))]
        writers = [hook for hook in runner.hooks if isinstance(hook, SampleWriterHook)]
        folders = sorted({folder for writer in writers for folder in writer.output_dirs()})
        if is_main_process():
            # mmwsss.apis imports the engine: imported here, once both are loaded
            from mmwsss.apis.done_marker import claim_output_folders, output_settings
            moved = claim_output_folders(
                [osp.join(runner.work_dir, folder) for folder in folders],
                output_settings(runner.cfg), self.redo,
                redo_hint='--redo (tools/test.py, tools/random_walk.py; in a config: '
                'ResumeWritersHook redo=True)')
            for folder, target in moved.items():
                runner.logger.info(f'redo: moved {folder} to {target}')
            for folder in folders:
                for path in remove_stale_temporaries(osp.join(runner.work_dir, folder)):
                    runner.logger.info(f'removed {path}, left by an interrupted run')
        barrier()
        missing = list(range(len(img_ids)))
        if self.skip_written and writers:
            # rank 0 decides for every rank: others may start writing before it looks
            decided = [[index for index, img_id in enumerate(img_ids)
                        if not all(writer.is_written(runner.work_dir, img_id)
                                   for writer in writers)]
                       if is_main_process() else None]
            broadcast_object_list(decided)
            missing = decided[0]
        kept = set(missing)
        runner.message_hub.update_info(TEST_IMG_IDS, img_ids, resumed=False)
        runner.message_hub.update_info(
            SKIPPED_IMG_IDS, [img_id for index, img_id in enumerate(img_ids)
                              if index not in kept], resumed=False)
        if len(missing) == len(img_ids):
            return
        runner.logger.info(f'{len(img_ids) - len(missing)} of {len(img_ids)} images '
                           f'already have their files in {folders} of {runner.work_dir}: '
                           'skipping them')
        runner.test_loop.dataloader = self._subset_loader(loader, missing)

    @staticmethod
    def _subset_loader(loader: DataLoader, indices: List[int]) -> DataLoader:
        """A loader like ``loader`` over the images ``indices`` of its dataset."""
        subset = loader.dataset.get_subset(indices)
        # DefaultSampler divides by the dataset size: an empty loop needs no sampler
        sampler = DefaultSampler(subset, shuffle=False, round_up=getattr(
            loader.sampler, 'round_up', True)) if indices else []
        return DataLoader(
            subset,
            batch_size=loader.batch_size,
            sampler=sampler,
            num_workers=loader.num_workers if indices else 0,
            collate_fn=loader.collate_fn,
            pin_memory=loader.pin_memory,
            worker_init_fn=loader.worker_init_fn,
            persistent_workers=False)
