"""Data sets: the 12-bit set of Shwartz-Ziv & Tishby, scikit-learn's digits, .mat / .npz files,
MNIST-format IDX files (two files, or a folder through ``load_dataset``), and the train/test
splits of the papers.

Every ``load_*`` returns a :class:`Dataset` (inputs, integer labels, number of classes, name);
``read_idx`` returns the raw array of one IDX file.
"""

from .datasets import (
    SPLITS,
    Dataset,
    Split,
    digits,
    load_dataset,
    load_idx,
    load_mat,
    load_npz,
    split,
    tishby12,
)
from .idx import read_idx

__all__ = [
    "SPLITS",
    "Dataset",
    "Split",
    "digits",
    "load_dataset",
    "load_idx",
    "load_mat",
    "load_npz",
    "read_idx",
    "split",
    "tishby12",
]
