"""MS COCO 2014: semantic label PNGs and image-level labels from instance annotations.

Reads the official ``instances_{split}.json`` directly (no pycocotools):
polygons are filled at pixel centres (:func:`fill_polygon`), run-length
encodings (the uncompressed lists of the official files and the compressed
strings of result files) are decoded here.
The 80 categories, sorted by COCO category id, become label values 1..80 (the
order of ``configs/_base_/datasets/coco14_eps.py``); 0 is background.
"""
import json
import os
import os.path as osp
from multiprocessing import Pool
from typing import Any, Dict, List, Mapping, Sequence, Tuple

import numpy as np
from tqdm import tqdm

from mmwsss.utils import check_plain_name, read_json_object, save_json, save_label_png
from mmwsss.utils.image_ids import repeated_names
from mmwsss.utils.readers import MAX_IMAGE_PIXELS

from .voc_aug import save_lines

COCO_CATEGORY_IDS = (
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77,
    78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90)
"""The 80 COCO category ids; the one at index i becomes label value i + 1."""


def decode_coco_rle(counts: Any, height: int, width: int, where: str = 'RLE') -> np.ndarray:
    """Decode a COCO run-length encoding.

    Runs alternate between 0 and 1, starting with 0, over the pixels in
    column-major order. ``counts`` is a list of run lengths (uncompressed RLE)
    or COCO's compressed string (6-bit chunks of differences to the run two
    before, offset by 48).

    Args:
        counts: List of ints or compressed string (or bytes).
        height: Mask height.
        width: Mask width.
        where: Name of the annotation, for error messages.

    Returns:
        uint8 array (height, width) of 0 and 1.

    Raises:
        ValueError: the runs do not add up to height * width.
    """
    if isinstance(counts, bytes):
        counts = counts.decode('ascii')
    runs = _runs_from_string(counts) if isinstance(counts, str) else [int(c) for c in counts]
    if sum(runs) != height * width or min(runs, default=0) < 0:
        raise ValueError(f'{where}: RLE runs cover {sum(runs)} pixels, the mask has '
                         f'{height} x {width} = {height * width}')
    values = np.zeros(len(runs), dtype=np.uint8)
    values[1::2] = 1
    flat = np.repeat(values, runs)
    return flat.reshape(width, height).T.copy()


def _runs_from_string(text: str) -> List[int]:
    """Run lengths of a compressed COCO RLE string."""
    runs: List[int] = []
    pos = 0
    while pos < len(text):
        value, shift, more = 0, 0, True
        while more:
            chunk = ord(text[pos]) - 48
            value |= (chunk & 0x1f) << shift
            more = bool(chunk & 0x20)
            pos += 1
            shift += 5
            if not more and chunk & 0x10:
                value |= -1 << shift
        if len(runs) > 2:
            value += runs[-2]
        runs.append(value)
    return runs


def fill_polygon(mask: np.ndarray, polygon: Sequence[float]) -> None:
    """Set the pixels of ``mask`` whose centre lies inside a COCO polygon.

    COCO coordinates are continuous: pixel (y, x) spans [x, x + 1) x [y, y + 1)
    and its centre is (x + 0.5, y + 0.5). Inside means the even-odd rule, a
    centre on a left or top edge counts as inside, on a right or bottom edge
    as outside (so an axis-aligned rectangle with integer corners covers
    exactly its area). Each row's edge crossings toggle the fill; a cumulative
    sum along the row gives the inside pixels.

    Args:
        mask: uint8 array (H, W), modified in place (inside pixels set to 1).
        polygon: Flat list ``[x1, y1, x2, y2, ...]`` of at least 3 points.
    """
    height, width = mask.shape
    points = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    if len(points) < 3:
        return
    x0, y0 = points[:, 0], points[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    first = max(0, int(np.ceil(y0.min() - 0.5)))
    last = min(height, int(np.ceil(y0.max() - 0.5)))
    if first >= last:
        return
    rows = np.arange(first, last)
    centre = rows[:, None] + 0.5
    crossing = (y0[None] <= centre) != (y1[None] <= centre)
    row_index, edge = np.nonzero(crossing)
    y_centre = centre[row_index, 0]
    x = x0[edge] + (y_centre - y0[edge]) * (x1[edge] - x0[edge]) / (y1[edge] - y0[edge])
    first_inside = np.clip(np.ceil(x - 0.5), 0, width).astype(np.int64)
    toggles = np.zeros((len(rows), width + 1), dtype=np.int32)
    np.add.at(toggles, (row_index, first_inside), 1)
    inside = np.cumsum(toggles, axis=1)[:, :width] % 2 == 1
    mask[first:last][inside] = 1


def _is_number(value: Any) -> bool:
    """Whether a JSON value is a finite number (not a boolean)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and bool(np.isfinite(value)))


def _instance_mask(segmentation: Any, height: int, width: int, where: str) -> np.ndarray:
    """Binary mask (H, W) of one annotation's polygons (their union) or RLE."""
    if isinstance(segmentation, list):
        mask = np.zeros((height, width), dtype=np.uint8)
        for index, polygon in enumerate(segmentation):
            if not (isinstance(polygon, list) and len(polygon) % 2 == 0
                    and all(_is_number(value) for value in polygon)):
                raise ValueError(f'{where}: polygon {index} is not a flat list of x, y '
                                 f'numbers: {str(polygon)[:80]}')
            fill_polygon(mask, polygon)
        return mask
    if isinstance(segmentation, dict) and 'counts' in segmentation:
        rle_height, rle_width = segmentation.get('size', (height, width))
        if (rle_height, rle_width) != (height, width):
            raise ValueError(f'{where}: RLE size {rle_height} x {rle_width} differs from '
                             f'the image size {height} x {width}')
        return decode_coco_rle(segmentation['counts'], height, width, where)
    raise ValueError(f'{where}: segmentation is neither polygons nor RLE')


def coco_semantic_mask(height: int, width: int, annotations: Sequence[Mapping[str, Any]],
                       category_to_label: Mapping[int, int], source: str = 'annotations'
                       ) -> np.ndarray:
    """Paint the instances of one image into a class-index mask.

    Instances are painted from the largest ``area`` to the smallest, so where
    instances overlap the smaller one is kept; crowd regions get their class.

    Args:
        height: Image height.
        width: Image width.
        annotations: The image's entries of ``annotations`` (``segmentation``,
            ``category_id``, ``area``, ``id``).
        category_to_label: COCO category id -> label value 1..80.
        source: The annotation file, for messages.

    Returns:
        uint8 array (height, width), 0 = background.

    Raises:
        ValueError: naming ``source`` and the annotation, for a polygon that
            is not a flat list of numbers, an RLE of another size, or
            neither.
    """
    mask = np.zeros((height, width), dtype=np.uint8)
    for ann in sorted(annotations, key=lambda a: -float(a.get('area', 0))):
        where = f'{source}: annotation {ann.get("id")} of image {ann.get("image_id")}'
        mask[_instance_mask(ann['segmentation'], height, width, where) > 0] = \
            category_to_label[ann['category_id']]
    return mask


def coco_image_labels(annotations: Sequence[Mapping[str, Any]],
                      category_to_label: Mapping[int, int]) -> List[int]:
    """Sorted label values (1..80) of the categories annotated in one image."""
    return sorted({category_to_label[ann['category_id']] for ann in annotations})


def _write_mask(job: Tuple[str, int, int, List[dict], Dict[int, int], str]) -> None:
    """Worker: write one image's mask (skipped when it exists)."""
    path, height, width, annotations, category_to_label, source = job
    if not osp.isfile(path):
        save_label_png(coco_semantic_mask(height, width, annotations, category_to_label,
                                          source), path)


def _checked_images(images: Any, source: str) -> List[dict]:
    """The ``images`` entries, refusing what would write outside the mask folder.

    Args:
        images: The file's ``images`` list.
        source: The annotation file, for messages.

    Returns:
        The entries, sorted by file name.

    Raises:
        ValueError: naming ``source`` and the entry (``images[3].file_name``)
            when a file name is not a plain file name or repeats another's
            stem (both would write one mask), an image id is not an integer
            or repeats, or a size is not a positive integer or exceeds the
            pixel limit (:data:`mmwsss.utils.readers.MAX_IMAGE_PIXELS`).
    """
    if not isinstance(images, list) or not all(isinstance(i, dict) for i in images):
        raise ValueError(f'{source}: "images" must be a list of objects')
    for index, image in enumerate(images):
        where = f'{source}: images[{index}]'
        check_plain_name(image.get('file_name'), f'{where}.file_name')
        if not isinstance(image.get('id'), int):
            raise ValueError(f'{where} ({image["file_name"]}): id must be an integer, got '
                             f'{image.get("id")!r}')
        height, width = image.get('height'), image.get('width')
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                   for v in (height, width)):
            raise ValueError(f'{where} ({image["file_name"]}): height and width must be '
                             f'positive integers, got {height!r} x {width!r}')
        if height * width > MAX_IMAGE_PIXELS:
            raise ValueError(f'{where} ({image["file_name"]}): {width}x{height} = '
                             f'{height * width} pixels, over the limit of '
                             f'{MAX_IMAGE_PIXELS} pixels')
    for key, name_of in (('file_name', lambda image: osp.splitext(image['file_name'])[0]),
                         ('id', lambda image: image['id'])):
        repeats = repeated_names((name_of(image), index) for index, image in enumerate(images))
        if repeats:
            name, index, first = repeats[0]
            what = 'the image id' if key == 'id' else 'the mask name'
            raise ValueError(f'{source}: images[{index}].{key} {images[index].get(key)!r} '
                             f'gives {what} {name!r} of images[{first}] '
                             f'({len(repeats)} repeats)')
    return sorted(images, key=lambda image: image['file_name'])


def _check_annotations(annotations: Any, category_to_label: Mapping[int, int],
                       source: str) -> None:
    """Refuse annotations that are not objects or name an unknown category.

    Raises:
        ValueError: naming ``source`` and the entry (``annotations[5]``).
    """
    if not isinstance(annotations, list):
        raise ValueError(f'{source}: "annotations" must be a list')
    for index, ann in enumerate(annotations):
        where = f'{source}: annotations[{index}]'
        if not isinstance(ann, dict) or 'segmentation' not in ann or 'image_id' not in ann:
            raise ValueError(f'{where}: not an object with "image_id" and "segmentation"')
        if ann.get('category_id') not in category_to_label:
            raise ValueError(f'{where} (id {ann.get("id")}): category_id '
                             f'{ann.get("category_id")!r} is not one of the 80 COCO '
                             'categories')


def prepare_coco(annotation_file: str, out_root: str, split: str = 'train2014',
                 workers: int = 1, progress: bool = True) -> Dict[str, int]:
    """Write masks, the split file and image-level labels of one COCO split.

    Writes ``{out_root}/SegmentationClass/{split}/{stem}.png`` for every image
    with at least one annotation (``stem``: the image file name without
    extension, e.g. ``COCO_train2014_000000000009``), the ids to
    ``{out_root}/ImageSets/{train|val}.txt`` and the labels to
    ``{out_root}/image_labels.json`` (``{stem: [values 1..80]}``, merged with
    the entries of other splits already there). Every file is written to a
    temporary file then renamed; existing masks are kept, so a rerun resumes.

    Args:
        annotation_file: Official ``instances_{split}.json``.
        out_root: Dataset root (``data/coco2014``), holding ``{split}/*.jpg``.
        split: ``train2014`` or ``val2014``.
        workers: Processes writing masks.
        progress: Show a progress bar.

    Returns:
        Counts: ``images`` (in the file), ``labelled`` (with annotations, the
        ones written), ``unlabelled``, ``annotations``.

    Raises:
        FileNotFoundError: ``annotation_file`` does not exist.
        ValueError: the file is not a COCO instance file with the 80 categories.
    """
    if not osp.isfile(annotation_file):
        raise FileNotFoundError(f'annotation file not found: {annotation_file}')
    with open(annotation_file) as file:
        try:
            data = json.load(file)
        except ValueError as error:
            raise ValueError(f'cannot parse {annotation_file}: {error}') from error
    for key in ('images', 'annotations', 'categories'):
        if key not in data:
            raise ValueError(f'{annotation_file} has no {key!r} (not a COCO instance file)')
    category_ids = tuple(sorted(c['id'] for c in data['categories']))
    if category_ids != COCO_CATEGORY_IDS:
        raise ValueError(f'{annotation_file}: categories {category_ids} are not the 80 '
                         'COCO categories')
    category_to_label = {cat: index + 1 for index, cat in enumerate(COCO_CATEGORY_IDS)}
    images = _checked_images(data['images'], annotation_file)
    _check_annotations(data['annotations'], category_to_label, annotation_file)
    per_image: Dict[int, List[dict]] = {}
    for ann in data['annotations']:
        per_image.setdefault(ann['image_id'], []).append(ann)
    mask_dir = osp.join(out_root, 'SegmentationClass', split)
    os.makedirs(mask_dir, exist_ok=True)
    jobs, labels = [], {}
    for image in images:
        annotations = per_image.get(image['id'])
        if not annotations:
            continue
        stem = osp.splitext(image['file_name'])[0]
        labels[stem] = coco_image_labels(annotations, category_to_label)
        jobs.append((osp.join(mask_dir, stem + '.png'), image['height'], image['width'],
                     annotations, category_to_label, annotation_file))
    if workers > 1:
        with Pool(workers) as pool:
            for _ in tqdm(pool.imap_unordered(_write_mask, jobs, chunksize=16),
                          total=len(jobs), desc=f'{split} masks', disable=not progress):
                pass
    else:
        for job in tqdm(jobs, desc=f'{split} masks', disable=not progress):
            _write_mask(job)
    label_file = osp.join(out_root, 'image_labels.json')
    all_labels = _read_json_dict(label_file)
    all_labels.update(labels)
    save_json(dict(sorted(all_labels.items())), label_file)
    split_name = split[:-4] if split.endswith('2014') else split
    save_lines(sorted(labels), osp.join(out_root, 'ImageSets', f'{split_name}.txt'))
    written = len([n for n in os.listdir(mask_dir) if n.endswith('.png')
                   and not n.startswith('.') and osp.splitext(n)[0] in labels])
    if written != len(labels):
        raise RuntimeError(f'{mask_dir} holds {written} of the {len(labels)} masks')
    return dict(images=len(images), labelled=len(labels),
                unlabelled=len(images) - len(labels), annotations=len(data['annotations']))


def _read_json_dict(path: str) -> Dict[str, Any]:
    """A JSON object from ``path``, or an empty dict when there is no file."""
    return read_json_object(path, 'label file') if osp.isfile(path) else {}
