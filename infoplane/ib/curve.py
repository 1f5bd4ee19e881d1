"""The IB curve over many betas, traced by deterministic annealing, and its upper envelope.

Each beta is solved by ``_ib_iterative`` from the previous solution with its clusters split
(Rose 1998; Zaslavsky & Tishby 2019), so that a cluster can divide when beta passes its
critical value; see ``infoplane.ib`` for the method as a whole.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import rel_entr

from .._errors import InfoplaneError, check_positive_int
from .iterative import (
    LN2,
    _check_beta,
    _check_clusters,
    _check_tol,
    _conditional,
    _solve,
    check_joint,
    default_clusters,
    merge_equivalent_inputs,
)

_SAME_CLUSTER = 1e-6  # clusters whose p(y|t) differ by less than this are merged between betas


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


def _check_betas(betas) -> np.ndarray:
    """The betas to solve, sorted; default 30 log-spaced values from 0.1 to 1000."""
    betas = np.geomspace(0.1, 1000.0, 30) if betas is None else np.asarray(betas, float)
    if betas.ndim != 1 or betas.size == 0:
        raise InfoplaneError(f"betas must be a non-empty 1-D array, got shape {betas.shape}")
    return np.sort(np.array([_check_beta(b) for b in betas]))


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
    betas = _check_betas(betas)
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

