"""Ground-truth-free choice: CRF agreement and the collapse rule."""
import numpy as np
import pytest

from mmwsss.evaluation.walk_criterion import choose_setting, crf_agreement


def test_crf_agreement_hand_computed() -> None:
    # rows CRF, columns labels: background IoU 6 / (6 + 1 + 2) , class 1 IoU 3 / (3 + 2 + 1),
    # class 2 never used
    confusion = np.array([[6, 1, 0], [2, 3, 0], [0, 0, 0]])
    assert crf_agreement(confusion) == pytest.approx(100 * (6 / 9 + 3 / 6) / 2)
    assert crf_agreement(np.eye(3, dtype=int) * 5) == 100.0
    assert crf_agreement(np.zeros((2, 2))) == 100.0
    with pytest.raises(ValueError, match='square'):
        crf_agreement(np.zeros((2, 3)))


def test_choose_prefers_fewest_collapses_then_agreement() -> None:
    agreement = {'a': 90.0, 'b': 80.0, 'c': 85.0, 'd': 70.0}
    assert choose_setting(agreement, {'a': 1, 'b': 0, 'c': 0, 'd': 0}) == 'c'
    assert choose_setting(agreement, {'a': 0, 'b': 0, 'c': 0, 'd': 0}) == 'a'
    assert choose_setting(agreement, {'a': 2, 'b': 1, 'c': 2, 'd': 1}) == 'b'
    assert choose_setting({'x': 1.0, 'y': 1.0}, {'x': 0, 'y': 0}) == 'x'
    with pytest.raises(KeyError, match='d'):
        choose_setting(agreement, {'a': 0, 'b': 0, 'c': 0})
    with pytest.raises(ValueError):
        choose_setting({}, {})
