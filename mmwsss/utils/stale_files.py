"""Remove the temporary files an interrupted :func:`~mmwsss.utils.io.atomic_path` left."""
import os
import os.path as osp
import re
from typing import List

STALE_TEMPORARY = re.compile(r'^\..+\.tmp(\.[^.]*)?$')
"""Names ``atomic_path`` gives its temporaries: ``.{stem}.{random}.tmp{suffix}``."""


def remove_stale_temporaries(folder: str) -> List[str]:
    """Delete the hidden ``.*.tmp*`` files under ``folder`` (recursively).

    ``atomic_path`` removes its temporary file on any exception, but a killed
    process (SIGKILL, out of memory, power loss) leaves it behind. Call this at
    the start of a step, before anything writes into ``folder``; the final
    files are never touched.

    Args:
        folder: Output folder of a step (may not exist yet).

    Returns:
        The removed paths.
    """
    removed = []
    if not osp.isdir(folder):
        return removed
    for root, _, files in os.walk(folder):
        for name in files:
            if STALE_TEMPORARY.match(name):
                path = osp.join(root, name)
                try:
                    os.remove(path)
                except FileNotFoundError:
                    continue
                removed.append(path)
    return sorted(removed)
