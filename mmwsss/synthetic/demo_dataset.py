"""Deterministic synthetic dataset in PASCAL VOC layout that exercises WSSS methods.

Every object has a large *body* whose appearance (a smooth, shaded, saturated colour)
is drawn from one distribution shared by all classes, and a small *discriminative
part* (a disc with a class-specific two-colour pattern) inside it. A classifier
trained on image-level labels only needs the part, so its CAMs cover the part and
little of the body; the body is uniform within an object and contrasts with the
textured background, so affinities learned from confident CAM regions let a random
walk spread the part's score over the whole body (the premise of PSA).

The class ``train`` co-occurs with *rails*, a background pattern drawn under the
object in most of its images (and rarely elsewhere), so CAMs of ``train`` leak onto
rails; the saliency maps mostly ignore rails, which EPS can exploit.

Saliency maps imitate a salient-object detector: blurred soft object masks with a
random confidence, some objects missed, some false blobs on the background.

Layout written under ``out_dir``::

    JPEGImages/{id}.jpg               RGB images
    SegmentationClass/{id}.png        palette PNG, 0 = background, 1..C = classes
    SaliencyMaps/{id}.png             grey PNG, 0..255
    ImageSets/Segmentation/{train,val}.txt
    image_labels.json                 {id: [class values present]}
    meta.json                         classes, palette, parameters and statistics
"""
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image
from scipy.ndimage import gaussian_filter

from mmwsss.utils import atomic_path, save_json, save_label_png, voc_palette

DEMO_CLASSES: Tuple[str, ...] = ('background', 'checker', 'stripes', 'dots',
                                 'rings', 'zigzag', 'train')
"""Class names of the demo dataset; index = label value."""

CO_OCCURRING_CLASS = 'train'
"""The class whose images usually contain rails (a background pattern)."""

# Two colours per foreground class for its discriminative pattern (RGB).
_PART_COLOURS: Tuple[Tuple[Tuple[int, int, int], Tuple[int, int, int]], ...] = (
    ((230, 30, 30), (250, 250, 250)),
    ((30, 60, 230), (250, 220, 40)),
    ((250, 230, 30), (20, 20, 20)),
    ((30, 200, 60), (250, 250, 250)),
    ((220, 30, 220), (30, 230, 230)),
    ((250, 140, 20), (40, 40, 120)),
)


@dataclass(frozen=True)
class DemoDatasetConfig:
    """Parameters of the synthetic dataset.

    Attributes:
        num_train: Number of training images.
        num_val: Number of validation images.
        min_size: Smallest image side in pixels.
        max_size: Largest image side in pixels.
        max_objects: Objects per image are drawn uniformly from 1..max_objects.
        rails_with_class: Probability of rails in an image containing ``train``.
        rails_without_class: Probability of rails in any other image.
        saliency_miss_rate: Probability that the saliency map misses an object.
        saliency_false_blob_rate: Probability of a false salient blob per image.
        jpeg_quality: JPEG quality of the images.
    """

    num_train: int = 300
    num_val: int = 100
    min_size: int = 96
    max_size: int = 160
    max_objects: int = 3
    rails_with_class: float = 0.85
    rails_without_class: float = 0.05
    saliency_miss_rate: float = 0.1
    saliency_false_blob_rate: float = 0.3
    jpeg_quality: int = 95


@dataclass
class _Sample:
    """One rendered image with its annotations and bookkeeping for statistics."""

    image: np.ndarray
    mask: np.ndarray
    saliency: np.ndarray
    has_rails: bool
    object_areas: List[int]
    part_areas: List[int]
    missed_objects: int
    false_blobs: int


def _pattern(class_index: int, yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    """Binary class-specific pattern on local pixel coordinates.

    Args:
        class_index: Foreground class index, 0-based (0..5).
        yy: int array of row offsets from the part centre.
        xx: int array of column offsets, same shape as ``yy``.

    Returns:
        bool array of the same shape.
    """
    if class_index == 0:
        return ((yy // 3 + xx // 3) % 2) == 0
    if class_index == 1:
        return (yy // 2) % 2 == 0
    if class_index == 2:
        return ((yy % 4) < 2) & ((xx % 4) < 2)
    if class_index == 3:
        return np.round(np.sqrt(yy**2 + xx**2) / 2).astype(int) % 2 == 0
    if class_index == 4:
        return ((xx + np.abs(yy % 6 - 3)) // 2) % 2 == 0
    return ((yy % 5) < 3) & ((xx % 5) < 3)


def _hsv_to_rgb(h: float, s: float, v: float) -> np.ndarray:
    """Convert one HSV colour (all in [0, 1]) to RGB in [0, 255].

    Returns:
        float array of shape (3,).
    """
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    rgb = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return np.array(rgb) * 255.0


def _background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Textured, desaturated background.

    Returns:
        float array (H, W, 3) in roughly [0, 255].
    """
    base = rng.uniform(70, 170) + rng.uniform(-25, 25, size=3)
    low = gaussian_filter(rng.normal(0, 1, (height, width)), sigma=6)
    low = low / (low.std() + 1e-6) * 22
    high = rng.normal(0, 14, (height, width, 3))
    return base[None, None, :] + low[..., None] + high


def _draw_rails(rng: np.random.Generator, image: np.ndarray, row: int) -> np.ndarray:
    """Draw horizontal rails with sleepers centred on ``row``.

    Args:
        rng: Random generator.
        image: float array (H, W, 3), modified in place.
        row: Centre row of the rails.

    Returns:
        bool array (H, W) of the rails' pixels.
    """
    height, width = image.shape[:2]
    half = int(rng.integers(5, 8))
    top, bottom = max(row - half, 0), min(row + half, height - 1)
    rails = np.zeros((height, width), dtype=bool)
    sleeper_step = int(rng.integers(5, 8))
    rails[top:bottom + 1, (np.arange(width) % sleeper_step) < 2] = True
    image[rails] = (120, 80, 45)
    for rail_row in (top + 1, bottom - 1):
        rails[max(rail_row - 1, 0):rail_row + 1, :] = True
        image[max(rail_row - 1, 0):rail_row + 1, :] = (70, 70, 80)
    return rails


def _place_objects(rng: np.random.Generator, height: int, width: int,
                   count: int) -> List[Tuple[float, float, float, float, float]]:
    """Sample non-overlapping ellipses (cy, cx, semi-axis a, semi-axis b, angle)."""
    placed: List[Tuple[float, float, float, float, float]] = []
    short = min(height, width)
    for _ in range(60 * count):
        if len(placed) == count:
            break
        a = rng.uniform(0.17, 0.3) * short
        b = a * rng.uniform(0.6, 1.0)
        cy = rng.uniform(a, height - a)
        cx = rng.uniform(a, width - a)
        if all((cy - py)**2 + (cx - px)**2 > (a + pa + 2)**2
               for py, px, pa, _, _ in placed):
            placed.append((cy, cx, a, b, rng.uniform(0, np.pi)))
    return placed


def _render(rng: np.random.Generator, cfg: DemoDatasetConfig,
            num_classes: int, co_class: int) -> _Sample:
    """Render one image with its mask and saliency map."""
    height = int(rng.integers(cfg.min_size, cfg.max_size + 1))
    width = int(rng.integers(cfg.min_size, cfg.max_size + 1))
    image = _background(rng, height, width)
    mask = np.zeros((height, width), dtype=np.uint8)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)

    ellipses = _place_objects(rng, height, width,
                              int(rng.integers(1, cfg.max_objects + 1)))
    classes = rng.integers(1, num_classes + 1, size=len(ellipses))
    rails_p = (cfg.rails_with_class
               if co_class in classes else cfg.rails_without_class)
    has_rails = bool(rng.random() < rails_p)
    if has_rails:
        anchor = [e for e, c in zip(ellipses, classes) if c == co_class]
        cy, _, _, b, _ = anchor[0] if anchor else ellipses[0]
        _draw_rails(rng, image, int(min(cy + 0.8 * b, height - 4)))

    saliency = np.zeros((height, width), dtype=np.float64)
    object_areas, part_areas, missed = [], [], 0
    for (cy, cx, a, b, angle), class_value in zip(ellipses, classes):
        cos, sin = np.cos(angle), np.sin(angle)
        u = (xx - cx) * cos + (yy - cy) * sin
        v = -(xx - cx) * sin + (yy - cy) * cos
        body = (u / a)**2 + (v / b)**2 <= 1.0
        colour = _hsv_to_rgb(rng.random(), rng.uniform(0.55, 0.95),
                             rng.uniform(0.55, 0.95))
        shade = 1.0 + 0.2 * (u / a) * rng.choice([-1.0, 1.0])
        body_pixels = colour[None, :] * shade[body][:, None]
        image[body] = body_pixels + rng.normal(0, 3, body_pixels.shape)

        radius = rng.uniform(0.4, 0.5) * b
        offset = rng.uniform(0, 0.85) * (b - radius)
        direction = rng.uniform(0, 2 * np.pi)
        py = cy + offset * np.sin(direction)
        px = cx + offset * np.cos(direction)
        part = ((yy - py)**2 + (xx - px)**2 <= radius**2) & body
        look = (class_value - 1) % len(_PART_COLOURS)  # VOC's 20 classes share 6 looks
        first, second = _PART_COLOURS[look]
        on = _pattern(look, (yy - py).astype(int), (xx - px).astype(int))
        image[part & on] = first
        image[part & ~on] = second

        mask[body] = class_value
        object_areas.append(int(body.sum()))
        part_areas.append(int(part.sum()))
        if rng.random() < cfg.saliency_miss_rate:
            missed += 1
        else:
            saliency = np.maximum(
                saliency,
                gaussian_filter(body.astype(np.float64), sigma=2.5) *
                rng.uniform(0.7, 1.0))

    false_blobs = 0
    if rng.random() < cfg.saliency_false_blob_rate:
        false_blobs = 1
        by, bx = rng.uniform(0, height), rng.uniform(0, width)
        sigma = rng.uniform(6, 14)
        blob = np.exp(-((yy - by)**2 + (xx - bx)**2) / (2 * sigma**2))
        saliency = np.maximum(saliency, blob * rng.uniform(0.5, 0.9))
    saliency = gaussian_filter(saliency, sigma=1.5)
    saliency = np.clip(saliency + rng.normal(0, 0.02, saliency.shape), 0, 1)

    return _Sample(
        image=np.clip(image, 0, 255).astype(np.uint8),
        mask=mask,
        saliency=np.round(saliency * 255).astype(np.uint8),
        has_rails=has_rails,
        object_areas=object_areas,
        part_areas=part_areas,
        missed_objects=missed,
        false_blobs=false_blobs)


def _statistics(samples: Dict[str, List[_Sample]], class_names: Sequence[str],
                co_class: int) -> Dict[str, object]:
    """Summarise what the generator produced (documented in docs/demo_dataset.md)."""
    stats: Dict[str, object] = {}
    for split, split_samples in samples.items():
        if not split_samples:
            continue
        per_class = {name: 0 for name in class_names[1:]}
        rails_with = rails_without = with_class = 0
        objects = missed = blobs = 0
        object_fraction, part_fraction, fg_fraction = [], [], []
        saliency_iou = []
        for sample in split_samples:
            present = sorted(set(np.unique(sample.mask).tolist()) - {0})
            for value in present:
                per_class[class_names[value]] += 1
            if co_class in present:
                with_class += 1
                rails_with += sample.has_rails
            else:
                rails_without += sample.has_rails
            objects += len(sample.object_areas)
            missed += sample.missed_objects
            blobs += sample.false_blobs
            total = sample.mask.size
            object_fraction += [area / total for area in sample.object_areas]
            part_fraction += [p / o for p, o in zip(sample.part_areas, sample.object_areas)]
            fg = sample.mask > 0
            fg_fraction.append(float(fg.mean()))
            sal = sample.saliency >= 128
            saliency_iou.append(float((sal & fg).sum() / max((sal | fg).sum(), 1)))
        without_class = len(split_samples) - with_class
        stats[split] = dict(
            images=len(split_samples),
            images_per_class=per_class,
            objects_per_image=round(objects / len(split_samples), 3),
            object_area_fraction=round(float(np.mean(object_fraction)), 4),
            part_to_object_area=round(float(np.mean(part_fraction)), 4),
            foreground_fraction=round(float(np.mean(fg_fraction)), 4),
            rails_given_co_class=round(rails_with / max(with_class, 1), 3),
            rails_given_no_co_class=round(rails_without / max(without_class, 1), 3),
            saliency_missed_objects=round(missed / max(objects, 1), 3),
            saliency_false_blob_images=round(blobs / len(split_samples), 3),
            saliency_iou_at_half=round(float(np.mean(saliency_iou)), 4))
    return stats


def generate_demo_dataset(out_dir: str,
                          seed: int = 0,
                          config: Optional[DemoDatasetConfig] = None
                          ) -> Dict[str, object]:
    """Write the synthetic demo dataset in VOC layout.

    The output depends only on ``seed`` and ``config``: two calls with the same
    arguments write byte-identical files.

    Args:
        out_dir: Directory to write into (created if missing).
        seed: Seed of the random generator.
        config: Dataset parameters; defaults to :class:`DemoDatasetConfig`.

    Returns:
        The content of ``meta.json``: classes, palette, parameters, statistics.
    """
    cfg = config or DemoDatasetConfig()
    if cfg.num_train < 1 or cfg.num_val < 0:
        raise ValueError(f'need num_train >= 1 and num_val >= 0, got {cfg}')
    root = Path(out_dir)
    for sub in ('JPEGImages', 'SegmentationClass', 'SaliencyMaps',
                'ImageSets/Segmentation'):
        (root / sub).mkdir(parents=True, exist_ok=True)
    num_classes = len(DEMO_CLASSES) - 1
    co_class = DEMO_CLASSES.index(CO_OCCURRING_CLASS)
    rng = np.random.default_rng(seed)

    samples: Dict[str, List[_Sample]] = {}
    labels: Dict[str, List[int]] = {}
    for split, count in (('train', cfg.num_train), ('val', cfg.num_val)):
        ids = [f'{split}_{index:05d}' for index in range(count)]
        samples[split] = []
        for img_id in ids:
            sample = _render(rng, cfg, num_classes, co_class)
            samples[split].append(sample)
            labels[img_id] = sorted(set(np.unique(sample.mask).tolist()) - {0})
            with atomic_path(root / 'JPEGImages' / f'{img_id}.jpg') as tmp:
                Image.fromarray(sample.image).save(
                    tmp, format='JPEG', quality=cfg.jpeg_quality)
            save_label_png(sample.mask, root / 'SegmentationClass' / f'{img_id}.png')
            with atomic_path(root / 'SaliencyMaps' / f'{img_id}.png') as tmp:
                Image.fromarray(sample.saliency, mode='L').save(tmp, format='PNG')
        with atomic_path(root / 'ImageSets' / 'Segmentation' / f'{split}.txt') as tmp:
            tmp.write_text(''.join(f'{img_id}\n' for img_id in ids))

    save_json(labels, root / 'image_labels.json')
    meta = dict(
        classes=list(DEMO_CLASSES),
        palette=voc_palette(len(DEMO_CLASSES)).tolist(),
        co_occurring_class=CO_OCCURRING_CLASS,
        seed=seed,
        config=asdict(cfg),
        statistics=_statistics(samples, DEMO_CLASSES, co_class))
    save_json(meta, root / 'meta.json')
    return json.loads(json.dumps(meta))
