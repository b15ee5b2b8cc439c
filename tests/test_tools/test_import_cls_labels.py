"""tools/import_cls_labels.py on official-format cls_labels.npy files."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mmwsss.datasets.preparation import cls_labels_to_image_labels, read_cls_labels_npy
from tests.conftest import REPO_ROOT


def psa_vector(*values: int) -> np.ndarray:
    """PSA's float32 20-dim multi-hot vector of class values 1..20."""
    vector = np.zeros(20, np.float32)
    vector[[v - 1 for v in values]] = 1
    return vector


def test_convert_string_and_integer_keys(tmp_path: Path) -> None:
    # PSA / EPS: string ids; IRNet: the ids as integers without the underscore
    np.save(tmp_path / 'psa.npy', {'2007_000032': psa_vector(1, 15),
                                   '2007_000039': psa_vector(20)})
    np.save(tmp_path / 'irnet.npy', {2007000032: psa_vector(1, 15),
                                     2007000039: psa_vector(20)})
    expected = {'2007_000032': [1, 15], '2007_000039': [20]}
    for name in ('psa.npy', 'irnet.npy'):
        table = read_cls_labels_npy(str(tmp_path / name))
        assert cls_labels_to_image_labels(table) == expected


def test_bad_inputs(tmp_path: Path) -> None:
    np.save(tmp_path / 'array.npy', np.zeros((2, 20)))
    with pytest.raises(ValueError, match='array.npy does not hold a pickled dict'):
        read_cls_labels_npy(str(tmp_path / 'array.npy'))
    with pytest.raises(ValueError, match='x.npy: image b has 19 entries, others 20'):
        cls_labels_to_image_labels({'a': np.zeros(20), 'b': np.zeros(19)}, 'x.npy')
    with pytest.raises(ValueError, match='image a has entries other than 0 and 1'):
        cls_labels_to_image_labels({'a': np.full(20, 0.5)})


@pytest.mark.parametrize('table, message', [
    ({'../../evil': psa_vector(1)},
     r"x.npy: key: '\.\./\.\./evil' is not a plain file name \(contains a path separator\)"),
    ({'/tmp/evil': psa_vector(1)}, r"x.npy: key: '/tmp/evil' is not a plain file name"),
    ({'': psa_vector(1)}, r"x.npy: key: '' is not a plain file name \(empty\)"),
    ({'2007_000032': psa_vector(1), 2007000032: psa_vector(2)},
     r"x.npy: keys '2007_000032' and 2007000032 both give the image id '2007_000032'"),
])
def test_keys_must_be_distinct_plain_ids(table, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cls_labels_to_image_labels(table, 'x.npy')


def test_tool_needs_allow_pickle(tmp_path: Path) -> None:
    """Without --allow-pickle nothing is unpickled or written (the README test runs
    the tool with it)."""
    np.save(tmp_path / 'cls_labels.npy', {'2007_000032': psa_vector(1, 15)})
    out = tmp_path / 'image_labels.json'
    refused = subprocess.run([sys.executable, 'tools/import_cls_labels.py',
                              str(tmp_path / 'cls_labels.npy'), str(out)],
                             cwd=REPO_ROOT, capture_output=True, text=True)
    assert refused.returncode != 0 and 'Rerun with --allow-pickle' in refused.stderr
    assert not out.exists()


def test_image_without_class_is_kept_empty() -> None:
    table = {'2007_000032': psa_vector(1, 15), '2007_000063': psa_vector()}
    assert cls_labels_to_image_labels(table) == {'2007_000032': [1, 15], '2007_000063': []}
