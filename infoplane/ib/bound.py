"""The IB curve in closed form for a deterministic label (``deterministic_ib_bound``), and the
joint p(x, y) of a labelled set whose labels are flipped at random (``noisy_labels_joint``),
whose curve is not trivial and is traced by ``curve.ib_curve``."""

from __future__ import annotations

import numpy as np

from .._errors import InfoplaneError


def deterministic_ib_bound(h_y, r):
    """The IB curve of a deterministic label Y = f(X): I(T;Y) = min(r, H(Y)), in bits.

    Achieved by T = Y passed through a channel for r <= H(Y), and by T = Y beyond.

    Args:
        h_y: H(Y) in bits (0.99916 for tishby12), >= 0.
        r: rate(s) I(X;T) in bits, >= 0; scalar or array.
    """
    r = np.asarray(r, dtype=np.float64)
    if not (np.isfinite(h_y) and h_y >= 0):
        raise InfoplaneError(f"h_y must be a finite entropy >= 0 bits, got {h_y!r}")
    if not np.isfinite(r).all() or (r < 0).any():
        raise InfoplaneError("r must be finite and >= 0 bits")
    out = np.minimum(r, float(h_y))
    return float(out) if out.ndim == 0 else out


def noisy_labels_joint(x, y=None, flip_prob=0.0) -> np.ndarray:
    """The joint p(x, y) of a labelled data set whose labels are flipped at random.

    X is uniform over the distinct inputs (rows of ``x``, or integer ids). The clean label
    distribution of an input is the empirical one over its copies; each label is then kept
    with probability 1 - flip_prob and otherwise replaced by one of the other K - 1 classes,
    uniformly (for K = 2, flipped). With flip_prob = 0 and distinct inputs, Y = f(X).

    Args:
        x: a Dataset (then y is taken from it and must be None), (n, d) inputs or (n,) ids.
        y: (n,) integer labels in [0, K).
        flip_prob: in [0, 1].

    Returns:
        p_xy (n_distinct, K), rows in the order of ``np.unique(x, axis=0)``.
    """
    n_classes = None
    if hasattr(x, "x") and hasattr(x, "y"):
        if y is not None:
            raise InfoplaneError("give either a Dataset or (x, y), not both")
        x, y, n_classes = x.x, x.y, x.n_classes
    if y is None:
        raise InfoplaneError("labels y are required when x is not a Dataset")
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0] or y.size == 0:
        raise InfoplaneError(
            f"x must be (n,) or (n, d) and y (n,) with the same n > 0; got {x.shape}, {y.shape}"
        )
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise InfoplaneError("y must hold non-negative integer class labels")
    flip_prob = float(flip_prob)
    if not 0.0 <= flip_prob <= 1.0:
        raise InfoplaneError(f"flip_prob must be in [0, 1], got {flip_prob!r}")
    k = max(int(y.max()) + 1, n_classes or 2)
    _, ids = np.unique(x, axis=0, return_inverse=True)
    ids = ids.reshape(-1)
    counts = np.zeros((ids.max() + 1, k))
    np.add.at(counts, (ids, y), 1.0)
    clean = counts / counts.sum(axis=1, keepdims=True)
    channel = np.full((k, k), flip_prob / (k - 1))
    np.fill_diagonal(channel, 1.0 - flip_prob)
    return clean @ channel / clean.shape[0]
