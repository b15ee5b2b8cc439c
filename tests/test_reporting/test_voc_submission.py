"""write_voc_submission: the PASCAL VOC evaluation-server layout."""
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmwsss.reporting import write_voc_submission
from mmwsss.utils import voc_palette

IDS = ('2008_000001', '2008_000002', '2010_000003')
LAYOUT = 'results/VOC2012/Segmentation/comp6_test_cls'


def _predictions(folder: Path) -> dict:
    """Grey label PNGs as MMSeg's IoUMetric(format_only=True) writes them."""
    folder.mkdir()
    labels = {}
    for index, image_id in enumerate(IDS):
        label = (np.arange(12 * 10).reshape(12, 10) + index) % 21
        labels[image_id] = label.astype(np.uint8)
        Image.fromarray(labels[image_id]).save(folder / f'{image_id}.png')
    return labels


def test_layout_palette_values_and_archive(tmp_path: Path) -> None:
    labels = _predictions(tmp_path / 'pred')
    archive = write_voc_submission(str(tmp_path / 'pred'), str(tmp_path / 'out'))
    assert archive == str(tmp_path / 'out' / 'results.tar.gz')
    for image_id, label in labels.items():
        with Image.open(tmp_path / 'out' / LAYOUT / f'{image_id}.png') as image:
            assert image.mode == 'P'
            palette = np.array(image.getpalette()[:21 * 3]).reshape(21, 3)
            assert np.array_equal(palette, voc_palette(21))
            assert np.array_equal(np.array(image), label)
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == [f'{LAYOUT}/{i}.png' for i in IDS]
        extracted = tar.extractfile(f'{LAYOUT}/{IDS[1]}.png')
        assert np.array_equal(np.array(Image.open(extracted)), labels[IDS[1]])


def test_comp5_and_missing_or_invalid_predictions(tmp_path: Path) -> None:
    _predictions(tmp_path / 'pred')
    write_voc_submission(str(tmp_path / 'pred'), str(tmp_path / 'out'), competition='comp5')
    comp5 = tmp_path / 'out/results/VOC2012/Segmentation/comp5_test_cls'
    assert (comp5 / f'{IDS[0]}.png').is_file()
    with pytest.raises(FileNotFoundError, match='2011_000004.png'):
        write_voc_submission(str(tmp_path / 'pred'), str(tmp_path / 'o2'),
                             image_ids=list(IDS) + ['2011_000004'])
    Image.fromarray(np.full((4, 4), 21, np.uint8)).save(tmp_path / 'pred' / f'{IDS[0]}.png')
    with pytest.raises(ValueError, match='0..20'):
        write_voc_submission(str(tmp_path / 'pred'), str(tmp_path / 'o3'))
    with pytest.raises(FileNotFoundError, match='no predictions'):
        (tmp_path / 'empty').mkdir()
        write_voc_submission(str(tmp_path / 'empty'), str(tmp_path / 'o4'))
