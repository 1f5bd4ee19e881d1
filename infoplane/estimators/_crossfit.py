"""Cross-fitting for probe classifiers: stratified folds, the closed-form linear discriminant
probe, and the temperature that calibrates a probe's held-out log-probabilities.

Every row is scored by a probe that never saw it: the rows are cut into K stratified folds,
and the probe of fold k is fitted on the other K - 1 folds. The held-out cross-entropy
CE = -mean_i log q(y_i | t_i) then bounds H(Y | T) from above in expectation, whatever the
probe (Barber & Agakov 2003), so H(Y) - CE bounds I(T;Y) from below.

Calibration. A probe's log-probabilities are multiplied by a temperature a > 0 (and, for the
discriminant, its shrinkage chosen) per fold: the (shrinkage, a) that minimise the summed
held-out cross-entropy of the *other* folds, so that no row's own label chooses the settings
it is scored with.

The discriminant probe (``lda_logits``). The columns are standardised; for fold k the class
means m_c and the pooled within-class covariance S of the other folds give
log q(c | t) = t^T S_l^{-1} m_c - m_c^T S_l^{-1} m_c / 2 + log pi_c + const, with the shrunk
covariance S_l = (1 - l) S + l (tr S / w) I (l in ``LAMBDAS``; Friedman 1989). It costs one
Gram matrix per fold (O(n w^2) in all) and one Cholesky factorisation per fold and shrinkage
(O(w^3)), with no iterations, so it batches over thousands of layers with ``jax.vmap``.

The logistic probe (``logistic_logits``). Multinomial logistic regression on the standardised
columns, the summed cross-entropy of the other folds plus ``regularisation`` ||W||^2 / 2 (the
objective of scikit-learn's LogisticRegression with C = 1 / regularisation), minimised by
``LOGISTIC_STEPS`` full-batch Adam steps from zero (learning rate 0.05; on MNIST-1D layers and
the benchmark's tasks within 0.005 bit of scikit-learn's converged fit), the K folds' fits
vmapped. On layers of rectified units it can prove bits that the discriminant misses (0.13 bit
on a trained MNIST-1D MLP's second layer); on wide layers with few rows per class the
discriminant's shrinkage can beat it; ``calibrate`` given both picks per fold.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.scipy.linalg import cho_solve

from .._errors import InfoplaneError

LAMBDAS = (1e-3, 1e-2, 0.1, 0.5)
LOGISTIC_STEPS, _LOGISTIC_RATE = 100, 0.05
# Temperatures from 0.05 to 4, log-spaced: a probe that overfits needs a < 1.
SCALES = tuple(float(v) for v in np.exp(np.linspace(math.log(0.05), math.log(4.0), 40)))
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
    shrinkage in ``lambdas`` (module docstring). vmap-able.

    Args:
        x: (n, w) a layer.
        codes: (n,) int labels in [0, n_classes).
        slots: (K, m) the folds' row indices, padded with n (``fold_slots``).
        n_classes: C, static.
        solver: "cholesky" (LAPACK) or "iterative" (``iterative_solve``: matrix products
            only, for a compiled program that must not call LAPACK).
    """
    n, w = x.shape
    z = standardise(x)
    zb = jnp.concatenate([z, jnp.zeros((1, w), z.dtype)])[slots]  # (K, m, w)
    yb = jax.nn.one_hot(jnp.concatenate([codes, jnp.array([-1], codes.dtype)])[slots],
                        n_classes, dtype=z.dtype)  # (K, m, C); padding rows are all zero
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

        def shrunk(lam):
            shrunk_cov = (1 - lam) * cov + lam * avg * eye
            a = (cho_solve((jnp.linalg.cholesky(shrunk_cov), True), means.T)
                 if solver == "cholesky" else iterative_solve(shrunk_cov, means.T))  # (w, C)
            return a, prior - 0.5 * jnp.sum(means * a.T, axis=1)

        return jax.vmap(shrunk)(jnp.asarray(lambdas, z.dtype))

    a, b = jax.vmap(fold)(gram, sums, counts)  # (K, L, w, C), (K, L, C)
    held = jnp.einsum("kmw,klwc->lkmc", zb, a) + jnp.swapaxes(b, 0, 1)[:, :, None, :]
    out = jnp.zeros((len(lambdas), n + 1, n_classes), z.dtype)
    return out.at[:, slots].set(held)[:, :n]


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


def standardise(x: jax.Array) -> jax.Array:
    """Columns to zero mean and unit variance (constant columns to 0), over all rows (no label
    is used, so this does not break the cross-fitting)."""
    sd = jnp.std(x, axis=0)
    return (x - jnp.mean(x, axis=0)) / jnp.where(sd > 0, sd, 1.0)


def logistic_logits(x: jax.Array, codes: jax.Array, fold: jax.Array, n_folds: int,
                    n_classes: int, regularisation: float = 1.0,
                    steps: int = LOGISTIC_STEPS) -> jax.Array:
    """Held-out log-probabilities (1, n, C) of the logistic probe (module docstring); row i
    scored by the fit on the folds other than ``fold[i]``. vmap-able."""
    z = standardise(x)
    onehot = jax.nn.one_hot(codes, n_classes, dtype=z.dtype)
    opt = optax.adam(_LOGISTIC_RATE)

    def fit(k):
        weight = (fold != k).astype(z.dtype)
        scale = 1.0 / weight.sum()  # the mean loss: the same optimum, a stable step size

        def loss(p):
            logp = jax.nn.log_softmax(z @ p[0] + p[1])
            return scale * (-jnp.sum(weight * jnp.sum(onehot * logp, axis=1))
                            + 0.5 * regularisation * jnp.sum(p[0] ** 2))

        def step(carry, _):
            p, state = carry
            updates, state = opt.update(jax.grad(loss)(p), state, p)
            return (optax.apply_updates(p, updates), state), None

        p0 = (jnp.zeros((z.shape[1], n_classes), z.dtype), jnp.zeros(n_classes, z.dtype))
        (p, _), _ = jax.lax.scan(step, (p0, opt.init(p0)), None, length=steps)
        return jax.nn.log_softmax(z @ p[0] + p[1])

    fits = jax.vmap(fit)(jnp.arange(n_folds))  # (K, n, C)
    return fits[fold, jnp.arange(z.shape[0])][None]


def calibrate(logits: jax.Array, codes: jax.Array, fold: jax.Array, n_folds: int,
              scales=SCALES) -> tuple[jax.Array, jax.Array]:
    """Per fold, the (candidate, temperature) with the least held-out cross-entropy on the
    other folds; returns the per-row cross-entropy terms (n,) in nats and the calibrated
    log-probabilities (n, C). vmap-able.

    Args:
        logits: (L, n, C) held-out log-probabilities (up to a per-row constant) of L candidate
            probes (e.g. shrinkages).
        codes: (n,) int labels; fold: (n,) each row's fold; n_folds: K, static.
    """
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
