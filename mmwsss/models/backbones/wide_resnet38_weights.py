"""Conversion of the official ResNet-38 weights to :class:`WideResNet38` state dicts.

Two sources are supported:

- PSA / EPS PyTorch checkpoints (``torch.save(model.state_dict())``): backbone keys
  keep their names under ``backbone.``, the CAM classifier ``fc8`` becomes
  ``decode_head.conv_cam`` and the AffinityNet layers ``f8_3``, ``f8_4``, ``f8_5``,
  ``f9`` become ``decode_head.conv_f8_3`` ... ``decode_head.conv_f9``
  (:func:`convert_official_checkpoint`).
- The ImageNet weights distributed as the MXNet file
  ``ilsvrc-cls_rna-a1_cls1000_ep-0001.params``, read without MXNet
  (:func:`read_mxnet_params`) and renamed to the backbone's own keys
  (:func:`convert_mxnet_params`).
"""
import math
import os
import re
import struct
from typing import BinaryIO, Dict, List, Mapping, Optional, Tuple, Union

import numpy as np
import torch

PathLike = Union[str, os.PathLike]

_BN_PARAMS = ('weight', 'bias', 'running_mean', 'running_var',
              'num_batches_tracked')
_BLOCK_CONVS = ('conv_branch1', 'conv_branch2a', 'conv_branch2b1',
                'conv_branch2b2')
_BLOCK_NORMS = ('bn_branch2a', 'bn_branch2b1', 'bn_branch2b2')
_BACKBONE_KEY = re.compile(
    r'^(?:conv1a\.weight'
    rf'|b[2-7](?:_\d+)?\.(?:{"|".join(_BLOCK_CONVS)})\.weight'
    rf'|b[2-7](?:_\d+)?\.(?:{"|".join(_BLOCK_NORMS)})\.(?:{"|".join(_BN_PARAMS)})'
    rf'|bn7\.(?:{"|".join(_BN_PARAMS)}))$')
_HEAD_KEYS = {
    'fc8.weight': 'decode_head.conv_cam.weight',
    'f8_3.weight': 'decode_head.conv_f8_3.weight',
    'f8_4.weight': 'decode_head.conv_f8_4.weight',
    'f8_5.weight': 'decode_head.conv_f8_5.weight',
    'f9.weight': 'decode_head.conv_f9.weight',
}

# MXNet NDArray list file (src/ndarray/ndarray.cc, NDArray::Save / Load).
_LIST_MAGIC = 0x112
_NDARRAY_V1_MAGIC = 0xF993FAC8  # int64 shape, no storage type
_NDARRAY_V2_MAGIC = 0xF993FAC9  # storage type, int64 shape
_NDARRAY_V3_MAGIC = 0xF993FACA  # as v2 with NumPy shape semantics (ndim 0 = scalar)
_MAX_NDIM = 32
# mshadow type flags -> little-endian NumPy dtypes (12, bfloat16, has no NumPy type).
_MXNET_DTYPES = {
    0: '<f4',
    1: '<f8',
    2: '<f2',
    3: 'u1',
    4: '<i4',
    5: 'i1',
    6: '<i8',
    7: '?',
    8: '<i2',
    9: '<u2',
    10: '<u4',
    11: '<u8',
}

_MXNET_BLOCK_KEY = re.compile(
    r'^(?P<kind>res|bn)(?P<stage>[2-7])(?:a|b(?P<index>[1-9]\d*))'
    r'_(?P<branch>branch(?:1|2a|2b1|2b2))_(?P<param>\w+)$')
_MXNET_BN_PARAMS = {
    'gamma': 'weight',
    'beta': 'bias',
    'moving_mean': 'running_mean',
    'moving_var': 'running_var',
}


def convert_official_checkpoint(
        state_dict: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Rename an official PSA / EPS ResNet-38 state dict to mmwsss keys.

    Backbone keys (``conv1a.weight``, ``b4_5.bn_branch2a.running_var``, ``bn7.bias``,
    ...) get the prefix ``backbone.``; head keys are renamed as follows:

    - ``fc8.weight`` (CAM classifier) -> ``decode_head.conv_cam.weight``;
    - ``f8_3.weight``, ``f8_4.weight``, ``f8_5.weight``, ``f9.weight`` (AffinityNet)
      -> ``decode_head.conv_f8_3.weight`` ... ``decode_head.conv_f9.weight``.

    A ``module.`` prefix (DataParallel) is removed and ``num_batches_tracked`` entries
    are kept when present. Tensors are not copied.

    Args:
        state_dict: Official checkpoint, e.g. ``torch.load('res38_cls.pth')``.

    Returns:
        State dict loadable into a segmentor whose backbone is :class:`WideResNet38`
        (``fc8`` has shape (C, 4096, 1, 1) and ``f8_3`` .. ``f9`` the shapes of the
        AffinityNet head).

    Raises:
        KeyError: If some keys belong to neither the backbone nor a known head.
    """
    converted: Dict[str, torch.Tensor] = {}
    unknown: List[str] = []
    for key, value in state_dict.items():
        name = key[len('module.'):] if key.startswith('module.') else key
        if name in _HEAD_KEYS:
            converted[_HEAD_KEYS[name]] = value
        elif _BACKBONE_KEY.match(name):
            converted['backbone.' + name] = value
        else:
            unknown.append(key)
    if unknown:
        raise KeyError(f'{len(unknown)} keys of the checkpoint are not part of the '
                       f'official ResNet-38 networks: {sorted(unknown)}')
    return converted


class _Reader:
    """Little-endian reader over a binary file that reports truncation as ValueError.

    Args:
        file: Open binary file.
        path: File name used in error messages.
    """

    def __init__(self, file: BinaryIO, path: PathLike) -> None:
        self.file = file
        self.path = path
        self.size = os.fstat(file.fileno()).st_size

    def error(self, message: str) -> ValueError:
        """Build the error to raise for a malformed file.

        Args:
            message: What is wrong.

        Returns:
            A ValueError naming the file and the current byte offset.
        """
        return ValueError(f'{self.path}: not a valid MXNet NDArray file '
                          f'({message} at byte {self.file.tell()})')

    def read(self, size: int) -> bytearray:
        """Read exactly ``size`` bytes.

        Args:
            size: Number of bytes.

        Returns:
            A writable buffer of ``size`` bytes.

        Raises:
            ValueError: If the file ends first.
        """
        if size > self.size - self.file.tell():
            raise self.error(f'truncated, {size} more bytes expected')
        buffer = bytearray(size)
        if self.file.readinto(buffer) != size:
            raise self.error(f'truncated, {size} more bytes expected')
        return buffer

    def unpack(self, fmt: str) -> Tuple:
        """Read and unpack values.

        Args:
            fmt: ``struct`` format without byte-order prefix (little-endian is used).

        Returns:
            The unpacked values.
        """
        return struct.unpack('<' + fmt, self.read(struct.calcsize('<' + fmt)))


def _read_shape(reader: _Reader, magic: int) -> Tuple[int, ...]:
    """Read an NDArray shape.

    Args:
        reader: Reader positioned after the array's magic (and storage type).
        magic: The array's first uint32 (a magic number, or ndim for legacy arrays).

    Returns:
        The shape; ``(-1,)`` for an unknown shape.
    """
    if magic in (_NDARRAY_V1_MAGIC, _NDARRAY_V2_MAGIC, _NDARRAY_V3_MAGIC):
        (ndim,) = reader.unpack('i')
        if ndim < 0:
            return (-1,)
        if ndim > _MAX_NDIM:
            raise reader.error(f'implausible number of dimensions {ndim}')
        return reader.unpack(f'{ndim}q')
    # Legacy arrays have no magic: the first uint32 is ndim, dims are uint32.
    if magic > _MAX_NDIM:
        raise reader.error(f'unknown NDArray magic {magic:#x}')
    return reader.unpack(f'{magic}I')


def _read_ndarray(reader: _Reader) -> np.ndarray:
    """Read one dense NDArray as written by MXNet's ``NDArray::Save``.

    Args:
        reader: Reader positioned at the start of the array.

    Returns:
        Writable array in native byte order with the stored shape and dtype.
    """
    (magic,) = reader.unpack('I')
    if magic in (_NDARRAY_V2_MAGIC, _NDARRAY_V3_MAGIC):
        (storage_type,) = reader.unpack('i')
        if storage_type != 0:
            raise reader.error(
                f'sparse NDArray (storage type {storage_type}) is not supported')
    shape = _read_shape(reader, magic)
    uninitialised = any(dim < 0 for dim in shape) or (
        not shape and magic != _NDARRAY_V3_MAGIC)
    if uninitialised:
        raise reader.error('uninitialised NDArray')
    reader.unpack('ii')  # context: device type and id, irrelevant on load
    (type_flag,) = reader.unpack('i')
    if type_flag not in _MXNET_DTYPES:
        raise reader.error(f'unsupported NDArray type flag {type_flag}')
    dtype = np.dtype(_MXNET_DTYPES[type_flag])
    count = math.prod(shape)  # Python ints: huge dims fail the size check, not overflow
    data = np.frombuffer(reader.read(count * dtype.itemsize), dtype=dtype)
    return data.astype(dtype.newbyteorder('='), copy=False).reshape(shape)


def read_mxnet_params(path: PathLike) -> Dict[str, np.ndarray]:
    """Read an MXNet ``.params`` / NDArray list file without MXNet.

    Layout (little-endian): uint64 magic 0x112, uint64 reserved, uint64 number of
    arrays, the arrays, uint64 number of names, and each name as uint64 length plus
    UTF-8 bytes. Each array is stored as uint32 magic 0xF993FAC9 (v2) or 0xF993FACA
    (v3), int32 storage type (0 = dense), shape (int32 ndim, int64 dims), context
    (int32 device type, int32 device id), int32 type flag (0 float32, 1 float64,
    2 float16, 3 uint8, 4 int32, 5 int8, 6 int64, ...) and the raw C-order data. The
    older v1 layout (magic 0xF993FAC8, no storage type) and the legacy layout (no
    magic: uint32 ndim and uint32 dims) are read too.

    Args:
        path: The ``.params`` file, e.g. ``ilsvrc-cls_rna-a1_cls1000_ep-0001.params``.

    Returns:
        Mapping from the stored names (with their ``arg:`` / ``aux:`` prefixes) to
        arrays with the stored shape and dtype, in file order.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file is not a valid dense NDArray list with names
            (the message names the file).
    """
    with open(path, 'rb') as file:
        reader = _Reader(file, path)
        magic, _ = reader.unpack('QQ')
        if magic != _LIST_MAGIC:
            raise reader.error(f'bad list magic {magic:#x}, expected {_LIST_MAGIC:#x}')
        (num_arrays,) = reader.unpack('Q')
        arrays = [_read_ndarray(reader) for _ in range(num_arrays)]
        (num_names,) = reader.unpack('Q')
        if num_names != num_arrays:
            raise reader.error(
                f'{num_names} names for {num_arrays} arrays (unnamed lists are '
                f'not parameter files)')
        names = []
        for _ in range(num_names):
            (length,) = reader.unpack('Q')
            try:
                names.append(reader.read(length).decode('utf-8'))
            except UnicodeDecodeError as error:
                raise reader.error(f'name is not UTF-8 ({error})') from error
        if file.read(1):
            raise reader.error('trailing data after the names')
    if len(set(names)) != len(names):
        raise ValueError(f'{path}: duplicate array names')
    return dict(zip(names, arrays))


def _mxnet_key_to_torch(name: str) -> Optional[str]:
    """Map one MXNet parameter name (prefix removed) to a WideResNet38 key.

    Args:
        name: E.g. ``res4b5_branch2a_weight`` or ``bn7_moving_var``.

    Returns:
        The WideResNet38 key, or None for the ImageNet classifier (dropped).

    Raises:
        KeyError: If ``name`` is not a ResNet-38 (model A1) parameter name.
    """
    if name.startswith('linear1000_'):
        return None
    if name == 'conv1a_weight':
        return 'conv1a.weight'
    if name.startswith('bn7_') and name[len('bn7_'):] in _MXNET_BN_PARAMS:
        return 'bn7.' + _MXNET_BN_PARAMS[name[len('bn7_'):]]
    match = _MXNET_BLOCK_KEY.match(name)
    if match is None:
        raise KeyError(name)
    block = f'b{match["stage"]}'
    if match['index'] is not None:
        block += f'_{match["index"]}'
    if match['kind'] == 'res' and match['param'] == 'weight':
        return f'{block}.conv_{match["branch"]}.weight'
    if match['kind'] == 'bn' and match['param'] in _MXNET_BN_PARAMS:
        return f'{block}.bn_{match["branch"]}.{_MXNET_BN_PARAMS[match["param"]]}'
    raise KeyError(name)


def convert_mxnet_params(
        params: Mapping[str, np.ndarray]) -> Dict[str, torch.Tensor]:
    """Rename the MXNet ResNet-38 (model A1) ImageNet weights to WideResNet38 keys.

    ``arg:`` / ``aux:`` prefixes are removed; then ``conv1a_weight`` ->
    ``conv1a.weight``; ``res{S}a_branch{B}_weight`` -> ``b{S}.conv_branch{B}.weight``
    and ``res{S}b{i}_...`` -> ``b{S}_{i}.conv_...``; ``bn{S}a_branch{B}_{gamma, beta,
    moving_mean, moving_var}`` -> ``b{S}.bn_branch{B}.{weight, bias, running_mean,
    running_var}`` (``bn{S}a_branch2a`` is the pre-activation BN *inside* block
    ``b{S}``); ``bn7_*`` -> ``bn7.*``. The ImageNet classifier ``linear1000_*`` is
    dropped.

    Args:
        params: Output of :func:`read_mxnet_params`.

    Returns:
        Float tensors keyed without prefix, loadable with ``strict=True`` into
        :class:`WideResNet38` (up to the ``num_batches_tracked`` buffers, which
        BatchNorm fills in itself). For an mmseg segmentor, load them with
        ``init_cfg=dict(type='Pretrained', checkpoint=...)`` on the backbone.

    Raises:
        KeyError: If some names are not ResNet-38 parameters (all are listed), or two
            names map to the same key.
    """
    converted: Dict[str, torch.Tensor] = {}
    unknown: List[str] = []
    for key, value in params.items():
        name = re.sub(r'^(?:arg|aux):', '', key)
        try:
            target = _mxnet_key_to_torch(name)
        except KeyError:
            unknown.append(key)
            continue
        if target is None:
            continue
        if target in converted:
            raise KeyError(f'MXNet parameter {key!r} maps to {target!r} twice')
        converted[target] = torch.from_numpy(np.ascontiguousarray(value))
    if unknown:
        raise KeyError(f'{len(unknown)} MXNet parameters are not part of ResNet-38 '
                       f'(model A1): {sorted(unknown)}')
    return converted


__all__ = [
    'convert_mxnet_params', 'convert_official_checkpoint', 'read_mxnet_params'
]
