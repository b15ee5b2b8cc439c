"""The loading transforms decode as MMCV / MMSeg do, and name file and image id on failure."""
from pathlib import Path

import numpy as np
import pytest
from mmseg.registry import TRANSFORMS

from mmwsss.utils import UnreadableFileError


def _results(demo_root: Path, img_id: str = 'train_00002') -> dict:
    return dict(img_path=str(demo_root / 'JPEGImages' / f'{img_id}.jpg'),
                seg_map_path=str(demo_root / 'SegmentationClass' / f'{img_id}.png'),
                saliency_path=str(demo_root / 'SaliencyMaps' / f'{img_id}.png'),
                img_id=img_id, reduce_zero_label=False, seg_fields=[])


def test_same_arrays_as_mmcv_and_mmseg_loaders(demo_root: Path) -> None:
    for ours, theirs, key in (('LoadWSSSImage', 'LoadImageFromFile', 'img'),
                              ('LoadWSSSAnnotations', 'LoadAnnotations', 'gt_seg_map')):
        mine = TRANSFORMS.build(dict(type=ours))(_results(demo_root))
        reference = TRANSFORMS.build(dict(type=theirs))(_results(demo_root))
        np.testing.assert_array_equal(mine[key], reference[key])
        assert mine.get('img_shape') == reference.get('img_shape')


@pytest.mark.parametrize('transform, key, kind', [
    ('LoadWSSSImage', 'img_path', "image 'train_00002'"),
    ('LoadWSSSAnnotations', 'seg_map_path', "label map of image 'train_00002'"),
    ('LoadSaliencyMap', 'saliency_path', "saliency map of image 'train_00002'"),
])
def test_broken_files_are_named(demo_root: Path, tmp_path: Path, transform: str, key: str,
                                kind: str) -> None:
    results = _results(demo_root)
    data = Path(results[key]).read_bytes()
    for name, content in (('empty', b''), ('truncated', data[:len(data) // 2])):
        path = tmp_path / f'{name}{Path(results[key]).suffix}'
        path.write_bytes(content)
        broken = dict(results, **{key: str(path)}, img_shape=(1, 1))
        with pytest.raises(UnreadableFileError, match=f'{kind}: {path}'):
            TRANSFORMS.build(dict(type=transform))(broken)
