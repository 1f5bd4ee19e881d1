"""The information-bottleneck (IB) curve of a discrete joint distribution p(x, y), in bits.

For a compression T of X (a stochastic encoder p(t|x), so Y - X - T is Markov) the IB curve
is the best relevant information I(T;Y) at a given rate I(X;T) = r. It is concave and
non-decreasing in r, starts at (0, 0), and saturates at I(X;Y). Its points are found by
minimising the Lagrangian I(X;T) - beta I(T;Y) with the self-consistent equations of
Tishby, Pereira & Bialek (1999), "The information bottleneck method":

    p(t|x) = p(t) exp(-beta KL[p(y|x) || p(y|t)]) / Z(x, beta)
    p(t)   = sum_x p(x) p(t|x)
    p(y|t) = sum_x p(y|x) p(t|x) p(x) / p(t)

iterated to a fixed point (a Blahut-Arimoto style alternation that does not increase the
functional I(X;T) + beta E[KL[p(y|x) || p(y|t)]], which equals the Lagrangian plus
beta I(X;Y) when p(y|t) is self-consistent; it converges to a local minimum). Curves are
traced with deterministic annealing: beta increases and each solution warm-starts the next,
its clusters split with a small seeded perturbation so that they can divide.

For a deterministic label (Y = f(X)) the curve is min(r, H(Y)); the Lagrangian then only
finds its two corners, (0, 0) for beta < 1 and (H(Y), H(Y)) for beta > 1 (Kolchinsky, Tracey
& Van Kuyk 2019, "Caveats for information bottleneck in deterministic scenarios"), so
:func:`deterministic_ib_bound` gives the curve in closed form and :func:`noisy_labels_joint`
builds a joint whose curve is not trivial.

The package is split by concept: ``iterative`` solves one beta (:func:`iterative_ib`),
``curve`` traces the curve over betas (:func:`ib_curve`), and this module holds the
deterministic-label curve and the noisy-label joint.
"""

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
