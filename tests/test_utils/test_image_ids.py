"""Ids read from files are plain file names inside their folder, each listed once."""
from pathlib import Path

import pytest

from mmwsss.utils import check_plain_name, read_id_list
from mmwsss.utils.image_ids import name_problem, repeated_names, scan_id_list


@pytest.mark.parametrize('name, problem', [
    ('/tmp/evil', 'absolute path'),
    ('../../x', 'contains a path separator'),
    ('a/b', 'contains a path separator'),
    ('a\\b', 'contains a path separator'),
    ('..', 'a relative folder name'),
    ('.', 'a relative folder name'),
    ('', 'empty'),
    ('a\nb', 'contains a control character'),
    ('a\x00b', 'contains a control character'),
    (7, 'not a string (int)'),
    ('2007_000032', None),
    ('COCO_train2014_000000000009.jpg', None),
    ('name with spaces', None),
    ('..a', None),
])
def test_name_problem(name, problem) -> None:
    assert name_problem(name) == problem


def test_check_plain_name_names_where() -> None:
    assert check_plain_name('a', 'x.json: key') == 'a'
    with pytest.raises(ValueError, match=r"^x\.json: key: '\.\./a' is not a plain file name "
                                         r'\(contains a path separator\)$'):
        check_plain_name('../a', 'x.json: key')


def test_repeated_names() -> None:
    assert repeated_names([('a', 1), ('b', 2), ('a', 3), ('a', 4)]) == [('a', 3, 1), ('a', 4, 1)]


def test_scan_and_read_id_list(tmp_path: Path) -> None:
    path = tmp_path / 'train.txt'
    path.write_text(' a \nb\r\n/tmp/evil\n\nb\n../../../../x\na\nc\n')
    ids, problems = scan_id_list(str(path))
    assert ids == ['a', 'b', 'c']
    assert problems == [
        ('bad id', "line 3: '/tmp/evil' is not a plain file name (absolute path)"),
        ('bad id', "line 4: '' is not a plain file name (empty)"),
        ('duplicate id', "line 5: id 'b' repeats line 2"),
        ('bad id', "line 6: '../../../../x' is not a plain file name (contains a path "
                   'separator)'),
        ('duplicate id', "line 7: id 'a' repeats line 1"),
    ]
    with pytest.raises(ValueError, match=rf"^{path}, line 3: '/tmp/evil' is not a plain "
                                         r'file name \(absolute path\) \(4 more problems\)$'):
        read_id_list(str(path))
    path.write_text('a\nb\nc\n')
    assert read_id_list(str(path)) == ['a', 'b', 'c']
    with pytest.raises(FileNotFoundError, match='nosuch.txt'):
        read_id_list(str(tmp_path / 'nosuch.txt'))
    path.write_bytes(b'a\n\xff\xfe\n')
    with pytest.raises(ValueError, match=f'cannot read id list {path}'):
        read_id_list(str(path))
