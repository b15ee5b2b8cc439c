"""Remove the temporary files an interrupted :func:`~mmwsss.utils.io.atomic_path` left.

Only files this project wrote can match: the name pattern carries the
project's marker and the random part of :func:`tempfile.mkstemp`
(``.{stem}.mmwsss-{8 characters}.tmp{suffix}``), so a user's ``.session.tmp``
or ``.draft.tmp.txt`` never does. Symbolic links are never followed nor
removed: a linked folder or file belongs to someone else.
"""
import os
import os.path as osp
import re
from typing import List

from .io import TEMPORARY_MARKER

STALE_TEMPORARY = re.compile(
    r'^\..*\.' + re.escape(TEMPORARY_MARKER) + r'[a-z0-9_]{8}\.tmp(\.[^.]*)?$')
"""Names ``atomic_path`` gives its temporaries: ``.{stem}.mmwsss-{random}.tmp{suffix}``."""


def remove_stale_temporaries(folder: str, recursive: bool = False) -> List[str]:
    """Delete the temporaries :func:`~mmwsss.utils.io.atomic_path` left in ``folder``.

    ``atomic_path`` removes its temporary file on any exception, but a killed
    process (SIGKILL, out of memory, power loss) leaves it behind. Call this at
    the start of a step, before anything writes into ``folder``, on the
    folders the step owns; final files, files of other names and symbolic
    links (to files or folders, ``folder`` itself included) are never touched.

    Args:
        folder: Output folder of a step (may not exist yet).
        recursive: Also clean its subfolders (only for a folder the step owns
            entirely, such as a pipeline stage's work dir).

    Returns:
        The removed paths, sorted.
    """
    removed = []
    if osp.islink(folder) or not osp.isdir(folder):
        return removed
    for root, dirs, files in os.walk(folder, followlinks=False):
        if not recursive:
            dirs.clear()
        for name in files:
            path = osp.join(root, name)
            if not STALE_TEMPORARY.match(name) or osp.islink(path):
                continue
            try:
                os.remove(path)
            except FileNotFoundError:
                continue
            removed.append(path)
    return sorted(removed)
