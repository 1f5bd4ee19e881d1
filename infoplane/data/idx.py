"""MNIST-style IDX files: ``load_idx`` reads images and labels that users supply.

The IDX format (LeCun et al., "The MNIST database of handwritten digits") is a big-endian
header followed by raw values:

    images: magic 0x00000803 (unsigned byte, 3 dimensions), n, rows, cols, then n*rows*cols
            uint8 pixels, row-major;
    labels: magic 0x00000801 (unsigned byte, 1 dimension), n, then n uint8 labels.

Files may be gzip-compressed (a ``.gz`` suffix, or the gzip magic bytes), as distributed.
Nothing is downloaded here: pass the paths of files you have, e.g.
``train-images-idx3-ubyte.gz`` and ``train-labels-idx1-ubyte.gz``.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from .._errors import InfoplaneError, check_positive_int
from .datasets import Dataset

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
_GZIP_MAGIC = b"\x1f\x8b"

__all__ = ["IMAGES_MAGIC", "LABELS_MAGIC", "load_idx", "read_idx"]


def _read_bytes(path) -> bytes:
    path = Path(path)
    if not path.is_file():
        raise InfoplaneError(f"no such file: {path}")
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC or path.suffix == ".gz":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise InfoplaneError(f"{path}: not a readable gzip file ({err})") from None
    return raw


def read_idx(path, magic: int) -> np.ndarray:
    """The uint8 array of one IDX file whose header must carry ``magic``.

    Args:
        path: an IDX file, plain or gzip-compressed.
        magic: ``IMAGES_MAGIC`` (returns (n, rows, cols)) or ``LABELS_MAGIC`` (returns (n,)).

    Raises:
        InfoplaneError: missing file, wrong magic number, or a file shorter or longer than
            its header says.
    """
    raw = _read_bytes(path)
    n_dims = magic & 0xFF
    header = 4 * (1 + n_dims)
    if len(raw) < 4:
        raise InfoplaneError(f"{path}: truncated IDX file ({len(raw)} bytes, no header)")
    (found,) = struct.unpack(">I", raw[:4])
    if found != magic:
        kind = "images" if magic == IMAGES_MAGIC else "labels"
        raise InfoplaneError(
            f"{path}: magic number 0x{found:08X}, expected 0x{magic:08X} for IDX {kind} "
            "(unsigned bytes); is this the right file?"
        )
    if len(raw) < header:
        raise InfoplaneError(f"{path}: truncated IDX file (header needs {header} bytes, "
                             f"the file has {len(raw)})")
    shape = struct.unpack(f">{n_dims}I", raw[4:header])
    size = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != size:
        what = "truncated" if len(raw) - header < size else "longer than its header says"
        raise InfoplaneError(f"{path}: {what}: the header gives shape {shape} ({size} bytes of "
                             f"data) but the file holds {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load_idx(images_path, labels_path, *, limit: int | None = None) -> Dataset:
    """An MNIST-style data set from IDX image and label files.

    Args:
        images_path: IDX images (magic 0x00000803), uint8 (n, rows, cols); ``.gz`` allowed.
        labels_path: IDX labels (magic 0x00000801), uint8 (n,); ``.gz`` allowed.
        limit: keep only the first ``limit`` examples (e.g. 4096, to match tishby12's size
            and keep binning and KDE affordable).

    Returns:
        A Dataset: x (n, rows * cols) float32 pixels scaled to [0, 1] (divided by 255),
        y (n,) int32, n_classes = max label + 1 (10 for MNIST), name from the image file.

    Raises:
        InfoplaneError: a missing or truncated file, a wrong magic number, or different
            numbers of images and labels.

    Train on it with the Python API (the ``dataset`` field of a config names only built-in
    sets and .mat/.npz files)::

        from infoplane import train
        data = load_idx("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", limit=4096)
        train(config.replace(dataset="mnist"), "runs/mnist", data=data)
    """
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if images.shape[0] != labels.shape[0]:
        raise InfoplaneError(
            f"{images_path} holds {images.shape[0]} images but {labels_path} holds "
            f"{labels.shape[0]} labels; they must match"
        )
    if images.shape[0] == 0:
        raise InfoplaneError(f"{images_path}: the file holds no images")
    if limit is not None:
        limit = check_positive_int("limit", limit)
        images, labels = images[:limit], labels[:limit]
    x = images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255.0)
    y = labels.astype(np.int32)
    name = Path(images_path).name.split(".")[0]
    return Dataset(x, y, int(y.max()) + 1, name)
