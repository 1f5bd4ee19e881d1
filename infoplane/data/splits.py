"""Train/test splits of a data set: the rows each part uses, as the papers chose them."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._errors import InfoplaneError, check_choice
from .datasets import Dataset

SPLITS = ("idnns", "random", "stratified")


class Split(NamedTuple):
    """Indices of the training and test rows of a data set."""

    train: np.ndarray
    test: np.ndarray


def split(data: Dataset, kind: str = "idnns", train_fraction: float = 0.8, seed: int = 0) -> Split:
    """Training and test indices.

    Args:
        data: the data set.
        kind: "idnns" (the first round(fraction * n) rows, unshuffled, as IDNNs does),
            "random" (a seeded permutation) or "stratified" (the same fraction of every class).
        train_fraction: in (0, 1]; Saxe et al. also train on 0.3. With 1.0 the test set is empty.
        seed: seed of the permutation for "random" and "stratified".
    """
    check_choice("split", kind, SPLITS)
    if not 0.0 < train_fraction <= 1.0:
        raise InfoplaneError(f"train_fraction must be in (0, 1], got {train_fraction}")
    n = data.x.shape[0]
    n_train = int(round(train_fraction * n))
    if n_train < 1:
        raise InfoplaneError(f"train_fraction {train_fraction} leaves no training rows of {n}")
    if kind == "idnns":
        order = np.arange(n)
    elif kind == "random":
        order = np.random.default_rng(seed).permutation(n)
    else:
        rng = np.random.default_rng(seed)
        train_parts, test_parts = [], []
        for c in range(data.n_classes):
            rows = rng.permutation(np.flatnonzero(data.y == c))
            m = int(round(train_fraction * rows.size))
            train_parts.append(rows[:m])
            test_parts.append(rows[m:])
        return Split(np.sort(np.concatenate(train_parts)), np.sort(np.concatenate(test_parts)))
    return Split(np.sort(order[:n_train]) if kind == "random" else order[:n_train],
                 np.sort(order[n_train:]) if kind == "random" else order[n_train:])
