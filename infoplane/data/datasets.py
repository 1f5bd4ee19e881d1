"""Data sets: the ``Dataset`` record, the 12-bit tishby12 set (generated exactly), digits,
every ``load_*`` (a .mat, .npz or IDX source -> a Dataset; ``load_dataset`` by name or path),
and the train/test splits. The IDX file format itself is read by ``idx.py`` (arrays only).

The tishby12 set of Shwartz-Ziv & Tishby (2017) is every 12-bit input with a binary label that
depends on the icosahedral structure of the bits (see data/README.md). It is generated here
from an exact rule, so no file is needed; ``tests/test_datasets.py`` checks it bit for bit
against the original ``var_u.mat`` when that file is present.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .._errors import InfoplaneError, check_positive_int
from ._formats import load_npz_arrays
from .files import labels_from_array
from .idx import find_idx_files, read_idx_pair
from .mnist1d import mnist1d_arrays

# The 12 bits are the vertices of an icosahedron: its 30 edges and 6 antipodal pairs.
ICOSAHEDRON_EDGES = (
    (0, 1), (0, 3), (0, 5), (0, 10), (0, 11), (1, 2), (1, 3), (1, 4), (1, 11), (2, 3),
    (2, 4), (2, 8), (2, 9), (3, 8), (3, 10), (4, 6), (4, 9), (4, 11), (5, 6), (5, 7),
    (5, 10), (5, 11), (6, 7), (6, 9), (6, 11), (7, 8), (7, 9), (7, 10), (8, 9), (8, 10),
)  # fmt: skip
ICOSAHEDRON_ANTIPODES = ((0, 9), (1, 7), (2, 5), (3, 6), (4, 10), (8, 11))

class Dataset(NamedTuple):
    """Inputs and integer labels.

    Attributes:
        x: (n, d) float32 inputs, one flattened example per row.
        y: (n,) int32 class labels in [0, n_classes).
        n_classes: the number of classes.
        name: a short name for figures and configs.
        shape: the shape of one example before flattening, e.g. (8, 8) for the digits images
            or (40,) for the MNIST-1D sequences (what a convolutional network reshapes a row
            to); None means (d,).
    """

    x: np.ndarray
    y: np.ndarray
    n_classes: int
    name: str = "data"
    shape: tuple[int, ...] | None = None

    @property
    def example_shape(self) -> tuple[int, ...]:
        """``shape``, or (d,) when it is None."""
        return tuple(self.shape) if self.shape is not None else (int(self.x.shape[1]),)


def tishby12() -> Dataset:
    """The 4096 x 12 binary data set of Shwartz-Ziv & Tishby (2017), generated exactly.

    Row i is the binary expansion of i (column 0 the most significant bit). With k the number of
    set bits, n1 the set pairs that are icosahedron edges, n3 the set antipodal pairs and
    n2 = C(k, 2) - n1 - n3, the label is y = 1 iff 103 k + 2 n1 - 22 n2 - 34 n3 > 429.5.
    This reproduces var_u.mat exactly: 2118 ones, H(Y) = 0.99916 bits, I(X;Y) = H(Y).

    Returns:
        A Dataset with x (4096, 12) float32 in {0, 1} and y (4096,) int32.
    """
    i = np.arange(4096)
    bits = ((i[:, None] >> np.arange(11, -1, -1)[None, :]) & 1).astype(np.int64)
    k = bits.sum(axis=1)
    n1 = sum(bits[:, a] * bits[:, b] for a, b in ICOSAHEDRON_EDGES)
    n3 = sum(bits[:, a] * bits[:, b] for a, b in ICOSAHEDRON_ANTIPODES)
    n2 = k * (k - 1) // 2 - n1 - n3
    y = (103 * k + 2 * n1 - 22 * n2 - 34 * n3 > 429.5).astype(np.int32)
    return Dataset(bits.astype(np.float32), y, 2, "tishby12")


def _make(x: np.ndarray, y: np.ndarray, name: str, where: str) -> Dataset:
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise InfoplaneError(f"{where}: inputs hold {x.dtype} values; expected numbers")
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim > 2:
        x = x.reshape(x.shape[0], -1)
    y = labels_from_array(y, where)
    if x.shape[0] != y.shape[0]:
        raise InfoplaneError(
            f"{where}: {x.shape[0]} inputs but {y.shape[0]} labels; they must match"
        )
    if x.shape[0] == 0:
        raise InfoplaneError(f"{where}: the data set is empty")
    x = x.astype(np.float32)
    if not np.isfinite(x).all():
        raise InfoplaneError(f"{where}: inputs contain NaN or inf")
    return Dataset(x, y, int(y.max()) + 1, name)


def _open(path, suffix: str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise InfoplaneError(f"{path} is a folder; expected a {suffix} file" if path.is_dir()
                             else f"no such file: {path}")
    if path.suffix != suffix:
        raise InfoplaneError(f"{path}: expected a {suffix} file")
    return path


def load_mat(path, x_key: str = "F", y_key: str = "y") -> Dataset:
    """Load a MATLAB .mat file with inputs ``x_key`` (n, d) and labels ``y_key``.

    The defaults read the original var_u.mat (``F`` uint8 (4096, 12), ``y`` uint8 (1, 4096)).
    """
    from scipy.io import loadmat

    path = _open(path, ".mat")
    try:
        mat = loadmat(path)
    except Exception as err:  # scipy raises several types for unreadable files
        raise InfoplaneError(f"{path}: not a readable .mat file ({err})") from None
    missing = [k for k in (x_key, y_key) if k not in mat]
    if missing:
        have = sorted(k for k in mat if not k.startswith("__"))
        raise InfoplaneError(f"{path}: no variable {missing[0]!r}; it has {have}")
    return _make(mat[x_key], mat[y_key], path.stem, str(path))


def load_npz(path, x_key: str = "X", y_key: str = "y") -> Dataset:
    """Load an .npz file with inputs ``x_key`` and labels ``y_key`` (vector or one-hot).

    Files that hold a split (``X_train``, ``y_train``, ``X_test``, ``y_test``, as written by
    ibsgd) are joined, training rows first.
    """
    path = _open(path, ".npz")
    f = load_npz_arrays(path, f"inputs {x_key!r} and labels {y_key!r}")
    keys = set(f)
    if {"X_train", "y_train", "X_test", "y_test"} <= keys and x_key not in keys:
        x = np.concatenate([f["X_train"], f["X_test"]])
        y = np.concatenate([labels_from_array(f["y_train"], f"{path}: array 'y_train'"),
                            labels_from_array(f["y_test"], f"{path}: array 'y_test'")])
        return _make(x, y, path.stem, str(path))
    missing = [k for k in (x_key, y_key) if k not in keys]
    if missing:
        raise InfoplaneError(f"{path}: no array {missing[0]!r}; it has {sorted(keys)}")
    return _make(f[x_key], f[y_key], path.stem, str(path))


def digits() -> Dataset:
    """scikit-learn's 8x8 handwritten digits (1797 x 64, 10 classes), pixels scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return Dataset((d.data / 16.0).astype(np.float32), d.target.astype(np.int32), 10, "digits",
                   (8, 8))


def mnist1d() -> Dataset:
    """MNIST-1D (Greydanus & Kobak 2024), built locally by the ``mnist1d`` package's generator:
    5000 sequences of 40 points, 10 classes; the first 4000 rows are its training split, which
    the "idnns" split (the first 80% of rows) keeps (``data.mnist1d``)."""
    x, y = mnist1d_arrays()
    return Dataset(x, y, 10, "mnist1d", (40,))


def _idx_dataset(images: np.ndarray, labels: np.ndarray, name: str) -> Dataset:
    """uint8 images (n, rows, cols) and labels (n,) as a Dataset, pixels scaled to [0, 1]."""
    x = images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255.0)
    y = labels.astype(np.int32)
    return Dataset(x, y, int(y.max()) + 1, name, tuple(images.shape[1:]))


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

    A whole MNIST folder is ``load_dataset(folder)``; with a limit, train on it with the
    Python API::

        from infoplane import train
        data = load_idx("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", limit=4096)
        train(config.replace(dataset="mnist"), "runs/mnist", data=data)
    """
    images, labels = read_idx_pair(images_path, labels_path)
    if limit is not None:
        limit = check_positive_int("limit", limit)
        images, labels = images[:limit], labels[:limit]
    return _idx_dataset(images, labels, Path(images_path).name.split(".")[0])


def _load_idx_folder(folder: Path) -> Dataset:
    """The MNIST-format folder's train rows, then its t10k rows (``idx.find_idx_files``)."""
    pairs = [read_idx_pair(images, labels) for images, labels in find_idx_files(folder)]
    shapes = {images.shape[1:] for images, _ in pairs}
    if len(shapes) > 1:
        raise InfoplaneError(f"{folder}: train and t10k images differ in size {sorted(shapes)}")
    images = np.concatenate([images for images, _ in pairs])
    labels = np.concatenate([labels for _, labels in pairs])
    return _idx_dataset(images, labels, folder.name)


def load_dataset(name: str) -> Dataset:
    """A data set by name or path.

    Args:
        name: "tishby12", "digits", "mnist1d", a path to a .mat or .npz file (``load_mat``,
            ``load_npz``), or a folder of MNIST-format IDX files: ``train-images-idx3-ubyte``
            and ``train-labels-idx1-ubyte``, optionally ``t10k-images-idx3-ubyte`` and
            ``t10k-labels-idx1-ubyte``, each plain or ``.gz`` (``idx.find_idx_files``).

    Returns:
        The Dataset. From an IDX folder: the train rows, then the t10k rows (split
        "idnns" with train fraction 60000 / 70000 keeps MNIST's own split), pixels scaled to
        [0, 1], named after the folder.

    Raises:
        InfoplaneError: an unknown name, a missing file or folder, or a folder without a
            train images/labels pair.
    """
    if name == "tishby12":
        return tishby12()
    if name == "digits":
        return digits()
    if name == "mnist1d":
        return mnist1d()
    path = Path(name)
    if path.suffix == ".mat":
        return load_mat(path)
    if path.suffix == ".npz":
        return load_npz(path)
    if path.is_dir() or "/" in name or os.sep in name:  # a folder, or meant as one
        return _load_idx_folder(path)
    raise InfoplaneError(
        f"unknown dataset {name!r}; use 'tishby12', 'digits', 'mnist1d', a path to a .mat or "
        ".npz file, or a folder of MNIST-format IDX files"
    )
