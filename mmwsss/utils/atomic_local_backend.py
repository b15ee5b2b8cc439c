"""An mmengine file backend for local files that writes each file atomically."""
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

from .io import PathLike, atomic_path

ATOMIC_LOCAL_BACKEND = 'mmwsss_atomic_local'
"""Name of :class:`AtomicLocalBackend` among mmengine's file backends
(``backend_args=dict(backend=ATOMIC_LOCAL_BACKEND)``)."""


class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend``, but ``put`` and ``put_text`` go through
    :func:`~mmwsss.utils.io.atomic_path`: the file appears under its name only
    once complete, so a process killed while writing, or a full disk, leaves
    the previous file (or none) and a hidden temporary, never a cut file.

    What :class:`~mmwsss.engine.AtomicCheckpointHook` saves checkpoints with.
    """

    def put(self, obj: Union[bytes, memoryview], filepath: PathLike) -> None:
        """Write bytes to ``filepath`` atomically (parent folders created)."""
        with atomic_path(filepath) as tmp:
            with open(tmp, 'wb') as file:
                file.write(obj)

    def put_text(self, obj: str, filepath: PathLike, encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically (parent folders created)."""
        with atomic_path(filepath) as tmp:
            with open(tmp, 'w', encoding=encoding) as file:
                file.write(obj)


register_backend(ATOMIC_LOCAL_BACKEND, AtomicLocalBackend)
