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

That is the default design, the family ``demo``. :data:`FAMILIES` holds other
designs (``DemoDatasetConfig`` values) that stress one difficulty each: bodies that
look like the background, thin objects, objects filling the image, several
co-occurring context regions (rails, waves, grass), unbalanced classes, 12 classes,
low contrast, and a mix of them (see ``docs/demo_dataset.md``).

Layout written under ``out_dir``::

    JPEGImages/{id}.jpg               RGB images
    SegmentationClass/{id}.png        palette PNG, 0 = background, 1..C = classes
    SaliencyMaps/{id}.png             grey PNG, 0..255
    ImageSets/Segmentation/{train,val}.txt
    image_labels.json                 {id: [class values present]}
    meta.json                         family, classes, palette, parameters, statistics
"""
import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image
from scipy.ndimage import binary_erosion, gaussian_filter

from mmwsss.utils import atomic_path, save_json, save_label_png, voc_palette

DEMO_CLASSES: Tuple[str, ...] = ('background', 'checker', 'stripes', 'dots',
                                 'rings', 'zigzag', 'train')
"""Class names of the demo dataset; index = label value."""

CO_OCCURRING_CLASS = 'train'
"""The class whose images usually contain rails (a background pattern)."""

# Two colours per part look (RGB); look k has pattern k % 6 (see _pattern). The
# first six are the demo's; the next six give the same patterns other colours.
_PART_COLOURS: Tuple[Tuple[Tuple[int, int, int], Tuple[int, int, int]], ...] = (
    ((230, 30, 30), (250, 250, 250)),
    ((30, 60, 230), (250, 220, 40)),
    ((250, 230, 30), (20, 20, 20)),
    ((30, 200, 60), (250, 250, 250)),
    ((220, 30, 220), (30, 230, 230)),
    ((250, 140, 20), (40, 40, 120)),
    ((20, 20, 20), (120, 230, 250)),
    ((250, 250, 250), (140, 20, 40)),
    ((120, 40, 200), (250, 180, 200)),
    ((250, 110, 150), (20, 90, 40)),
    ((20, 140, 140), (250, 250, 160)),
    ((150, 90, 40), (200, 250, 90)),
)

CONTEXT_KINDS: Tuple[str, ...] = ('rails', 'waves', 'grass')
"""Background patterns that can co-occur with a class (``DemoDatasetConfig.contexts``)."""

OVERLAP_TESTS: Tuple[str, ...] = ('circles', 'pixels')
"""How objects are kept apart (``DemoDatasetConfig.overlap_test``)."""


@dataclass(frozen=True)
class DemoDatasetConfig:
    """Parameters of the synthetic dataset; the defaults are the family ``demo``.

    Ranges are ``(low, high)`` of a uniform draw. Sizes of objects are relative to
    the short side of the image, sizes of parts to the object's short semi-axis.

    Attributes:
        num_train: Number of training images.
        num_val: Number of validation images.
        min_size: Smallest image side in pixels.
        max_size: Largest image side in pixels.
        max_objects: Objects per image are drawn uniformly from
            ``min_objects..max_objects`` (fewer when they do not fit).
        context_with_class: Probability that a class's context region (see
            ``contexts``) is drawn in an image containing the class.
        context_without_class: Probability of that region in any other image.
        saliency_miss_rate: Probability that the saliency map misses an object.
        saliency_false_blob_rate: Probability of a false salient blob per image.
        jpeg_quality: JPEG quality of the images.
        family: Name of the design, written to ``meta.json`` (see :data:`FAMILIES`).
        classes: Class names, background first; label value = index.
        class_weights: Relative frequency of each foreground class among the
            objects; empty: uniform.
        part_looks: Number of distinct part looks (pattern x colours, at most 12);
            class value c gets look ``(c - 1) % part_looks``.
        min_objects: Fewest objects drawn per image; 0 gives images without
            any object (image-level label list empty: the negatives of a
            one-class dataset).
        size_range: Long semi-axis of an object / short side of the image.
        aspect_range: Short semi-axis / long semi-axis.
        border_margin: An object's centre lies at least ``border_margin`` times its
            long semi-axis (at most half the image side) from the border; below 1
            objects may be cut by the border.
        overlap_test: ``'circles'``: objects' circumscribed circles are 2 pixels
            apart; ``'pixels'``: their pixels are (lets thin or large objects pack).
        part_radius_range: Radius of the part / short semi-axis of the body.
        contexts: ``(class, kind)`` pairs: the class co-occurs with a background
            region of that kind (one of :data:`CONTEXT_KINDS`), drawn under or
            around its object.
        plain_body_classes: Classes whose body has the background's statistics
            (texture and desaturated colour of an independent background draw);
            only their part is distinctive.
        plain_body_outline: Darkening (0..1) of a 2-pixel band along the outline
            of plain bodies; 0: no outline.
        body_hue_ranges: Hue range (in [0, 2), wrapping at 1) of each foreground
            class's body colour; empty: one range [0, 1) shared by all classes.
        body_saturation_range: Saturation of body colours.
        body_value_range: Value (brightness) of body colours.
        body_noise: Standard deviation of the per-pixel noise on bodies.
        background_noise: Standard deviation of the background's per-pixel noise.
        part_contrast: Contrast of part colours around mid-grey (1: as listed,
            0: all grey).
    """

    num_train: int = 300
    num_val: int = 100
    min_size: int = 96
    max_size: int = 160
    max_objects: int = 3
    context_with_class: float = 0.85
    context_without_class: float = 0.05
    saliency_miss_rate: float = 0.1
    saliency_false_blob_rate: float = 0.3
    jpeg_quality: int = 95
    family: str = 'demo'
    classes: Tuple[str, ...] = DEMO_CLASSES
    class_weights: Tuple[float, ...] = ()
    part_looks: int = 6
    min_objects: int = 1
    size_range: Tuple[float, float] = (0.17, 0.3)
    aspect_range: Tuple[float, float] = (0.6, 1.0)
    border_margin: float = 1.0
    overlap_test: str = 'circles'
    part_radius_range: Tuple[float, float] = (0.4, 0.5)
    contexts: Tuple[Tuple[str, str], ...] = ((CO_OCCURRING_CLASS, 'rails'),)
    plain_body_classes: Tuple[str, ...] = ()
    plain_body_outline: float = 0.0
    body_hue_ranges: Tuple[Tuple[float, float], ...] = ()
    body_saturation_range: Tuple[float, float] = (0.55, 0.95)
    body_value_range: Tuple[float, float] = (0.55, 0.95)
    body_noise: float = 3.0
    background_noise: float = 14.0
    part_contrast: float = 1.0

    def __post_init__(self) -> None:
        """Reject inconsistent parameters, naming the field at fault."""
        if self.num_train < 1 or self.num_val < 0:
            raise ValueError(f'need num_train >= 1 and num_val >= 0, got '
                             f'num_train={self.num_train}, num_val={self.num_val}')
        if len(self.classes) < 2 or len(set(self.classes)) != len(self.classes):
            raise ValueError(f'classes must be distinct names, background first and at '
                             f'least one foreground class, got {self.classes}')
        foreground = set(self.classes[1:])
        num_classes = len(self.classes) - 1
        if self.class_weights and (len(self.class_weights) != num_classes
                                   or min(self.class_weights) <= 0):
            raise ValueError(f'class_weights must be {num_classes} positive numbers '
                             f'(one per foreground class), got {self.class_weights}')
        if self.body_hue_ranges and len(self.body_hue_ranges) != num_classes:
            raise ValueError(f'body_hue_ranges must have {num_classes} ranges (one per '
                             f'foreground class), got {len(self.body_hue_ranges)}')
        if not 1 <= self.part_looks <= len(_PART_COLOURS):
            raise ValueError(f'part_looks must be in 1..{len(_PART_COLOURS)}, '
                             f'got {self.part_looks}')
        if not 0 <= self.min_objects <= self.max_objects or self.max_objects < 1:
            raise ValueError(f'need 0 <= min_objects <= max_objects and max_objects >= 1, got '
                             f'{self.min_objects} and {self.max_objects}')
        if self.overlap_test not in OVERLAP_TESTS:
            raise ValueError(f'overlap_test must be one of {OVERLAP_TESTS}, '
                             f'got {self.overlap_test!r}')
        for name, kind in self.contexts:
            if name not in foreground or kind not in CONTEXT_KINDS:
                raise ValueError(f'contexts: ({name!r}, {kind!r}) needs a foreground '
                                 f'class of {self.classes} and a kind of {CONTEXT_KINDS}')
        if len({name for name, _ in self.contexts}) != len(self.contexts):
            raise ValueError(f'contexts: one context per class, got {self.contexts}')
        unknown = set(self.plain_body_classes) - foreground
        if unknown:
            raise ValueError(f'plain_body_classes: {sorted(unknown)} are not foreground '
                             f'classes of {self.classes}')
        for name in ('size_range', 'aspect_range', 'part_radius_range',
                     'body_saturation_range', 'body_value_range'):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise ValueError(f'{name} must be (low, high) with 0 < low <= high, '
                                 f'got {(low, high)}')
        if not 0 <= self.plain_body_outline <= 1 or not 0 <= self.part_contrast <= 1:
            raise ValueError('plain_body_outline and part_contrast must be in [0, 1], got '
                             f'{self.plain_body_outline} and {self.part_contrast}')


_Ellipse = Tuple[float, float, float, float, float]
"""An object's ellipse: centre row, centre column, long and short semi-axes, angle."""


@dataclass
class _Sample:
    """One rendered image with its annotations and bookkeeping for statistics."""

    image: np.ndarray
    mask: np.ndarray
    saliency: np.ndarray
    contexts: List[str]
    object_areas: List[int]
    part_areas: List[int]
    aspects: List[float]
    body_contrasts: List[float]
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


def _background(rng: np.random.Generator, height: int, width: int,
                noise: float) -> np.ndarray:
    """Textured, desaturated background.

    Args:
        rng: Random generator.
        height: Image height H.
        width: Image width W.
        noise: Standard deviation of the per-pixel noise.

    Returns:
        float array (H, W, 3) in roughly [0, 255].
    """
    base = rng.uniform(70, 170) + rng.uniform(-25, 25, size=3)
    low = gaussian_filter(rng.normal(0, 1, (height, width)), sigma=6)
    low = low / (low.std() + 1e-6) * 22
    high = rng.normal(0, noise, (height, width, 3))
    return base[None, None, :] + low[..., None] + high


def _ellipse_coords(yy: np.ndarray, xx: np.ndarray,
                    ellipse: _Ellipse) -> Tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates along the ellipse's long (u) and short (v) axes.

    Args:
        yy: float array (H, W) of row indices.
        xx: float array (H, W) of column indices.
        ellipse: The ellipse.

    Returns:
        Two float arrays (H, W): u and v, in pixels from the centre.
    """
    cy, cx, _, _, angle = ellipse
    cos, sin = np.cos(angle), np.sin(angle)
    return (xx - cx) * cos + (yy - cy) * sin, -(xx - cx) * sin + (yy - cy) * cos


def _ellipse_mask(yy: np.ndarray, xx: np.ndarray, ellipse: _Ellipse,
                  grow: float = 0.0) -> np.ndarray:
    """bool array (H, W) of the pixels inside the ellipse grown by ``grow`` pixels."""
    u, v = _ellipse_coords(yy, xx, ellipse)
    return (u / (ellipse[2] + grow))**2 + (v / (ellipse[3] + grow))**2 <= 1.0


def _draw_rails(rng: np.random.Generator, image: np.ndarray, ellipse: _Ellipse,
                yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    """Draw horizontal rails with sleepers under the object ``ellipse``.

    Args:
        rng: Random generator.
        image: float array (H, W, 3), modified in place.
        ellipse: The object the rails run under.
        yy: float array (H, W) of row indices.
        xx: float array (H, W) of column indices.

    Returns:
        bool array (H, W) of the rails' pixels.
    """
    height, width = image.shape[:2]
    cy, _, _, b, _ = ellipse
    row = int(min(cy + 0.8 * b, height - 4))
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


def _draw_waves(rng: np.random.Generator, image: np.ndarray, ellipse: _Ellipse,
                yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    """Draw water-like waves from the object's middle down to the image's bottom.

    Args: as :func:`_draw_rails`.

    Returns:
        bool array (H, W) of the water's pixels.
    """
    cy, _, _, b, _ = ellipse
    water = yy >= cy + rng.uniform(0.0, 0.5) * b
    wavelength = rng.uniform(6, 10)
    crests = np.sin(2 * np.pi * yy / wavelength +
                    1.2 * np.sin(2 * np.pi * xx / rng.uniform(25, 45)) +
                    rng.uniform(0, 2 * np.pi))
    colour = np.array([40.0, 95.0, 150.0]) + rng.uniform(-15, 15, size=3)
    waves = colour + 28 * crests[..., None] * np.array([0.6, 0.8, 1.0])
    image[water] = waves[water] + rng.normal(0, 6, (int(water.sum()), 3))
    return water


def _draw_grass(rng: np.random.Generator, image: np.ndarray, ellipse: _Ellipse,
                yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    """Draw a grass-like patch around the object (vertical blades of green).

    Args: as :func:`_draw_rails`.

    Returns:
        bool array (H, W) of the grass's pixels.
    """
    cy, cx, a, b, angle = ellipse
    scale = rng.uniform(1.5, 2.0)
    patch = _ellipse_mask(yy, xx, (cy + 0.3 * b, cx, scale * a, scale * b, angle))
    blades = gaussian_filter(rng.normal(0, 1, yy.shape), sigma=(3.0, 0.6))
    blades = blades / (blades.std() + 1e-6)
    colour = np.array([70.0, 135.0, 45.0]) + rng.uniform(-15, 15, size=3)
    grass = colour + 30 * blades[..., None] * np.array([0.5, 1.0, 0.4])
    image[patch] = grass[patch]
    return patch


_CONTEXT_DRAWERS: Dict[str, Callable[..., np.ndarray]] = dict(
    rails=_draw_rails, waves=_draw_waves, grass=_draw_grass)


def _place_objects(rng: np.random.Generator, cfg: DemoDatasetConfig, yy: np.ndarray,
                   xx: np.ndarray, count: int) -> List[_Ellipse]:
    """Sample up to ``count`` ellipses that keep apart (``cfg.overlap_test``).

    Args:
        rng: Random generator.
        cfg: Sizes, aspects, border margin and overlap test of the objects.
        yy: float array (H, W) of row indices.
        xx: float array (H, W) of column indices.
        count: Number of objects wanted.

    Returns:
        The ellipses placed (fewer than ``count`` if 60 tries each did not fit).
    """
    height, width = yy.shape
    placed: List[_Ellipse] = []
    occupied = np.zeros((height, width), dtype=bool)
    short = min(height, width)
    for _ in range(60 * count):
        if len(placed) == count:
            break
        a = rng.uniform(*cfg.size_range) * short
        b = a * rng.uniform(*cfg.aspect_range)
        margin_y = min(cfg.border_margin * a, height / 2)
        margin_x = min(cfg.border_margin * a, width / 2)
        cy = rng.uniform(margin_y, height - margin_y)
        cx = rng.uniform(margin_x, width - margin_x)
        if cfg.overlap_test == 'circles':
            if all((cy - py)**2 + (cx - px)**2 > (a + pa + 2)**2
                   for py, px, pa, _, _ in placed):
                placed.append((cy, cx, a, b, rng.uniform(0, np.pi)))
            continue
        ellipse = (cy, cx, a, b, rng.uniform(0, np.pi))
        box = (slice(max(int(cy - a) - 3, 0), max(int(cy + a) + 4, 0)),
               slice(max(int(cx - a) - 3, 0), max(int(cx + a) + 4, 0)))
        grown = _ellipse_mask(yy[box], xx[box], ellipse, grow=2.0)
        if not (grown & occupied[box]).any():
            placed.append(ellipse)
            occupied[box] |= grown
    return placed


def _render(rng: np.random.Generator, cfg: DemoDatasetConfig) -> _Sample:
    """Render one image with its mask and saliency map."""
    height = int(rng.integers(cfg.min_size, cfg.max_size + 1))
    width = int(rng.integers(cfg.min_size, cfg.max_size + 1))
    image = _background(rng, height, width, cfg.background_noise)
    mask = np.zeros((height, width), dtype=np.uint8)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)

    ellipses = _place_objects(rng, cfg, yy, xx,
                              int(rng.integers(cfg.min_objects, cfg.max_objects + 1)))
    num_classes = len(cfg.classes) - 1
    if cfg.class_weights:
        weights = np.asarray(cfg.class_weights, dtype=np.float64)
        classes = rng.choice(num_classes, size=len(ellipses),
                             p=weights / weights.sum()) + 1
    else:
        classes = rng.integers(1, num_classes + 1, size=len(ellipses))
    contexts = []
    for name, kind in cfg.contexts:
        value = cfg.classes.index(name)
        context_p = (cfg.context_with_class
                     if value in classes else cfg.context_without_class)
        if rng.random() < context_p and ellipses:
            contexts.append(name)
            anchor = [e for e, c in zip(ellipses, classes) if c == value]
            _CONTEXT_DRAWERS[kind](rng, image, anchor[0] if anchor else ellipses[0],
                                   yy, xx)

    saliency = np.zeros((height, width), dtype=np.float64)
    object_areas, part_areas, aspects, body_colours, missed = [], [], [], [], 0
    for ellipse, class_value in zip(ellipses, classes):
        cy, cx, a, b, _ = ellipse
        u, v = _ellipse_coords(yy, xx, ellipse)
        body = (u / a)**2 + (v / b)**2 <= 1.0
        if cfg.classes[class_value] in cfg.plain_body_classes:
            texture = _background(rng, height, width, cfg.background_noise)
            image[body] = texture[body]
            outline = body & ~binary_erosion(body, iterations=2)
            image[outline] *= 1.0 - cfg.plain_body_outline
        else:
            hue = (rng.uniform(*cfg.body_hue_ranges[class_value - 1])
                   if cfg.body_hue_ranges else rng.random())
            colour = _hsv_to_rgb(hue, rng.uniform(*cfg.body_saturation_range),
                                 rng.uniform(*cfg.body_value_range))
            shade = 1.0 + 0.2 * (u / a) * rng.choice([-1.0, 1.0])
            body_pixels = colour[None, :] * shade[body][:, None]
            image[body] = body_pixels + rng.normal(0, cfg.body_noise, body_pixels.shape)

        radius = rng.uniform(*cfg.part_radius_range) * b
        offset = rng.uniform(0, 0.85) * max(b - radius, 0.0)
        direction = rng.uniform(0, 2 * np.pi)
        py = cy + offset * np.sin(direction)
        px = cx + offset * np.cos(direction)
        part = ((yy - py)**2 + (xx - px)**2 <= radius**2) & body
        if (body & ~part).any():
            body_colours.append(image[body & ~part].mean(axis=0))
        look = (class_value - 1) % cfg.part_looks  # VOC's 20 classes share 6 looks
        first, second = (np.array(rgb) * cfg.part_contrast + 128 * (1 - cfg.part_contrast)
                         for rgb in _PART_COLOURS[look])
        on = _pattern(look % 6, (yy - py).astype(int), (xx - px).astype(int))
        image[part & on] = first
        image[part & ~on] = second

        mask[body] = class_value
        object_areas.append(int(body.sum()))
        part_areas.append(int(part.sum()))
        aspects.append(b / a)
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

    image = np.clip(image, 0, 255)
    background = image[mask == 0]
    body_contrasts = ([float(np.linalg.norm(colour - background.mean(axis=0)))
                       for colour in body_colours] if background.size else [])
    return _Sample(
        image=image.astype(np.uint8),
        mask=mask,
        saliency=np.round(saliency * 255).astype(np.uint8),
        contexts=contexts,
        object_areas=object_areas,
        part_areas=part_areas,
        aspects=aspects,
        body_contrasts=body_contrasts,
        missed_objects=missed,
        false_blobs=false_blobs)


def _mean(values: Sequence[float], decimals: int) -> Optional[float]:
    """The rounded mean of some values, or None when there are none (a split
    whose images hold no object)."""
    return round(float(np.mean(values)), decimals) if len(values) else None


def _statistics(samples: Dict[str, List[_Sample]],
                cfg: DemoDatasetConfig) -> Dict[str, object]:
    """Summarise what the generator produced (documented in docs/demo_dataset.md)."""
    class_names = cfg.classes
    stats: Dict[str, object] = {}
    for split, split_samples in samples.items():
        if not split_samples:
            continue
        per_class = {name: 0 for name in class_names[1:]}
        context_with = {name: 0 for name, _ in cfg.contexts}
        context_without = dict(context_with)
        objects = missed = blobs = 0
        object_fraction, part_fraction, fg_fraction = [], [], []
        aspects, body_contrasts, saliency_iou = [], [], []
        for sample in split_samples:
            present = sorted(set(np.unique(sample.mask).tolist()) - {0})
            for value in present:
                per_class[class_names[value]] += 1
            for name in sample.contexts:
                if class_names.index(name) in present:
                    context_with[name] += 1
                else:
                    context_without[name] += 1
            objects += len(sample.object_areas)
            missed += sample.missed_objects
            blobs += sample.false_blobs
            total = sample.mask.size
            object_fraction += [area / total for area in sample.object_areas]
            part_fraction += [p / o for p, o in zip(sample.part_areas, sample.object_areas)]
            aspects += sample.aspects
            body_contrasts += sample.body_contrasts
            fg = sample.mask > 0
            fg_fraction.append(float(fg.mean()))
            sal = sample.saliency >= 128
            saliency_iou.append(float((sal & fg).sum() / max((sal | fg).sum(), 1)))
        images = len(split_samples)
        stats[split] = dict(
            images=images,
            images_per_class=per_class,
            largest_to_smallest_class=round(
                max(per_class.values()) / max(min(per_class.values()), 1), 2),
            objects_per_image=round(objects / images, 3),
            object_area_fraction=_mean(object_fraction, 4),
            object_aspect=_mean(aspects, 4),
            part_to_object_area=_mean(part_fraction, 4),
            foreground_fraction=_mean(fg_fraction, 4),
            body_background_contrast=_mean(body_contrasts, 2),
            context_given_class={
                name: round(context_with[name] / max(per_class[name], 1), 3)
                for name in context_with},
            context_given_no_class={
                name: round(context_without[name] / max(images - per_class[name], 1), 3)
                for name in context_with},
            saliency_missed_objects=round(missed / max(objects, 1), 3),
            saliency_false_blob_images=round(blobs / images, 3),
            saliency_iou_at_half=_mean(saliency_iou, 4))
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
        config: Dataset parameters; defaults to :class:`DemoDatasetConfig` (the
            family ``demo``); :func:`family_config` gives the other families.

    Returns:
        The content of ``meta.json``: family, classes, palette, contexts,
        parameters and statistics.
    """
    cfg = config or DemoDatasetConfig()
    root = Path(out_dir)
    for sub in ('JPEGImages', 'SegmentationClass', 'SaliencyMaps',
                'ImageSets/Segmentation'):
        (root / sub).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)

    samples: Dict[str, List[_Sample]] = {}
    labels: Dict[str, List[int]] = {}
    for split, count in (('train', cfg.num_train), ('val', cfg.num_val)):
        ids = [f'{split}_{index:05d}' for index in range(count)]
        samples[split] = []
        for img_id in ids:
            sample = _render(rng, cfg)
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
        family=cfg.family,
        classes=list(cfg.classes),
        palette=voc_palette(len(cfg.classes)).tolist(),
        contexts=dict(cfg.contexts),
        seed=seed,
        config=asdict(cfg),
        statistics=_statistics(samples, cfg))
    save_json(meta, root / 'meta.json')
    return json.loads(json.dumps(meta))


_CONTEXT_CLASSES = ('background', 'checker', 'stripes', 'boat', 'cow', 'zigzag', 'train')

FAMILIES: Dict[str, DemoDatasetConfig] = dict(
    demo=DemoDatasetConfig(),
    plain_body=DemoDatasetConfig(
        family='plain_body', plain_body_classes=('dots', 'zigzag'),
        plain_body_outline=0.1),
    thin=DemoDatasetConfig(
        family='thin', min_objects=2, max_objects=5, size_range=(0.25, 0.42),
        aspect_range=(0.12, 0.3), overlap_test='pixels', part_radius_range=(0.9, 1.0)),
    large=DemoDatasetConfig(
        family='large', max_objects=2, size_range=(0.33, 0.65), aspect_range=(0.7, 1.0),
        border_margin=0.3, overlap_test='pixels', part_radius_range=(0.2, 0.3)),
    context=DemoDatasetConfig(
        family='context', classes=_CONTEXT_CLASSES,
        contexts=(('train', 'rails'), ('boat', 'waves'), ('cow', 'grass'))),
    unbalanced=DemoDatasetConfig(
        family='unbalanced', class_weights=(0.46, 0.22, 0.13, 0.09, 0.035, 0.065)),
    many_classes=DemoDatasetConfig(
        family='many_classes', part_looks=12,
        classes=DEMO_CLASSES + ('checker2', 'stripes2', 'dots2', 'rings2', 'zigzag2',
                                'blocks2')),
    low_contrast=DemoDatasetConfig(
        family='low_contrast', body_saturation_range=(0.15, 0.4),
        body_value_range=(0.3, 0.65), body_noise=10.0, background_noise=22.0,
        part_contrast=0.45),
    mixed=DemoDatasetConfig(
        family='mixed', classes=_CONTEXT_CLASSES,
        class_weights=(0.26, 0.2, 0.16, 0.14, 0.14, 0.1),
        contexts=(('boat', 'waves'),), plain_body_classes=('cow',),
        plain_body_outline=0.1,
        body_hue_ranges=((0.95, 1.08), (0.95, 1.08), (0.3, 0.45), (0.3, 0.45),
                         (0.95, 1.08), (0.3, 0.45))),
)
"""Designs of the synthetic dataset by name; ``demo`` is the default design."""


def with_classes(config: DemoDatasetConfig, foreground: Sequence[str]) -> DemoDatasetConfig:
    """A design with other foreground classes (the other fields kept where they fit).

    Contexts and plain bodies of classes that are not in ``foreground`` are
    dropped; class weights and body hue ranges are dropped unless they have
    one entry per new class.

    Args:
        config: The design to change (e.g. ``FAMILIES['demo']``).
        foreground: Foreground class names (background is added first).

    Returns:
        The changed design.
    """
    names = tuple(foreground)
    count = len(names)
    return replace(
        config,
        classes=('background', ) + names,
        contexts=tuple((name, kind) for name, kind in config.contexts if name in names),
        plain_body_classes=tuple(name for name in config.plain_body_classes
                                 if name in names),
        class_weights=config.class_weights if len(config.class_weights) == count else (),
        body_hue_ranges=(config.body_hue_ranges if len(config.body_hue_ranges) == count
                         else ()))


def family_config(family: str, **overrides) -> DemoDatasetConfig:
    """The configuration of a family with some fields changed.

    Args:
        family: A key of :data:`FAMILIES`.
        **overrides: Fields of :class:`DemoDatasetConfig` to change (e.g.
            ``num_train``).

    Returns:
        The family's configuration with ``overrides`` applied.
    """
    if family not in FAMILIES:
        raise KeyError(f'unknown dataset family {family!r}; families: {sorted(FAMILIES)}')
    unknown = set(overrides) - {field.name for field in fields(DemoDatasetConfig)}
    if unknown:
        raise KeyError(f'{sorted(unknown)} are not fields of DemoDatasetConfig')
    return replace(FAMILIES[family], **overrides)
