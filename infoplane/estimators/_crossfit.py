"""Cross-fitting for probe classifiers: stratified folds, the closed-form linear discriminant
probe, and the temperature that calibrates a probe's held-out log-probabilities.

Every row is scored by a probe that never saw it: the rows are cut into K stratified folds,
and the probe of fold k is fitted on the other K - 1 folds. The held-out cross-entropy
CE = -mean_i log q(y_i | t_i) then bounds H(Y | T) from above in expectation, whatever the
probe (Barber & Agakov 2003), so H(Y) - CE bounds I(T;Y) from below.

Calibration. A probe's log-probabilities are multiplied by a temperature a > 0 (and, for the
discriminant, its shrinkage chosen) per fold: the (shrinkage, a) that minimise the summed
held-out cross-entropy of the *other* folds, so that no row's own label chooses the settings
it is scored with. The temperature is found by a coarse grid and Newton's steps on that convex
1-D objective (``calibrate``; ``calibrate_by_grid``, a fine grid alone, is its reference).

The discriminant probe (``lda_logits``). The columns are standardised; for fold k the class
means m_c and the pooled within-class covariance S of the other folds give
log q(c | t) = t^T S_l^{-1} m_c - m_c^T S_l^{-1} m_c / 2 + log pi_c + const, with the shrunk
covariance S_l = (1 - l) S + l (tr S / w) I (l in ``LAMBDAS``; Friedman 1989). It costs one
Gram matrix per fold (O(n w^2) in all) and one Cholesky factorisation per fold and shrinkage
(O(w^3)), with no iterations, so it batches over thousands of layers with ``jax.vmap``.

The logistic probe (``logistic_logits``). Multinomial logistic regression on the standardised
columns, the summed cross-entropy of the other folds plus ``regularisation`` ||W||^2 / 2 (the
objective of scikit-learn's LogisticRegression with C = 1 / regularisation), approximately
minimised: ``LOGISTIC_STEPS`` steps preconditioned by the training rows' second moments (the
Hessian bound of Boehning 1992, a step eta times its safe size, halved whenever the objective
would rise) from the fold's calibrated discriminant, the K folds' fits vmapped. (Before: 100
full-batch Adam steps from zero, five times the cost; on a trained MNIST-1D MLP's layers the
two bounds agree within 0.01 bit.) On layers of rectified units it can prove bits that the
discriminant misses (0.13 bit on a trained MNIST-1D MLP's second layer); on wide layers with few
rows per class the discriminant's shrinkage can beat it; ``calibrate`` given both picks per
fold.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.linalg import cho_solve

from .._errors import InfoplaneError

LAMBDAS = (1e-3, 1e-2, 0.1, 0.5)
LOGISTIC_STEPS, _LOGISTIC_ETA = 20, 8.0
# Temperatures from 0.05 to 4, log-spaced (a probe that overfits needs a < 1): a coarse grid
# refined by Newton steps (``calibrate``), and the fine grid of the reference.
SCALES = tuple(float(v) for v in np.exp(np.linspace(math.log(0.05), math.log(4.0), 12)))
REFERENCE_SCALES = tuple(float(v) for v in
                         np.exp(np.linspace(math.log(0.05), math.log(4.0), 40)))
NEWTON_STEPS = 4
_TINY = 1e-12


def check_folds(codes: np.ndarray, folds: int) -> None:
    """Raise unless every class has at least ``folds`` rows (each fold must hold every class)."""
    counts = np.bincount(codes)
    if counts.min() < folds:
        small = int(np.argmin(counts))
        raise InfoplaneError(
            f"class {small} has {int(counts.min())} row(s), fewer than folds={folds}: each fold "
            "needs every class; lower folds= or merge rare classes", usage=True)


def fold_slots(codes: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Stratified folds as row indices (folds, m), padded with n (a row that is not there).

    Each class's rows are shuffled (``default_rng(seed)``) and dealt to the folds in turn,
    starting where the previous class stopped, so fold sizes differ by at most one. Classes
    are taken in the order of their first row, so renaming the classes changes nothing.
    """
    rng = np.random.default_rng(seed)
    members: list[list[int]] = [[] for _ in range(folds)]
    start = 0
    values, first = np.unique(codes, return_index=True)
    for c in values[np.argsort(first)]:
        rows = np.flatnonzero(codes == c)
        rng.shuffle(rows)
        for j, row in enumerate(rows):
            members[(start + j) % folds].append(int(row))
        start = (start + rows.size) % folds
    m = max(len(f) for f in members)
    n = codes.shape[0]
    return np.array([sorted(f) + [n] * (m - len(f)) for f in members], dtype=np.int32)


def fold_of_rows(slots: np.ndarray, n: int) -> np.ndarray:
    """(n,) the fold of every row, from ``fold_slots``."""
    fold = np.empty(n + 1, dtype=np.int32)
    for k, rows in enumerate(slots):
        fold[rows] = k
    return fold[:n]


def lda_logits(x: jax.Array, codes: jax.Array, slots: jax.Array, n_classes: int,
               lambdas=LAMBDAS, solver: str = "cholesky") -> jax.Array:
    """Held-out discriminant log-probabilities (L, n, C), up to a per-row constant, for every
    shrinkage in ``lambdas`` (module docstring). vmap-able."""
    return lda_fit(x, codes, slots, n_classes, lambdas, solver).logits


class Discriminants(NamedTuple):
    """The folds' discriminants (``lda_fit``), on the standardised columns z.

    Attributes:
        logits: (L, n, C) held-out log-probabilities, per shrinkage.
        weights: (K, L, w, C) and offsets: (K, L, C): fold k's discriminant,
            log q(c | t) = z . weights[k, l, :, c] + offsets[k, l, c] + const.
        precond: (K, w, w) the Cholesky factor of M_k + I / t_k, M_k the second moment of z
            over fold k's t_k training rows (the other folds): the logistic fit's
            preconditioner.
    """

    logits: jax.Array
    weights: jax.Array
    offsets: jax.Array
    precond: jax.Array


def lda_fit(x: jax.Array, codes: jax.Array, slots: jax.Array, n_classes: int,
            lambdas=LAMBDAS, solver: str = "cholesky") -> Discriminants:
    """The shrinkage discriminants of every fold and their held-out log-probabilities (module
    docstring). vmap-able.

    Args:
        x: (n, w) a layer.
        codes: (n,) int labels in [0, n_classes).
        slots: (K, m) the folds' row indices, padded with n (``fold_slots``).
        n_classes: C, static.
        solver: "cholesky" (LAPACK) or "iterative" (``iterative_solve``: matrix products
            only, for a compiled program that must not call LAPACK; no preconditioner then,
            ``precond`` is the identity, so the logistic fit needs "cholesky").
    """
    n, w = x.shape
    z = standardise(x)
    zb = jnp.concatenate([z, jnp.zeros((1, w), z.dtype)])[slots]  # (K, m, w)
    yb = jax.nn.one_hot(jnp.concatenate([codes, jnp.array([-1], codes.dtype)])[slots],
                        n_classes, dtype=z.dtype)  # (K, m, C); padding rows are all zero
    # Each fold's sums once; a training set's are the total minus its held-out fold's.
    gram = jnp.einsum("kmw,kmv->kwv", zb, zb)
    sums = jnp.einsum("kmc,kmw->kcw", yb, zb)
    counts = yb.sum(axis=1)
    eye = jnp.eye(w, dtype=z.dtype)

    def fold(g, s, c):
        g, s, c = gram.sum(0) - g, sums.sum(0) - s, counts.sum(0) - c
        means = s / jnp.maximum(c, 1.0)[:, None]
        total = c.sum()
        cov = (g - s.T @ means) / jnp.maximum(total - n_classes, 1.0)
        avg = jnp.maximum(jnp.trace(cov) / w, _TINY)
        prior = jnp.log(jnp.maximum(c, _TINY) / total)
        lam = jnp.asarray(lambdas, z.dtype)[:, None, None]
        shrunk = (1 - lam) * cov + lam * avg * eye
        if solver == "iterative":
            steps = newton_schulz_steps(w, min(lambdas))
            a = jax.vmap(lambda m: iterative_solve(m, means.T, steps))(shrunk)  # (L, w, C)
            return a, prior - 0.5 * jnp.einsum("cw,lwc->lc", means, a), eye
        # One factorisation call for the shrunk covariances and the logistic fit's
        # preconditioner: jaxlib 0.10's batched LAPACK kernels wait for their batch on XLA's
        # thread pool, and two such calls running at once can take every thread and hang.
        chol = jnp.linalg.cholesky(jnp.concatenate([shrunk, ((g + eye) / total)[None]]))
        a = jax.vmap(lambda c: cho_solve((c, True), means.T))(chol[:-1])  # (L, w, C)
        return a, prior - 0.5 * jnp.einsum("cw,lwc->lc", means, a), chol[-1]

    a, b, precond = jax.vmap(fold)(gram, sums, counts)  # (K, L, w, C), (K, L, C)
    held = jnp.einsum("kmw,klwc->lkmc", zb, a) + jnp.swapaxes(b, 0, 1)[:, :, None, :]
    out = jnp.zeros((len(lambdas), n + 1, n_classes), z.dtype)
    return Discriminants(out.at[:, slots].set(held)[:, :n], a, b, precond)


def iterative_solve(a: jax.Array, b: jax.Array, steps: int = 40) -> jax.Array:
    """a^-1 b for a symmetric positive definite a (w, w) by the Newton-Schulz iteration
    X <- X (2 I - a X) from X = I / ||a||_inf (Ben-Israel 1965), matrix products only.

    The error's norm squares at every step once below 1; starting from 1 - 1/k for
    k = ||a||_inf / lambda_min <= w * cond(a), 40 steps reach float32 precision up to
    k of about 1e10. Why not LAPACK: two compiled programs running batched Cholesky
    factorisations at once (one per device) can hang jaxlib 0.10.2's CPU thread pool, and the
    training program runs one per device. An inexact inverse only makes the probe a worse
    classifier: its bound stays sound.
    """
    eye = jnp.eye(a.shape[0], dtype=a.dtype)
    x = eye / jnp.maximum(jnp.max(jnp.sum(jnp.abs(a), axis=1)), _TINY)
    x = jax.lax.fori_loop(0, steps, lambda _, x: x @ (2 * eye - a @ x), x)
    return x @ b


def newton_schulz_steps(width: int, shrinkage: float, most: int = 40) -> int:
    """The ``iterative_solve`` steps that reach float32 precision on the shrunk covariance
    (1 - s) C + s (tr C / w) I of ``lda_fit`` (w = ``width``, s = ``shrinkage``), at most
    ``most``.

    Its eigenvalues lie in [s tr C / w, tr C], so k = ||a||_inf / lambda_min <= sqrt(w) tr C /
    (s tr C / w) = w^1.5 / s, and the residual (1 - 1/k)^(2^j) after j steps falls below
    float32's 2^-24 once 2^j >= 24 ln 2 k; two steps more for rounding. The training bracket's
    10-unit layers at s = 0.01 take 18 steps instead of 40.
    """
    if shrinkage <= 0:
        return most
    k = width**1.5 / shrinkage
    return min(most, math.ceil(math.log2(24 * math.log(2) * k)) + 2)


def standardise(x: jax.Array) -> jax.Array:
    """Columns to zero mean and unit variance (constant columns to 0), over all rows (no label
    is used, so this does not break the cross-fitting)."""
    sd = jnp.std(x, axis=0)
    return (x - jnp.mean(x, axis=0)) / jnp.where(sd > 0, sd, 1.0)


def logistic_logits(x: jax.Array, codes: jax.Array, slots: jax.Array, fold: jax.Array,
                    n_folds: int, n_classes: int, regularisation: float = 1.0,
                    steps: int = LOGISTIC_STEPS, start: Discriminants | None = None
                    ) -> jax.Array:
    """Held-out log-probabilities (1, n, C) of the logistic probe (module docstring); row i
    scored by the fit on the folds other than ``fold[i]``. vmap-able.

    Each fold's fit starts from its calibrated discriminant (``start``, from ``lda_fit``, or
    fitted here) and takes ``steps`` steps p <- p - eta M^{-1} grad, with M the second moment
    of [z, 1] over its training rows (``Discriminants.precond``; the ridge I / t whatever
    ``regularisation``): the Hessian bound of Boehning (1992) up to eta / 2. A step that
    raises the objective is undone and eta halved, so the objective never rises.
    """
    z = standardise(x)
    n, w = z.shape
    if start is None:
        start = lda_fit(x, codes, slots, n_classes)
    temp, pick = fold_choice(start.logits, codes, fold, n_folds)
    ks = jnp.arange(n_folds)
    p0 = jnp.concatenate([start.weights[ks, pick], start.offsets[ks, pick][:, None]], axis=1)
    p0 = temp[:, None, None] * p0  # (K, w + 1, C)
    za = jnp.concatenate([z, jnp.ones((n, 1), z.dtype)], axis=1)
    onehot = jax.nn.one_hot(codes, n_classes, dtype=z.dtype)
    penalty = jnp.concatenate([jnp.full(w, regularisation, z.dtype), jnp.zeros(1, z.dtype)])
    train = (fold[None, :] != ks[:, None]).astype(z.dtype)  # (K, n)
    n_train = train.sum(axis=1)
    weight = (train / n_train[:, None]).T[:, :, None]  # (n, K, 1)
    # the preconditioner: the training rows' second moment of z (the columns have mean 0, so
    # the offsets' block is 1 and the cross terms about 0); applied by triangular solves in
    # the steps, which start after the discriminant's LAPACK calls (see ``lda_fit``)
    solve = jax.vmap(lambda c, g: cho_solve((c, True), g))

    def objective(p):  # p (w + 1, K, C): the K folds' fits side by side, one matmul
        logp = jax.nn.log_softmax((za @ p.reshape(w + 1, -1)).reshape(n, n_folds, n_classes))
        value = (-jnp.sum(weight * onehot[:, None, :] * logp, axis=(0, 2))
                 + 0.5 * jnp.einsum("w,wkc->k", penalty, p**2) / n_train)
        resid = (weight * (jnp.exp(logp) - onehot[:, None, :])).reshape(n, -1)
        grad = ((za.T @ resid).reshape(p.shape)
                + penalty[:, None, None] * p / n_train[None, :, None])
        direction = jnp.concatenate([
            jnp.transpose(solve(start.precond, jnp.transpose(grad[:w], (1, 0, 2))), (1, 0, 2)),
            grad[w:]])
        return value, direction, logp

    def step(carry, _):
        kept, value, direction, logp, eta, trial = carry
        t_value, t_direction, t_logp = objective(trial)
        better = t_value <= value  # (K,)
        kept, direction = (jnp.where(better[:, None], new, old) for new, old in
                           ((trial, kept), (t_direction, direction)))
        logp = jnp.where(better[:, None], t_logp, logp)
        value = jnp.where(better, t_value, value)
        eta = jnp.where(better, eta, 0.5 * eta)
        return (kept, value, direction, logp, eta, kept - eta[:, None] * direction), None

    p0 = jnp.transpose(p0, (1, 0, 2))  # (w + 1, K, C)
    init = (p0, jnp.full(n_folds, jnp.inf, z.dtype), jnp.zeros_like(p0),
            jnp.zeros((n, n_folds, n_classes), z.dtype),
            jnp.full(n_folds, _LOGISTIC_ETA, z.dtype), p0)
    fits = jax.lax.scan(step, init, None, length=steps)[0][3]  # (n, K, C)
    return fits[jnp.arange(n), fold][None]


def calibrate(logits: jax.Array, codes: jax.Array, fold: jax.Array, n_folds: int,
              scales=SCALES, steps: int = NEWTON_STEPS) -> tuple[jax.Array, jax.Array]:
    """Per fold, the (candidate, temperature) with the least held-out cross-entropy on the
    other folds; returns the per-row cross-entropy terms (n,) in nats and the calibrated
    log-probabilities (n, C). vmap-able.

    The other folds' cross-entropy F(a) = sum_i [logsumexp_c(a l_ic) - a l_iy] is convex in
    the temperature a. A coarse grid (``scales``) picks the candidate and a grid point a_j;
    the minimum over a then lies in [a_(j-1), a_(j+1)], where ``steps`` Newton steps
    (F' = sum_i E_q[l_i] - l_iy, F'' = sum_i Var_q[l_i]), each kept inside the shrinking
    bracket or replaced by its midpoint, find it. The grid's ends bound a.

    Args:
        logits: (L, n, C) held-out log-probabilities (up to a per-row constant) of L candidate
            probes (e.g. shrinkages).
        codes: (n,) int labels; fold: (n,) each row's fold; n_folds: K, static.
        scales: the coarse temperature grid, ascending; steps: the Newton steps.
    """
    a, li = fold_choice(logits, codes, fold, n_folds, scales, steps)
    rows = jnp.arange(logits.shape[1])
    a_row, l_row = a[fold], li[fold]
    chosen = a_row[:, None] * logits[l_row, rows]
    true = jnp.take_along_axis(chosen, codes[:, None], axis=1)[:, 0]
    return jax.nn.logsumexp(chosen, axis=1) - true, chosen


def fold_choice(logits: jax.Array, codes: jax.Array, fold: jax.Array, n_folds: int,
                scales=SCALES, steps: int = NEWTON_STEPS) -> tuple[jax.Array, jax.Array]:
    """``calibrate``'s choice per fold: the temperatures (K,) and the candidates (K,)."""
    n_cand, n = logits.shape[:2]
    s = jnp.asarray(scales, logits.dtype)
    top = jnp.max(logits, axis=2)
    # classes before rows: the sums over a few classes run along contiguous rows
    gap = jnp.swapaxes(logits - top[..., None], 1, 2)  # (L, C, n), <= 0: no overflow
    margin = top - jnp.take_along_axis(logits, codes[None, :, None], axis=2)[..., 0]

    def terms_at(a):  # (L, n) the per-row terms logsumexp(a l) - a l_y
        return jnp.log(jnp.sum(jnp.exp(a * gap), axis=1)) + a * margin

    onehot = jax.nn.one_hot(fold, n_folds, dtype=logits.dtype)  # (n, K)
    per_fold = jnp.einsum("aln,nk->kal", jax.vmap(terms_at)(s), onehot)
    others = per_fold.sum(0)[None] - per_fold  # (K, A, L)
    best = jnp.argmin(others.reshape(n_folds, -1), axis=1)  # (K,)
    ai, li = best // n_cand, best % n_cand
    lo, hi = s[jnp.maximum(ai - 1, 0)], s[jnp.minimum(ai + 1, len(scales) - 1)]
    g, m, train = gap[li], margin[li], 1.0 - onehot.T  # (K, C, n), (K, n), (K, n)
    a = s[ai]
    for _ in range(steps):  # unrolled: a few steps, each a few fused loops over (K, C, n)
        e = jnp.exp(a[:, None, None] * g)  # g <= 0, its largest entry 0: no overflow
        z = jnp.sum(e, axis=1)
        mean = jnp.sum(e * g, axis=1) / z
        d1 = jnp.sum(train * (mean + m), axis=1)
        d2 = jnp.sum(train * (jnp.sum(e * g * g, axis=1) / z - mean**2), axis=1)
        lo, hi = jnp.where(d1 < 0, a, lo), jnp.where(d1 > 0, a, hi)
        newton = a - d1 / jnp.maximum(d2, _TINY)
        a = jnp.where((newton >= lo) & (newton <= hi), newton, 0.5 * (lo + hi))
    return a, li


def calibrate_by_grid(logits: jax.Array, codes: jax.Array, fold: jax.Array, n_folds: int,
                      scales=REFERENCE_SCALES) -> tuple[jax.Array, jax.Array]:
    """``calibrate`` by a fine grid alone (40 temperatures): the slow reference it is tested
    against, and the calibration of infoplane 0.1."""
    s = jnp.asarray(scales, logits.dtype)

    def terms_at(a):  # (L, n) cross-entropy terms at temperature a
        scaled = a * logits
        true = jnp.take_along_axis(scaled, codes[None, :, None], axis=2)[..., 0]
        return jax.nn.logsumexp(scaled, axis=2) - true

    terms = jax.lax.map(terms_at, s)  # (A, L, n)
    per_fold = jax.vmap(lambda k: jnp.sum(jnp.where(fold == k, terms, 0.0), axis=2))(
        jnp.arange(n_folds))  # (K, A, L)
    others = per_fold.sum(0)[None] - per_fold
    best = jnp.argmin(others.reshape(n_folds, -1), axis=1)  # (K,)
    ai, li = best[fold] // logits.shape[0], best[fold] % logits.shape[0]
    rows = jnp.arange(codes.shape[0])
    chosen = s[ai][:, None] * logits[li, rows]
    return terms[ai, li, rows], chosen


def probe_summary(terms_nats: np.ndarray, chosen: np.ndarray, codes: np.ndarray,
                  h_y_bits: float) -> dict:
    """The bound and its companions from a probe's calibrated held-out terms, in bits:
    value H(Y) - CE, its standard error (s.d. of the per-row terms of -log2 p(y_i) +
    log2 q(y_i | t_i) over sqrt(n)), the cross-entropy, the accuracy and Fano's bound
    H(Y) - h(Pe) - Pe log2(C - 1) with Pe the held-out error."""
    n = codes.shape[0]
    ce = np.asarray(terms_nats, np.float64) / math.log(2)
    p = np.bincount(codes) / n
    row_terms = -np.log2(p[codes]) - ce
    accuracy = float(np.mean(np.argmax(chosen, axis=1) == codes))
    return {"value": float(h_y_bits - ce.mean()),
            "stderr": float(row_terms.std(ddof=1) / math.sqrt(n)),
            "cross_entropy_bits": float(ce.mean()), "accuracy": accuracy,
            "fano_bits": fano_bound(h_y_bits, 1.0 - accuracy, int(p.size))}


def fano_bound(h_y_bits: float, error: float, n_classes: int) -> float:
    """Fano's lower bound on I(T;Y) in bits: H(Y) - h(Pe) - Pe log2(C - 1) (Cover & Thomas
    2006, Thm 2.10.1), with Pe the error of any classifier of Y from T."""
    pe = min(max(error, 0.0), 1.0)
    h = 0.0 if pe in (0.0, 1.0) else -pe * math.log2(pe) - (1 - pe) * math.log2(1 - pe)
    return float(h_y_bits - h - pe * math.log2(max(n_classes - 1, 1)))
