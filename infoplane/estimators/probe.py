"""The probe bound on I(T;Y) for class labels Y (method "probe"): H(Y) minus the held-out
cross-entropy of a classifier, in bits, a lower bound.

For any classifier q(y | t) fitted without the row it scores,
E[-log q(Y | T)] = H(Y | T) + E KL(p(. | T) || q(. | T)) >= H(Y | T), so

    I(T;Y) = H(Y) - H(Y | T) >= H(Y) - CE(q)

(Barber & Agakov 2003, "The IM algorithm: a variational approach to information
maximization"). The bound is the *usable* information of T for the probe's family (Xu, Zhao,
Song, Stewart & Ermon 2020, "A theory of usable information under computational
constraints"): it is tight when the family holds the true posterior and the sample fits it,
and loose otherwise; as a lower bound from samples it can never show more than about
log n bits (McAllester & Stratos 2020, "Formal limitations on the measurement of mutual
information"), which with class labels is no constraint (H(Y) <= log2 C).

Estimation (``_crossfit``). The rows are cut into ``folds`` stratified folds; every row is
scored by a probe fitted on the other folds, whose log-probabilities are calibrated by a
temperature chosen on the other folds' held-out rows. The value is the plug-in H(Y) minus the
mean held-out cross-entropy; its standard error is the s.d. of the per-row terms
-log2 p(y_i) + log2 q(y_i | t_i) over sqrt(n). Fano's inequality turns the probe's held-out
accuracy into a second, looser bound (settings "fano_bits").

Families: "logistic" (default): multinomial logistic regression on standardised columns
(L2 penalty ``regularisation``, scikit-learn's 1 / C; fitted in JAX, ``_crossfit``); "mlp":
one hidden layer of ``hidden`` tanh units trained by Adam (optax) for ``steps`` full-batch
steps with weight decay; "lda": the closed-form shrinkage linear discriminant of
``_crossfit`` (no iterations); "best": the logistic probe and the discriminant together, the
one (and its temperature) with the least held-out cross-entropy on the other folds taken per
fold: the probe of the planes' bracket and of method "supervised".
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._errors import InfoplaneError, check_choice, check_positive_int, check_positive_real
from ..defaults import PROBE_FOLDS, SEED
from ._blas import one_blas_thread
from ._crossfit import (
    LAMBDAS,
    SCALES,
    calibrate,
    check_folds,
    fold_of_rows,
    fold_slots,
    lda_fit,
    logistic_logits,
    probe_summary,
)
from ._interface import Estimate, as_samples, check_same_n, check_unit, from_bits
from .discrete import label_entropy_bits

FAMILIES = ("logistic", "mlp", "lda", "best")


def class_codes(y, n: int) -> tuple[np.ndarray, int]:
    """Labels y (n,) as codes 0..C-1 and C; an error for continuous labels or one class."""
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.shape[0] != n:
        raise InfoplaneError(f"labels must have shape ({n},), got {np.shape(y)}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise InfoplaneError("the probe needs class labels; y holds continuous values (a "
                                 "probe bound is defined for discrete Y only)", usage=True)
    elif arr.dtype.kind not in "biuUS":
        raise InfoplaneError(f"labels must be class labels, got dtype {arr.dtype}")
    codes = np.unique(arr, return_inverse=True)[1].reshape(-1).astype(np.int32)
    classes = int(codes.max()) + 1
    if classes < 2:
        raise InfoplaneError("the labels hold one class: I(T;Y) = 0 and no probe can be fitted")
    return codes, classes


def prepare_layer(x) -> np.ndarray:
    """x as (n, w) float64 without its constant columns; an error when all are constant."""
    arr = np.asarray(as_samples(x, "x"), dtype=np.float64)
    keep = np.ptp(arr, axis=0) > 0
    if not keep.any():
        raise InfoplaneError("every column of x is constant: no probe can be fitted (and "
                             "I(T;Y) = 0 for a constant layer)")
    return arr if keep.all() else arr[:, keep]


def _standardise(train: np.ndarray, other: np.ndarray) -> np.ndarray:
    mu, sd = train.mean(axis=0), train.std(axis=0)
    return (other - mu) / np.where(sd > 0, sd, 1.0)


def _mlp_logits(x, codes, fold, folds, hidden, steps, seed):
    n_classes = int(codes.max()) + 1
    # Each fold's net sees the rows standardised by its own training rows.
    per_fold = np.stack([_standardise(x[fold != k], x) for k in range(folds)])
    keys = jax.random.split(jax.random.PRNGKey(seed), folds)
    weights = jnp.asarray(np.stack([fold != k for k in range(folds)]), jnp.float32)
    logits = _train_mlps(jnp.asarray(per_fold, jnp.float32), jnp.asarray(codes), weights, keys,
                         n_classes=n_classes, hidden=hidden, steps=steps)
    out = np.asarray(logits, np.float64)  # (K, n, C)
    return out[fold, np.arange(x.shape[0])][None], ()


def _init(key, w, hidden, n_classes):
    k1, k2 = jax.random.split(key)
    return {"w1": jax.random.normal(k1, (w, hidden)) / math.sqrt(w), "b1": jnp.zeros(hidden),
            "w2": jax.random.normal(k2, (hidden, n_classes)) / math.sqrt(hidden),
            "b2": jnp.zeros(n_classes)}


def _forward(p, x):
    return jnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]


def _train_mlps(xs, codes, weights, keys, *, n_classes, hidden, steps):
    """(K, n, C) log-probabilities of K nets, net k trained on the rows weighted 1 in
    weights[k] of its standardised copy xs[k] (K, n, w)."""
    return _train_jit(xs, codes, weights, keys, n_classes, hidden, steps)


def _train_one(x, codes, weight, key, n_classes, hidden, steps):
    opt = optax.adamw(1e-2, weight_decay=1e-2)
    params = _init(key, x.shape[1], hidden, n_classes)

    def loss(p):
        lp = jax.nn.log_softmax(_forward(p, x))
        return -jnp.sum(weight * jnp.take_along_axis(lp, codes[:, None], 1)[:, 0]) / weight.sum()

    def step(carry, _):
        p, s = carry
        g = jax.grad(loss)(p)
        updates, s = opt.update(g, s, p)
        return (optax.apply_updates(p, updates), s), None

    (params, _), _ = jax.lax.scan(step, (params, opt.init(params)), None, length=steps)
    return jax.nn.log_softmax(_forward(params, x))


_train_jit = jax.jit(jax.vmap(_train_one, in_axes=(0, None, 0, 0, None, None, None)),
                     static_argnums=(4, 5, 6))


def probe_logits(x, codes, slots, fold, n_folds: int, n_classes: int, family: str,
                 regularisation: float = 1.0) -> jax.Array:
    """Held-out log-probabilities (L, n, C) of the candidates of a closed-form or logistic
    family ("lda", "logistic" or "best": both). vmap-able."""
    lda = lda_fit(x, codes, slots, n_classes)  # the logistic fit starts from it
    if family == "lda":
        return lda.logits
    logistic = logistic_logits(x, codes, slots, fold, n_folds, n_classes, regularisation,
                               start=lda)
    return jnp.concatenate([lda.logits, logistic]) if family == "best" else logistic


def probe_bound_nats(x, codes, slots, fold, n_folds: int, n_classes: int,
                     lambdas=LAMBDAS, scales=SCALES, solver: str = "cholesky"
                     ) -> tuple[jax.Array, jax.Array]:
    """The calibrated cross-fitted discriminant's bound H(Y) - CE on one layer x (n, w) and
    its standard error, in nats; jit- and vmap-able (the training program's bracket).

    H(Y) is the plug-in entropy of ``codes``; a constant layer gives exactly 0 (no probe can
    use it). ``slots``, ``fold``: the stratified folds (``_crossfit.fold_slots``,
    ``fold_of_rows``); ``lambdas``, ``scales``: the shrinkages and temperatures tried
    (``lda_logits``, ``calibrate``): fewer make it cheaper and the bound looser, never
    unsound; ``solver``: as ``lda_logits``.
    """
    terms, _ = calibrate(lda_fit(x, codes, slots, n_classes, lambdas, solver).logits, codes,
                         fold, n_folds, scales)
    return bound_from_terms(x, codes, terms, n_classes)


def bound_from_terms(x, codes, terms, n_classes: int) -> tuple[jax.Array, jax.Array]:
    """H(Y) - CE and its standard error, in nats, from a probe's held-out cross-entropy terms
    (n,) on layer x (n, w): H(Y) the plug-in entropy of ``codes``, the standard error the s.d.
    of the per-row terms -log p(y_i) - terms_i over sqrt(n); exactly 0 for a constant layer
    (no probe can use it). jit- and vmap-able."""
    n = codes.shape[0]
    counts = jnp.bincount(codes, length=n_classes)
    log_p = jnp.log(jnp.maximum(counts, 1) / n)
    h_y = -jnp.sum(jnp.where(counts > 0, counts / n * log_p, 0.0))
    constant = jnp.all(jnp.std(x, axis=0) == 0)
    bound = jnp.where(constant, 0.0, h_y - jnp.mean(terms))
    stderr = jnp.where(constant, 0.0, jnp.std(-log_p[codes] - terms, ddof=1) / math.sqrt(n))
    return bound, stderr


_probe_jit = jax.jit(probe_logits, static_argnames=("n_folds", "n_classes", "family"))
_calibrate_jit = jax.jit(calibrate, static_argnames=("n_folds", "scales", "steps"))


def crossfit_probe(x: np.ndarray, codes: np.ndarray, n_classes: int, *, family: str,
                   folds: int, seed: int, regularisation: float = 1.0, hidden: int = 64,
                   steps: int = 300) -> tuple[dict, np.ndarray, tuple[str, ...]]:
    """The calibrated cross-fitted probe of x (n, w) float64 and codes (n,): its summary
    (``_crossfit.probe_summary``), the calibrated held-out log-probabilities (n, C) and
    warnings."""
    check_folds(codes, folds)
    slots = fold_slots(codes, folds, seed)
    fold = fold_of_rows(slots, x.shape[0])
    if family == "mlp":
        logits, warn = _mlp_logits(x, codes, fold, folds, hidden, steps, seed)
    else:
        with jax.enable_x64(True), one_blas_thread():
            logits = np.asarray(_probe_jit(jnp.asarray(x), jnp.asarray(codes),
                                           jnp.asarray(slots), jnp.asarray(fold), folds,
                                           n_classes, family, regularisation))
        warn = ()
    with jax.enable_x64(True):
        terms, chosen = _calibrate_jit(jnp.asarray(logits), jnp.asarray(codes),
                                       jnp.asarray(fold), folds)
    terms, chosen = np.asarray(terms), np.asarray(chosen)
    if not np.all(np.isfinite(terms)):
        raise InfoplaneError(f"the {family} probe could not be fitted (non-finite "
                             "log-probabilities); check x for extreme values")
    summary = probe_summary(terms, chosen, codes, label_entropy_bits(codes))
    return summary, chosen, warn


def probe_mutual_information(x, y, *, family: str = "logistic", folds: int = PROBE_FOLDS,
                             regularisation: float = 1.0, hidden: int = 64, steps: int = 300,
                             seed: int = SEED, unit: str = "bits") -> Estimate:
    """The probe lower bound H(Y) - CE on I(T;Y) (module docstring).

    Args:
        x: continuous samples (n,) or (n, w), e.g. a layer's activations.
        y: (n,) class labels (integers, strings, or integral floats).
        family: "logistic" (default), "mlp", "lda" or "best" (module docstring).
        folds: K, the number of stratified folds (every class needs at least K rows).
        regularisation: the L2 penalty of "logistic" (scikit-learn's 1 / C).
        hidden, steps: the width and the training steps of "mlp".
        seed: the folds' shuffle and the MLP's initialisation.
        unit: "bits" or "nats".

    Returns:
        An Estimate, method "probe", bound "lower", with a standard error; its settings hold
        the family, folds, H(Y), the held-out cross-entropy, the accuracy and Fano's bound
        ("fano_bits", always in bits).

    Raises:
        InfoplaneError: continuous labels, one class, a class with fewer rows than folds, a
            constant x, NaN or inf, mismatched n, an unknown family.
    """
    check_unit(unit)
    check_choice("probe family", family, FAMILIES)
    folds = check_positive_int("folds", folds)
    if folds < 2:
        raise InfoplaneError("folds must be at least 2 (every row is scored by a probe fitted "
                             "on the other folds)", usage=True)
    regularisation = check_positive_real("regularisation", regularisation)
    hidden, steps = check_positive_int("hidden", hidden), check_positive_int("steps", steps)
    xa = as_samples(x, "x")
    n = check_same_n(x=xa, y=np.asarray(y).reshape(len(np.asarray(y)), -1))
    codes, n_classes = class_codes(y, n)
    check_folds(codes, folds)
    xa = prepare_layer(xa)
    summary, _, warn = crossfit_probe(xa, codes, n_classes, family=family, folds=folds,
                                      seed=seed, regularisation=regularisation, hidden=hidden,
                                      steps=steps)
    settings = {"family": family, "folds": folds, "seed": seed, "classes": n_classes,
                "H_Y_bits": label_entropy_bits(codes), **{
                    k: summary[k] for k in ("cross_entropy_bits", "accuracy", "fano_bits")}}
    if family in ("logistic", "best"):
        settings["regularisation"] = regularisation
    if family == "mlp":
        settings.update(hidden=hidden, steps=steps)
    return Estimate(from_bits(summary["value"], unit), unit, "probe", "mutual_information", n,
                    settings, from_bits(summary["stderr"], unit), warn, bound="lower")
