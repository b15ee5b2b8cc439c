"""Load a label map with :func:`mmwsss.utils.readers.read_label_png`: failures name the file."""
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS

from mmwsss.utils.readers import read_label_png

from .load_wsss_image import check_same_size


@TRANSFORMS.register_module()
class LoadWSSSAnnotations(LoadAnnotations):
    """MMSeg's ``LoadAnnotations`` for local label PNGs, with errors that name the file.

    Reads the raw class values of ``results['seg_map_path']`` (palette or
    8-bit grey PNG, the values MMSeg's pillow backend gives) into
    ``results['gt_seg_map']``. A missing, zero-byte, truncated or corrupt
    file, a map that is not 8-bit, or one whose header declares more than
    ``mmwsss.utils.MAX_IMAGE_PIXELS`` pixels raises an error naming the path
    and the image id (``results['img_id']``). The values are used as written: WSSS datasets
    neither reduce the zero label nor remap labels, and asking for either
    is an error. A label map whose size differs from its image's
    (``ori_shape``, the size as read: the test pipeline loads labels after
    resizing the image) is refused, naming both files and both sizes.

    A sample without ``seg_map_path`` (a dataset whose ``data_prefix`` has no
    ``seg_map_path``: no ground truth) gets no ``gt_seg_map``.

    Required keys: ``seg_map_path`` for a label map; ``ori_shape`` and ``img_path`` when
    checked against an image. Added keys: ``gt_seg_map``; modified:
    ``seg_fields``.
    """

    def _load_seg_map(self, results: dict) -> None:
        """Read the label map of one sample (none for a dataset without ground
        truth: no ``seg_map_path``)."""
        if results.get('seg_map_path') is None:
            return
        if self.reduce_zero_label or results.get('reduce_zero_label') or results.get(
                'label_map'):
            raise ValueError(f'LoadWSSSAnnotations reads class values as written; '
                             f'{results["seg_map_path"]} was asked for reduce_zero_label '
                             'or a label_map (use LoadAnnotations for that)')
        if self.backend_args:
            raise ValueError('LoadWSSSAnnotations reads local files only: leave '
                             'backend_args unset')
        label = read_label_png(results['seg_map_path'], results.get('img_id'))
        if 'ori_shape' in results:
            check_same_size(label.shape, results, f'label map {results["seg_map_path"]}',
                            'ori_shape')
        results['gt_seg_map'] = label
        results.setdefault('seg_fields', []).append('gt_seg_map')
