"""Test helper that SIGKILLs rank 1 once, in the middle of the affinity-label step.

Imported by a stage config's ``custom_imports`` in the pipeline tests: it wraps
:func:`mmwsss.apis.affinity_labels.write_affinity_scores` so that rank 1
kills itself after writing ``MMWSSS_TEST_KILL_AFTER`` files, unless the flag
file ``MMWSSS_TEST_KILL_FLAG`` exists (created just before the kill, so the
rerun of the same command goes through).
"""
import os
import os.path as osp
import signal

from mmwsss.apis import affinity_labels as module

_write = module.write_affinity_scores
_written = []


def _write_then_maybe_die(*args, **kwargs) -> str:
    """Write one image's scores; rank 1 dies after the configured number."""
    img_id = _write(*args, **kwargs)
    _written.append(img_id)
    flag = os.environ['MMWSSS_TEST_KILL_FLAG']
    if (os.environ.get('RANK') == '1' and not osp.exists(flag)
            and len(_written) >= int(os.environ['MMWSSS_TEST_KILL_AFTER'])):
        open(flag, 'w').close()
        os.kill(os.getpid(), signal.SIGKILL)
    return img_id


if module.write_affinity_scores is _write and 'MMWSSS_TEST_KILL_FLAG' in os.environ:
    module.write_affinity_scores = _write_then_maybe_die
