"""Build the data roots the configs expect from the official downloads."""
from .cls_labels import cls_labels_to_image_labels, read_cls_labels_npy
from .coco_semantic import (COCO_CATEGORY_IDS, coco_image_labels, coco_semantic_mask,
                            decode_coco_rle, fill_polygon, prepare_coco)
from .voc_aug import (TEST_SIZE, TRAIN_AUG_SIZE, prepare_voc_aug, prepare_voc_test,
                      read_sbd_mask, train_aug_ids)
from .voc_xml_labels import (VOC_XML_NAMES, labels_differing_from_masks, read_xml_labels,
                             voc_xml_image_labels)

__all__ = [
    'cls_labels_to_image_labels', 'read_cls_labels_npy', 'COCO_CATEGORY_IDS',
    'coco_image_labels', 'coco_semantic_mask', 'decode_coco_rle', 'fill_polygon', 'prepare_coco',
    'TEST_SIZE', 'TRAIN_AUG_SIZE', 'prepare_voc_aug', 'prepare_voc_test', 'read_sbd_mask',
    'train_aug_ids', 'VOC_XML_NAMES', 'labels_differing_from_masks', 'read_xml_labels',
    'voc_xml_image_labels'
]
