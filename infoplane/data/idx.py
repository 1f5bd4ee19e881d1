"""The IDX file format of MNIST: ``read_idx`` reads one file's array, ``read_idx_pair`` an
images/labels pair, ``find_idx_files`` the pairs of an MNIST folder. Arrays only: the Dataset
is built by ``datasets.load_idx`` and ``datasets.load_dataset``.

The IDX format (LeCun et al., "The MNIST database of handwritten digits") is a big-endian
header followed by raw values:

    images: magic 0x00000803 (unsigned byte, 3 dimensions), n, rows, cols, then n*rows*cols
            uint8 pixels, row-major;
    labels: magic 0x00000801 (unsigned byte, 1 dimension), n, then n uint8 labels.

Files may be gzip-compressed (a ``.gz`` suffix, or the gzip magic bytes), as distributed.
Nothing is downloaded here: these read files you have, e.g. ``train-images-idx3-ubyte.gz``
and ``train-labels-idx1-ubyte.gz``.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from .._errors import InfoplaneError

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
_GZIP_MAGIC = b"\x1f\x8b"
IDX_PARTS = ("train", "t10k")  # the file-name prefixes of MNIST, in row order

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


def read_idx_pair(images_path, labels_path) -> tuple[np.ndarray, np.ndarray]:
    """The images and labels of one IDX pair, checked to hold the same number of examples.

    Args:
        images_path: IDX images (magic 0x00000803); ``.gz`` allowed.
        labels_path: IDX labels (magic 0x00000801); ``.gz`` allowed.

    Returns:
        (images, labels): uint8 (n, rows, cols) and uint8 (n,), n >= 1.

    Raises:
        InfoplaneError: a missing or truncated file, a wrong magic number, different numbers
            of images and labels, or no images at all.
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
    return images, labels


def _one_of(folder: Path, name: str) -> Path | None:
    """``folder/name`` if present, else ``folder/name.gz``, else None (plain first: a folder
    unpacked with ``gunzip -k`` holds both)."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def find_idx_files(folder) -> list[tuple[Path, Path]]:
    """The (images, labels) file pairs of an MNIST-format folder: train first, then t10k.

    The standard names are looked for: ``{part}-images-idx3-ubyte`` and
    ``{part}-labels-idx1-ubyte`` for ``part`` in ("train", "t10k"), each plain or ``.gz``
    (the plain file first). The train pair is required, the t10k pair optional.

    Args:
        folder: the folder holding the files.

    Returns:
        One or two (images_path, labels_path) pairs, train first.

    Raises:
        InfoplaneError: no such folder, no train pair, or half of a pair.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InfoplaneError(f"no such folder: {folder} (expected MNIST-format IDX files)")
    pairs = {}
    for part in IDX_PARTS:
        images = _one_of(folder, f"{part}-images-idx3-ubyte")
        labels = _one_of(folder, f"{part}-labels-idx1-ubyte")
        if images is not None and labels is not None:
            pairs[part] = (images, labels)
        elif images is not None or labels is not None:
            half = images or labels
            raise InfoplaneError(f"{folder}: {half.name} has no matching {part} "
                                 f"{'labels' if labels is None else 'images'} file")
    if IDX_PARTS[0] not in pairs:
        raise InfoplaneError(f"{folder}: no train-images-idx3-ubyte[.gz] and "
                             "train-labels-idx1-ubyte[.gz] pair; is it an MNIST-format folder?")
    return list(pairs.values())
