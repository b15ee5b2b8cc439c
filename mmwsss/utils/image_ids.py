"""Image ids and file names read from lists, JSON files and annotations.

Every id a stage reads from a file (split lists, ``image_labels.json`` keys,
COCO ``file_name`` entries, SBD lists, imported ``cls_labels`` keys) becomes
part of a path (``{folder}/{id}.png``), so it must be a plain file name that
stays inside its folder: :func:`name_problem` says why one is not,
:func:`check_plain_name` refuses it naming where it was read, and
:func:`read_id_list` / :func:`scan_id_list` read a list file, refusing bad and
repeated ids with their line numbers.
"""
import os
import os.path as osp
from typing import Dict, Hashable, Iterable, List, Optional, Tuple, TypeVar

SEPARATORS = tuple(sorted({'/', '\\', os.sep, os.altsep or '/'}))
"""Path separators refused in ids (both POSIX and Windows ones, on every system)."""

Where = TypeVar('Where')

BAD_ID = 'bad id'
DUPLICATE_ID = 'duplicate id'
"""Kinds of problems :func:`scan_id_list` reports."""


def name_problem(name: object) -> Optional[str]:
    """Why ``name`` is not a plain file name inside its folder, or None if it is.

    A plain name is a non-empty string without path separators (``/``, ``\\``),
    other than ``.`` and ``..``, without control characters (a newline would
    split the id in a list file, a NUL byte ends a path).

    Args:
        name: An id or file name as read from a file.

    Returns:
        The reason (``'absolute path'``, ``'contains a path separator'``, ...) or None.
    """
    if not isinstance(name, str):
        return f'not a string ({type(name).__name__})'
    if not name:
        return 'empty'
    if osp.isabs(name) or name.startswith(SEPARATORS):
        return 'absolute path'
    if any(sep in name for sep in SEPARATORS):
        return 'contains a path separator'
    if name in ('.', '..'):
        return 'a relative folder name'
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return 'contains a control character'
    return None


def check_plain_name(name: object, where: str) -> str:
    """Refuse an id or file name that is not a plain name inside its folder.

    Args:
        name: The id or file name.
        where: Where it was read, e.g. ``'train.txt, line 3'`` or
            ``'instances.json: images[2].file_name'``.

    Returns:
        ``name`` unchanged.

    Raises:
        ValueError: naming ``where``, the name and the reason.
    """
    problem = name_problem(name)
    if problem:
        raise ValueError(f'{where}: {name!r} is not a plain file name ({problem})')
    return name


def repeated_names(entries: Iterable[Tuple[Hashable, Where]]
                   ) -> List[Tuple[Hashable, Where, Where]]:
    """The entries whose name came earlier, among (name, where it was read) pairs.

    Args:
        entries: (name, place) pairs in file order; a name is an id, a file
            name, ...; a place is a line number, a list index, ...

    Returns:
        ``(name, place, first place)`` for each repeat, in file order.
    """
    first: Dict[Hashable, Where] = {}
    repeats = []
    for name, where in entries:
        if name in first:
            repeats.append((name, where, first[name]))
        else:
            first[name] = where
    return repeats


def scan_id_list(path: str) -> Tuple[List[str], List[Tuple[str, str]]]:
    """Read a list file with one image id per line, collecting every problem.

    Lines are stripped of surrounding whitespace (as MMSeg reads split files);
    empty lines, ids that are not plain file names and repeated ids are
    problems.

    Args:
        path: The list file.

    Returns:
        The valid ids (first occurrences, in file order) and the problems as
        ``(kind, detail)`` pairs in line order, kind :data:`BAD_ID` or
        :data:`DUPLICATE_ID`, detail ``'line N: ...'``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file cannot be read as UTF-8 text.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'id list not found: {path}')
    try:
        with open(path, encoding='utf-8') as file:
            lines = file.read().splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f'cannot read id list {path}: {error}') from error
    problems, entries = [], []
    for number, line in enumerate(lines, start=1):
        img_id = line.strip()
        problem = name_problem(img_id)
        if problem:
            problems.append((number, BAD_ID, f'{img_id!r} is not a plain file name '
                             f'({problem})'))
        else:
            entries.append((img_id, number))
    repeats = repeated_names(entries)
    problems += [(number, DUPLICATE_ID, f'id {img_id!r} repeats line {first}')
                 for img_id, number, first in repeats]
    repeated_lines = {number for _, number, _ in repeats}
    ids = [img_id for img_id, number in entries if number not in repeated_lines]
    return ids, [(kind, f'line {number}: {detail}')
                 for number, kind, detail in sorted(problems)]


def read_id_list(path: str) -> List[str]:
    """Read a list file with one image id per line, refusing bad and repeated ids.

    Args:
        path: The list file (a split file, an SBD list, ...).

    Returns:
        The ids in file order.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: naming the file and line of the first problem (an empty
            line, an id that is not a plain file name, a repeated id) and
            the number of problems.
    """
    ids, problems = scan_id_list(path)
    if problems:
        more = f' ({len(problems) - 1} more problems)' if len(problems) > 1 else ''
        raise ValueError(f'{path}, {problems[0][1]}{more}')
    return ids
