"""The IB at one beta: the self-consistent equations iterated to a fixed point, in bits.

The solver behind ``infoplane.ib`` (whose docstring states the equations and the reference,
Tishby, Pereira & Bialek 1999), with the checks of a joint distribution p(x, y) and the
reduction of X to its distinct p(y|x) that sets the default number of clusters.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import rel_entr

from .._errors import InfoplaneError, check_positive_int, check_positive_real

LN2 = math.log(2.0)
SUM_TOL = 1e-8  # how far sum(p_xy) may be from 1 before we refuse it
MAX_DEFAULT_CLUSTERS = 64
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
