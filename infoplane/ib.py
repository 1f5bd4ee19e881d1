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

The code is split by concept: ``_ib_iterative`` solves one beta (:func:`iterative_ib`),
``_ib_curve`` traces the curve over betas (:func:`ib_curve`), and this module holds the
deterministic-label curve and the noisy-label joint; every name is importable from here.
"""

from __future__ import annotations

import numpy as np

from ._errors import InfoplaneError
from ._errors import check_positive_int as check_positive_int
from ._errors import check_positive_real as check_positive_real
from ._ib_curve import _SAME_CLUSTER as _SAME_CLUSTER
from ._ib_curve import IBCurve as IBCurve
from ._ib_curve import _split_clusters as _split_clusters
from ._ib_curve import ib_curve as ib_curve
from ._ib_curve import upper_envelope as upper_envelope
from ._ib_iterative import _LOG_FLOOR as _LOG_FLOOR
from ._ib_iterative import LN2 as LN2
from ._ib_iterative import MAX_DEFAULT_CLUSTERS as MAX_DEFAULT_CLUSTERS
from ._ib_iterative import SUM_TOL as SUM_TOL
from ._ib_iterative import IBSolution as IBSolution
from ._ib_iterative import _check_beta as _check_beta
from ._ib_iterative import _check_clusters as _check_clusters
from ._ib_iterative import _check_tol as _check_tol
from ._ib_iterative import _conditional as _conditional
from ._ib_iterative import _ib_step as _ib_step
from ._ib_iterative import _logsumexp as _logsumexp
from ._ib_iterative import _mutual_informations as _mutual_informations
from ._ib_iterative import _solve as _solve
from ._ib_iterative import check_joint as check_joint
from ._ib_iterative import default_clusters as default_clusters
from ._ib_iterative import iterative_ib as iterative_ib
from ._ib_iterative import merge_equivalent_inputs as merge_equivalent_inputs


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
