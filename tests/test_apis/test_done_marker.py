"""Done markers: config hash, changed keys, chaining to the previous step; stale files."""
import json
from pathlib import Path

import pytest
from mmengine.config import Config

from mmwsss.apis.done_marker import (StaleStepError, changed_keys, check_marker,
                                       check_stage, config_digest, flat_config,
                                       marker_path, new_marker)
from mmwsss.utils import remove_stale_temporaries


def _cfg(**train_cfg) -> Config:
    return Config(dict(train_cfg=dict(dict(max_epochs=2), **train_cfg), work_dir='/a',
                       experiment_name='cam_train_20260101', launcher='none',
                       custom_hooks=[dict(type='ResumeWritersHook', skip_written=True)]))


def test_flat_config_ignores_run_names_and_orders_keys() -> None:
    flat = flat_config(_cfg(), dict(stage_tta=False))
    assert flat == {'custom_hooks.0.skip_written': 'true',
                    'custom_hooks.0.type': '"ResumeWritersHook"',
                    'train_cfg.max_epochs': '2', 'stage_tta': 'false'}
    other = _cfg()
    other.merge_from_dict(dict(work_dir='/b', experiment_name='x', launcher='pytorch'))
    assert config_digest(flat_config(other, dict(stage_tta=False))) == config_digest(flat)
    assert changed_keys(flat, flat_config(_cfg(max_epochs=5, val_interval=1))) == [
        'stage_tta: false -> (absent)', 'train_cfg.max_epochs: 2 -> 5',
        'train_cfg.val_interval: (absent) -> 1']


def test_check_marker_names_changed_keys_and_reruns_of_earlier_steps() -> None:
    flat = flat_config(_cfg())
    marker = new_marker(flat, after='abc', stage='cam', step='train')
    check_marker(marker, 'cam/done_train.json', flat, 'abc', 'how to start over')
    with pytest.raises(StaleStepError, match=r'(?s)cam/done_train.json was written with '
                       r'another config; changed keys:\n  train_cfg.max_epochs: 2 -> 5\n'
                       'how to start over'):
        check_marker(marker, 'cam/done_train.json', flat_config(_cfg(max_epochs=5)), 'abc',
                     'how to start over')
    with pytest.raises(StaleStepError, match='previous step, which has been run again'):
        check_marker(marker, 'cam/done_train.json', flat, 'def', 'x')
    old = dict(stage='cam', step='train', seconds=1.0)  # written before configs were hashed
    check_marker(old, 'cam/done_train.json', flat_config(_cfg(max_epochs=5)), 'def', 'x')


def test_check_stage_chains_run_ids(tmp_path: Path) -> None:
    flats = {'train': flat_config(_cfg()), 'test': flat_config(_cfg())}
    assert check_stage(str(tmp_path), flats, 'p0', 'x') == 'p0'  # nothing done yet
    train = new_marker(flats['train'], 'p0')
    Path(marker_path(str(tmp_path), 'train')).write_text(json.dumps(train))
    assert check_stage(str(tmp_path), flats, 'p0', 'x') == train['run_id']
    test = new_marker(flats['test'], train['run_id'])
    Path(marker_path(str(tmp_path), 'test')).write_text(json.dumps(test))
    assert check_stage(str(tmp_path), flats, 'p0', 'x') == test['run_id']
    with pytest.raises(StaleStepError, match='done_train.json was written after'):
        check_stage(str(tmp_path), flats, 'p1', 'x')


def test_remove_stale_temporaries_keeps_final_files(tmp_path: Path) -> None:
    (tmp_path / 'cams').mkdir()
    keep = [tmp_path / 'cams' / 'a.npz', tmp_path / 'done_test.json', tmp_path / '.hidden']
    stale = [tmp_path / 'cams' / '.a.mmwsss-k2j3h4x9.tmp.npz',
             tmp_path / '.done_test.mmwsss-x1x1x1x1.tmp.json',
             tmp_path / '.epoch_1.mmwsss-qqqqqqqq.tmp']
    for path in keep + stale:
        path.write_text('x')
    assert remove_stale_temporaries(str(tmp_path), recursive=True) == sorted(
        str(p) for p in stale)
    assert sorted(tmp_path.rglob('*')) == sorted(keep + [tmp_path / 'cams'])
    assert remove_stale_temporaries(str(tmp_path / 'nowhere')) == []
