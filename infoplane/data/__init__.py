"""Data sets: the 12-bit set of Shwartz-Ziv & Tishby, scikit-learn's digits, MNIST-1D, .mat /
.npz files, MNIST-format IDX files (two files, or a folder through ``load_dataset``), and the
train/test splits of the papers.

Every ``load_*`` returns a :class:`Dataset` (inputs, integer labels, number of classes, name,
example shape); ``read_idx`` returns the raw array of one IDX file. A user's own files:
``read_labels`` (labels from .npy, .npz, text or CSV), ``read_inputs`` (the network inputs, one
per row) and ``read_activations`` (one array per layer from an .npz, a folder of .npy files, or
one .npy).
"""

from .datasets import Dataset, digits, load_dataset, load_idx, load_mat, load_npz, mnist1d, tishby12
from .files import read_activations, read_inputs, read_labels
from .idx import read_idx
from .splits import SPLITS, Split, split

__all__ = [
    "SPLITS",
    "Dataset",
    "Split",
    "digits",
    "load_dataset",
    "load_idx",
    "load_mat",
    "load_npz",
    "mnist1d",
    "read_activations",
    "read_idx",
    "read_inputs",
    "read_labels",
    "split",
    "tishby12",
]
