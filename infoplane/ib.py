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
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import rel_entr

from ._errors import InfoplaneError, check_positive_int, check_positive_real

LN2 = math.log(2.0)
SUM_TOL = 1e-8  # how far sum(p_xy) may be from 1 before we refuse it
MAX_DEFAULT_CLUSTERS = 64
_SAME_CLUSTER = 1e-6  # clusters whose p(y|t) differ by less than this are merged between betas
_LOG_FLOOR = math.log(np.finfo(np.float64).tiny)  # log p(y|t) for p(y|t) = 0, kept finite


class IBSolution(NamedTuple):
    """One point of the IB curve.

    Attributes:
        encoder: (n_x, n_t) p(t|x); rows sum to 1.
        I_XT: I(X;T) in bits.
        I_TY: I(T;Y) in bits.
        beta: the trade-off parameter used.
        n_iter: iterations run.
        converged: whether the encoder moved less than ``tol`` in the last iteration.
    """

    encoder: np.ndarray
    I_XT: float
    I_TY: float
    beta: float
    n_iter: int
    converged: bool


class IBCurve(NamedTuple):
    """Points of the IB curve, sorted by I_XT (ties by beta).

    Attributes:
        beta: (k,) the beta of each point.
        I_XT: (k,) I(X;T) in bits, non-decreasing.
        I_TY: (k,) I(T;Y) in bits.
        converged: (k,) whether each point converged.
        on_envelope: (k,) True for the non-dominated points (see :func:`upper_envelope`);
            ``I_TY[on_envelope]`` is increasing in ``I_XT[on_envelope]``.
        I_XY: I(X;Y) in bits, where the curve saturates.
    """

    beta: np.ndarray
    I_XT: np.ndarray
    I_TY: np.ndarray
    converged: np.ndarray
    on_envelope: np.ndarray
    I_XY: float


def check_joint(p_xy) -> np.ndarray:
    """Return p_xy as a float64 (n_x, n_y) array, or raise unless it is a joint distribution.

    It must be 2-D, finite, non-negative and sum to 1 within ``SUM_TOL``; it is then divided
    by its sum, so that rounding in the caller's normalisation does not propagate.
    """
    p = np.asarray(p_xy, dtype=np.float64)
    if p.ndim != 2 or p.size == 0:
        raise InfoplaneError(f"p_xy must be a non-empty 2-D array (n_x, n_y), got shape {p.shape}")
    if not np.isfinite(p).all():
        raise InfoplaneError("p_xy contains NaN or inf")
    if (p < 0).any():
        raise InfoplaneError(f"p_xy must be non-negative; its minimum is {p.min():g}")
    total = p.sum()
    if abs(total - 1.0) > SUM_TOL:
        raise InfoplaneError(
            f"p_xy must sum to 1 (within {SUM_TOL:g}), it sums to {total!r}; divide it by its sum"
        )
    return p / total


def _check_beta(beta) -> float:
    return check_positive_real("beta", beta)


def _check_clusters(n_clusters) -> int:
    return check_positive_int("n_clusters", n_clusters)


def _check_tol(tol) -> float:
    tol = float(tol)
    if not tol > 0:
        raise InfoplaneError(f"tol must be positive, got {tol!r}")
    return tol


def _mutual_informations(p_x, p_xy, enc) -> tuple[float, float]:
    """I(X;T) and I(T;Y) in bits; tiny negative sums from rounding are clipped to 0."""
    p_t = p_x @ enc
    i_xt = float(np.sum(p_x[:, None] * rel_entr(enc, p_t[None, :]))) / LN2
    p_ty = enc.T @ p_xy
    i_ty = float(np.sum(rel_entr(p_ty, np.outer(p_t, p_xy.sum(axis=0))))) / LN2
    return max(i_xt, 0.0), max(i_ty, 0.0)


def _logsumexp(a, axis):
    """log sum exp over ``axis``, keeping the axis; all -inf gives -inf (no warnings)."""
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m


def _ib_step(enc, p_x, p_xy, p_y_x, neg_h_y_x, beta):
    """One self-consistent update; returns log p(t|x), normalised in the log domain.

    p(t) and p(t, y) are sums of non-negative terms, exact enough in the probability domain;
    the exponent -beta KL can be hundreds of nats, so p(t|x) is normalised with log-sum-exp.
    """
    p_t = p_x @ enc  # (n_t,)
    p_ty = enc.T @ p_xy  # (n_t, n_y)
    alive = p_t > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_pt = np.log(p_t)
        log_py_t = np.log(np.where(alive[:, None], p_ty / np.where(alive, p_t, 1.0)[:, None], 1.0))
    log_py_t = np.maximum(log_py_t, _LOG_FLOOR)
    # KL[p(y|x) || p(y|t)] = sum_y p(y|x) log p(y|x) - sum_y p(y|x) log p(y|t)
    kl = neg_h_y_x[:, None] - p_y_x @ log_py_t.T  # (n_x, n_t)
    logits = log_pt[None, :] - beta * kl
    return logits - _logsumexp(logits, axis=1)


def _conditional(p_xy, p_x):
    """p(y|x); rows with p(x) = 0 get the marginal p(y), which never enters any sum."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p_x[:, None] > 0, p_xy / p_x[:, None], p_xy.sum(axis=0)[None, :])


def iterative_ib(
    p_xy,
    beta,
    n_clusters=None,
    *,
    seed=0,
    max_iter=5000,
    tol=1e-10,
    init=None,
) -> IBSolution:
    """Solve the IB self-consistent equations at one beta (Tishby, Pereira & Bialek 1999).

    Args:
        p_xy: (n_x, n_y) joint distribution, summing to 1 (see :func:`check_joint`).
        beta: trade-off parameter > 0; the Lagrangian is I(X;T) - beta I(T;Y).
        n_clusters: the size of T's alphabet. Default: (the number of distinct p(y|x)) + 1,
            at most 64. The encoder depends on x only through p(y|x), and the IB cardinality
            bound |T| <= |X| + 1 applied to those classes makes the default exact below 64.
        seed: seed of the random initial encoder (used when ``init`` is None).
        max_iter: the most iterations to run.
        tol: stop when max_x sum_t |p_new(t|x) - p_old(t|x)| < tol.
        init: optional (n_x, n_clusters) initial encoder (rows are normalised).

    Returns:
        An IBSolution; I_XT and I_TY in bits. Each iteration costs O(n_x n_t n_y).
    """
    p = check_joint(p_xy)
    beta = _check_beta(beta)
    max_iter = check_positive_int("max_iter", max_iter)
    tol = _check_tol(tol)
    n_t = default_clusters(p) if n_clusters is None else _check_clusters(n_clusters)
    if init is None:
        rng = np.random.default_rng(seed)
        init = rng.dirichlet(np.ones(n_t), size=p.shape[0])
    else:
        init = np.asarray(init, dtype=np.float64)
        if init.shape != (p.shape[0], n_t) or not np.isfinite(init).all() or (init < 0).any():
            raise InfoplaneError(
                f"init must be a finite non-negative ({p.shape[0]}, {n_t}) array, "
                f"got shape {init.shape}"
            )
        if (init.sum(axis=1) <= 0).any():
            raise InfoplaneError("every row of init must have a positive entry")
    return _solve(p, beta, init / init.sum(axis=1, keepdims=True), max_iter, tol)


def _solve(p, beta, enc, max_iter, tol) -> IBSolution:
    p_x = p.sum(axis=1)
    p_y_x = _conditional(p, p_x)
    neg_h_y_x = np.sum(rel_entr(p_y_x, 1.0), axis=1)  # sum_y p log p, per x
    converged, n_iter = False, 0
    while n_iter < max_iter and not converged:
        new = np.exp(_ib_step(enc, p_x, p, p_y_x, neg_h_y_x, beta))
        converged = np.max(np.sum(np.abs(new - enc), axis=1)) < tol
        enc, n_iter = new, n_iter + 1
    i_xt, i_ty = _mutual_informations(p_x, p, enc)
    return IBSolution(enc, i_xt, i_ty, beta, n_iter, bool(converged))


def default_clusters(p_xy) -> int:
    """(The number of distinct p(y|x) among inputs with p(x) > 0) + 1, at most 64."""
    return min(merge_equivalent_inputs(p_xy)[0].shape[0] + 1, MAX_DEFAULT_CLUSTERS)


def merge_equivalent_inputs(p_xy, decimals: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Merge inputs with the same p(y|x) into one symbol S: the sufficient statistic of X for Y.

    The IB update gives p(t|x) that depends on x only through p(y|x), so after one iteration
    every encoder factors through S, and then I(X;T) = I(S;T) (X - S - T is Markov and S is a
    function of X) while p(t, y) is unchanged. The IB on p(s, y) therefore has the same fixed
    points (I(X;T), I(T;Y)) as on p(x, y), and is far faster when S is small. (For encoders
    that do not factor through S, I(X;T) > I(S;T): do not apply this to arbitrary encoders.)

    Args:
        p_xy: (n_x, n_y) joint distribution.
        decimals: p(y|x) rows are compared after rounding to this many decimals. Rows that
            rounding separates although equal only cost speed (merging less is always exact);
            rows closer than 1e-12 but different are merged, an error of that order.

    Returns:
        p_sy (n_s, n_y) over the distinct p(y|x) of inputs with p(x) > 0, and groups (n_x,)
        the index of each input's symbol (-1 for inputs with p(x) = 0). Lift an encoder over
        S to one over X with ``enc_s[groups]``.
    """
    p = check_joint(p_xy)
    p_x = p.sum(axis=1)
    live = p_x > 0
    cond = np.round(p[live] / p_x[live, None], decimals)
    _, inverse = np.unique(cond, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    p_sy = np.zeros((inverse.max() + 1, p.shape[1]))
    np.add.at(p_sy, inverse, p[live])
    groups = np.full(p.shape[0], -1, dtype=np.int64)
    groups[live] = inverse
    return p_sy, groups


def upper_envelope(i_xt, i_ty, atol: float = 1e-12) -> np.ndarray:
    """Mask of the non-dominated points: no other point has I_XT <= and I_TY >= (one strict).

    The IB curve is non-decreasing, so a point with more rate but no more relevance than
    another is not on it (a local optimum or an unconverged run). Points are scanned by I_XT
    and kept when I_TY exceeds the best so far by more than ``atol`` (rounding noise does not
    make a point). Concavity is not enforced: points under the chord of two kept points stay.
    """
    i_xt, i_ty = np.asarray(i_xt, dtype=np.float64), np.asarray(i_ty, dtype=np.float64)
    order = np.lexsort((-i_ty, i_xt))
    keep = np.zeros(i_xt.shape, dtype=bool)
    best = -np.inf
    for k in order:
        if i_ty[k] > best + atol:
            keep[k], best = True, i_ty[k]
    return keep


def ib_curve(
    p_xy,
    betas=None,
    *,
    n_clusters=None,
    seed=0,
    max_iter=5000,
    tol=1e-10,
    perturbation=0.1,
    merge_inputs=False,
) -> IBCurve:
    """Trace the IB curve over betas with deterministic annealing.

    Betas are solved in increasing order. The first starts from a random encoder; each next
    one from the previous solution with its clusters split in two (see :func:`_split_clusters`)
    so that a cluster can divide when beta passes its critical value. Annealing finds the
    global optimum far more often than random starts, but is not guaranteed to: a point stuck
    in a local optimum falls under the curve, and :func:`upper_envelope` drops it only when
    another point dominates it.

    Args:
        p_xy: (n_x, n_y) joint distribution.
        betas: positive betas; default 30 log-spaced values from 0.1 to 1000.
        n_clusters, max_iter, tol: as for :func:`iterative_ib`.
        seed: seed of the initial encoder and of every perturbation.
        perturbation: in [0, 1), how unequal the two halves of a split cluster are.
        merge_inputs: run on the merged p(s, y) of :func:`merge_equivalent_inputs`; this
            gives the same curve (see there) and is much faster when few p(y|x) differ.

    Returns:
        An IBCurve, points sorted by I_XT, with the non-dominated ones marked.
    """
    p = check_joint(p_xy)
    betas = np.geomspace(0.1, 1000.0, 30) if betas is None else np.asarray(betas, float)
    if betas.ndim != 1 or betas.size == 0:
        raise InfoplaneError(f"betas must be a non-empty 1-D array, got shape {betas.shape}")
    betas = np.sort(np.array([_check_beta(b) for b in betas]))
    if not 0.0 <= perturbation < 1.0:
        raise InfoplaneError(f"perturbation must be in [0, 1), got {perturbation!r}")
    max_iter = check_positive_int("max_iter", max_iter)
    tol = _check_tol(tol)
    n_t = default_clusters(p) if n_clusters is None else _check_clusters(n_clusters)
    p_x = p.sum(axis=1)
    i_xy = float(np.sum(rel_entr(p, np.outer(p_x, p.sum(axis=0))))) / LN2
    if merge_inputs:
        p = merge_equivalent_inputs(p)[0]
    rng = np.random.default_rng(seed)
    enc = rng.dirichlet(np.ones(n_t), size=p.shape[0])
    points = []
    for beta in betas:
        sol = _solve(p, float(beta), enc, max_iter, tol)
        points.append((sol.I_XT, sol.I_TY, beta, sol.converged))
        enc = _split_clusters(p, sol.encoder, rng, perturbation)
    i_xt, i_ty, b, conv = (np.array(v) for v in zip(*points, strict=True))
    order = np.lexsort((b, i_xt))
    i_xt, i_ty, b, conv = i_xt[order], i_ty[order], b[order], conv[order]
    return IBCurve(b, i_xt, i_ty, conv.astype(bool), upper_envelope(i_xt, i_ty), max(i_xy, 0.0))


def _split_clusters(p_xy, enc, rng, perturbation) -> np.ndarray:
    """Warm start for the next beta: merge clusters with equal p(y|t), then split lossy ones.

    Clusters with the same p(y|t) (within 1e-6) are one cluster in all but name (their
    ratio p(t|x) / p(t'|x) does not depend on x) and are merged into one column; empty ones
    are dropped. Each freed column takes a share u(x) of an existing cluster's p(t|x), taken
    in order of decreasing loss sum_x p(x, t) KL[p(y|x) || p(y|t)] (inputs with equal p(y|x)
    gain nothing from a split), with u(x) = (1 + perturbation * xi(x)) / 2 and xi uniform on
    [-1, 1]: the copies differ slightly in p(y|t), and move apart if beta has passed the
    cluster's critical value (deterministic annealing, Rose 1998; Zaslavsky & Tishby 2019).
    """
    p_x = p_xy.sum(axis=1)
    p_t = p_x @ enc
    live = np.flatnonzero(p_t > 1e-14)
    cond = (enc[:, live].T @ p_xy) / p_t[live, None]
    reps, which = [], np.zeros(live.size, dtype=np.int64)
    for i, c in enumerate(cond):  # greedy: tolerance, not rounding, so 0.49999/0.50001 merge
        near = [j for j, r in enumerate(reps) if np.max(np.abs(c - r)) < _SAME_CLUSTER]
        which[i] = near[0] if near else len(reps)
        if not near:
            reps.append(c)
    merged = np.zeros((enc.shape[0], len(reps)))
    np.add.at(merged.T, which, enc[:, live].T)
    n_t, k = enc.shape[1], merged.shape[1]
    # the information a cluster loses about Y: sum_x p(x, t) KL[p(y|x) || p(y|t)]
    kl = np.sum(rel_entr(_conditional(p_xy, p_x)[:, None, :], np.asarray(reps)[None]), axis=2)
    loss = np.sum(p_x[:, None] * merged * np.minimum(kl, 1e300), axis=0)  # 0 * inf := 0
    order = np.argsort(-loss, kind="stable")
    order = order[: int(np.sum(loss > 1e-12))]
    out = np.zeros_like(enc)
    out[:, :k] = merged
    for j in range(k, n_t if order.size else k):  # leave spare columns empty if none gains
        src = order[(j - k) % order.size]
        share = 0.5 * (1.0 + perturbation * rng.uniform(-1.0, 1.0, size=enc.shape[0]))
        out[:, j] = share * out[:, src]
        out[:, src] -= out[:, j]
    return out


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
