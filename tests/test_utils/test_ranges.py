"""Range checks: what each rule accepts, and messages naming the key and the range."""
import argparse
import math

import numpy as np
import pytest

from mmwsss.utils.ranges import (POSITIVE, UNIT_OPEN, Each, Flag, OneOf, Range, check_each,
                                 check_setting, check_settings, range_type)


def test_range_bounds_kinds_and_text() -> None:
    assert str(UNIT_OPEN) == 'a number in (0, 1)'
    assert str(POSITIVE) == 'a number in (0, inf)'
    assert str(Range(1, integer=True, optional=True)) == 'an integer in [1, inf) or None'
    assert str(Range(0, 1)) == 'a number in [0, 1]'
    assert [UNIT_OPEN.accepts(v) for v in (0, 0.5, 1, 1.5, -0.2)] == [
        False, True, False, False, False]
    assert [Range(0, 1).accepts(v) for v in (0, 1)] == [True, True]
    for value in (math.nan, math.inf, -math.inf, None, True, '0.5', [0.5]):
        assert not UNIT_OPEN.accepts(value), value
    integer = Range(1, integer=True)
    assert [integer.accepts(v) for v in (1, np.int64(2), 2.0, 2.5, 0, False)] == [
        True, True, False, False, False, False]
    assert POSITIVE.accepts(np.float32(0.5)) and not POSITIVE.accepts(np.float32('nan'))
    assert Range(optional=True).accepts(None)
    assert Each(POSITIVE).accepts((1.0, 0.5)) and not Each(POSITIVE).accepts([])
    assert not Each(POSITIVE).accepts([1, 0]) and not Each(POSITIVE).accepts(1)
    assert Each(integer, length=2).accepts([3, 4]) and not Each(integer, 2).accepts([3])
    assert Flag().accepts(False) and not Flag().accepts(1)
    assert OneOf(('whole', 'slide')).accepts('slide')
    assert not OneOf((1, )).accepts(True)


def test_check_settings_refuses_unknown_keys_and_values_out_of_range() -> None:
    rules = dict(beta=POSITIVE, crf=Flag())
    assert check_settings(dict(beta=8), rules, 'Model test_cfg') == dict(beta=8)
    assert check_settings(None, rules, 'x') == {}
    with pytest.raises(KeyError, match=r"Model test_cfg: unknown keys \['betta'\]"):
        check_settings(dict(betta=8), rules, 'Model test_cfg')
    with pytest.raises(ValueError, match=r'Model test_cfg: beta must be a number in '
                       r'\(0, inf\), got 0'):
        check_settings(dict(beta=0), rules, 'Model test_cfg')
    with pytest.raises(ValueError, match='crf must be True or False, got 1'):
        check_setting('crf', 1, Flag(), 'x')
    with pytest.raises(ValueError, match=r'thresholds\[1\] must be a number in \(0, 1\), '
                       'got nan'):
        check_each('thresholds', [0.5, math.nan], UNIT_OPEN, 'x')


def test_range_type_for_argparse() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--t', type=range_type(UNIT_OPEN), nargs='+')
    parser.add_argument('--n', type=range_type(Range(0, integer=True)))
    args = parser.parse_args(['--t', '0.25', '0.5', '--n', '3'])
    assert args.t == [0.25, 0.5] and args.n == 3 and isinstance(args.n, int)
    for bad in ('1.5', '-1', 'nan', 'high'):
        with pytest.raises(argparse.ArgumentTypeError, match=r'is not a number in \(0, 1\)'):
            range_type(UNIT_OPEN)(bad)
    with pytest.raises(argparse.ArgumentTypeError, match=r"'2.5' is not an integer"):
        range_type(Range(0, integer=True))('2.5')
