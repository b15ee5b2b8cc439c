"""remove_stale_temporaries: only this project's temporaries, only where told, no links."""
import os
from pathlib import Path

from mmwsss.utils import atomic_path, remove_stale_temporaries
from mmwsss.utils.stale_files import STALE_TEMPORARY


def _write(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('x')
    return path


def test_atomic_path_names_its_temporaries_with_the_project_marker(tmp_path: Path) -> None:
    with atomic_path(tmp_path / 'a.b.npz') as tmp:
        assert STALE_TEMPORARY.match(tmp.name), tmp.name
        assert tmp.name.startswith('.a.b.mmwsss-') and tmp.name.endswith('.tmp.npz')


def test_user_files_survive_only_project_temporaries_go(tmp_path: Path) -> None:
    folder = tmp_path / 'scores'
    ours = [_write(folder / '.a.mmwsss-k2j3h4x9.tmp.npz'),
            _write(folder / '.epoch_1.mmwsss-abcdefgh.tmp.pth'),
            _write(folder / '.last_checkpoint.mmwsss-0_a1b2c3.tmp')]
    # what the user had, and names close to ours
    users = [_write(folder / name) for name in (
        '.session.tmp', '.draft.tmp.txt', '.a.k2j3h4.tmp.npz', '.a.mmwsss-short.tmp.npz',
        '.a.mmwsss-ABCDEFGH.tmp.npz', 'a.mmwsss-abcdefgh.tmp.npz', 'a.npz')]
    users += [_write(folder / 'sub' / '.vimrc.tmp'),
              _write(folder / 'sub' / 'deeper' / '.draft.tmp.txt')]
    nested = _write(folder / 'sub' / '.b.mmwsss-abcdefgh.tmp.png')
    # a linked folder and a linked file, named like ours, pointing elsewhere
    outside = tmp_path / 'elsewhere'
    behind_link = _write(outside / '.c.mmwsss-abcdefgh.tmp.jpg')
    os.symlink(outside, folder / 'cam_overlays')
    link = folder / '.d.mmwsss-abcdefgh.tmp.png'
    os.symlink(behind_link, link)

    assert remove_stale_temporaries(str(folder)) == sorted(str(p) for p in ours)
    assert all(path.exists() for path in users + [nested, behind_link])
    assert link.is_symlink()
    # a folder reached through a link is never cleaned, even when named directly
    assert remove_stale_temporaries(str(folder / 'cam_overlays'), recursive=True) == []
    # recursive (a folder the step owns entirely): subfolders too, links still not
    assert remove_stale_temporaries(str(folder), recursive=True) == [str(nested)]
    assert all(path.exists() for path in users + [behind_link]) and link.is_symlink()
    assert remove_stale_temporaries(str(tmp_path / 'nowhere')) == []
