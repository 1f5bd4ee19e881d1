"""Cross-entropy and Kullback-Leibler divergence of probability vectors, in bits by default.

These are exact functionals of given distributions, not estimates from samples (for those see
``discrete``): p and q hold probabilities along their last axis, and any leading axes are a
batch. ``cross_entropy_loss`` is the mean cross-entropy of a classifier's predictions against
its labels, from logits or from probabilities.

    H(p, q) = -sum_i p_i log q_i,    KL(p || q) = sum_i p_i log(p_i / q_i) = H(p, q) - H(p)
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from .._errors import InfoplaneError
from ._interface import Estimate, as_samples, check_unit, from_nats

PROB_ATOL = 1e-6

def _probabilities(p, name: str) -> np.ndarray:
    arr = np.asarray(p, dtype=float)
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise InfoplaneError(f"{name} must be a probability vector (last axis), got {np.shape(p)}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise InfoplaneError(f"{name} must hold finite, non-negative probabilities")
    sums = arr.sum(axis=-1)
    if np.any(np.abs(sums - 1.0) > PROB_ATOL):
        worst = float(sums.flat[np.argmax(np.abs(sums - 1.0))])
        raise InfoplaneError(
            f"{name} must sum to 1 along its last axis (within {PROB_ATOL}); one sums to "
            f"{worst:.8g}. Normalise it first"
        )
    return arr


def _divergence(p, q, unit: str, quantity: str) -> Estimate:
    check_unit(unit)
    p, q = _probabilities(p, "p"), _probabilities(q, "q")
    if p.shape != q.shape:
        raise InfoplaneError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    support = p > 0
    with np.errstate(divide="ignore"):
        log_q = np.log(np.where(support, q, 1.0))  # -inf only where q = 0 < p
        log_p = np.log(np.where(support, p, 1.0))
    inner = log_q if quantity == "cross_entropy" else log_q - log_p
    nats = -np.sum(np.where(support, p * inner, 0.0), axis=-1)  # 0 log 0 = 0
    infinite = np.any(support & (q == 0), axis=-1)
    warnings: tuple[str, ...] = ()
    if infinite.any():
        warnings = (
            f"q is 0 where p > 0 in {int(infinite.sum())} of {infinite.size} distributions: "
            f"their {quantity.replace('_', ' ')} is inf",
        )
    value = from_nats(nats, unit)
    value = float(value) if value.ndim == 0 else value
    return Estimate(
        value,
        unit,
        "exact",
        quantity,
        int(infinite.size),
        {"batch_shape": list(p.shape[:-1]), "n_categories": p.shape[-1]},
        None,
        warnings,
    )


def cross_entropy(p, q, *, unit: str = "bits") -> Estimate:
    """Cross-entropy H(p, q) = -sum_i p_i log q_i of probability vectors.

    Args:
        p, q: arrays of the same shape (..., k); each vector along the last axis must be
            non-negative and sum to 1 within 1e-6.
        unit: "bits" or "nats".

    Returns:
        An Estimate whose value is a float for 1-D input, else an array of shape p.shape[:-1];
        n is the number of distributions. Terms with p_i = 0 count 0. Where q_i = 0 < p_i the
        value is inf (not an error) and ``warnings`` says how many distributions are affected.
    """
    return _divergence(p, q, unit, "cross_entropy")


def kl_divergence(p, q, *, unit: str = "bits") -> Estimate:
    """Kullback-Leibler divergence KL(p || q) = sum_i p_i log(p_i / q_i) = H(p, q) - H(p).

    Arguments, shapes and the handling of q_i = 0 < p_i (inf, with a warning) as for
    :func:`cross_entropy`.
    """
    return _divergence(p, q, unit, "kl_divergence")


def cross_entropy_loss(
    logits_or_probs, labels, *, from_logits: bool | None = None, unit: str = "bits"
) -> Estimate:
    """Mean cross-entropy -1/n sum_i sum_c t_ic log p_ic of predictions against labels.

    Args:
        logits_or_probs: (n, C) logits or class probabilities.
        labels: (n,) integer classes in [0, C), or (n, C) one-hot (or any probability) rows.
        from_logits: True for logits (softmax applied), False for probabilities. None detects:
            probabilities when every value is in [0, 1] and every row sums to 1 within 1e-6,
            logits otherwise; pass it explicitly when logits could look like probabilities.
        unit: "bits" or "nats".

    Returns:
        An Estimate with quantity "cross_entropy_loss", stderr = std / sqrt(n) over samples.
        A probability of 0 on a true class gives inf, flagged in ``warnings``.
    """
    check_unit(unit)
    if np.ndim(logits_or_probs) != 2 or np.shape(logits_or_probs)[1] < 2:
        raise InfoplaneError(
            f"logits_or_probs must have shape (n, C) with C >= 2, got {np.shape(logits_or_probs)}"
        )
    pred = as_samples(logits_or_probs, "logits_or_probs", min_samples=1).astype(float)
    n, n_classes = pred.shape
    looks_like_probs = bool(
        np.all((pred >= 0) & (pred <= 1)) and np.all(np.abs(pred.sum(1) - 1) <= PROB_ATOL)
    )
    if from_logits is None:
        resolved, detected = not looks_like_probs, True
    elif isinstance(from_logits, (bool, np.bool_)):
        resolved, detected = bool(from_logits), False
        if not resolved and not looks_like_probs:
            raise InfoplaneError(
                "from_logits=False but the rows are not probabilities (values in [0, 1] "
                "summing to 1); pass from_logits=True for logits"
            )
    else:
        raise InfoplaneError(f"from_logits must be True, False or None, got {from_logits!r}")
    targets = _targets(labels, n, n_classes)
    with np.errstate(divide="ignore"):
        safe = np.where(targets > 0, pred, 1.0)  # -inf only where a true class has p = 0
        log_p = special.log_softmax(pred, axis=1) if resolved else np.log(safe)
    per_sample = -np.sum(np.where(targets > 0, targets * log_p, 0.0), axis=1)
    nats = float(per_sample.mean())
    warnings: tuple[str, ...] = ()
    if not math.isfinite(nats):
        bad = int(np.sum(~np.isfinite(per_sample)))
        warnings = (f"{bad} of {n} samples give probability 0 to their true class: loss is inf",)
    stderr = None
    if n > 1 and math.isfinite(nats):
        stderr = from_nats(float(per_sample.std(ddof=1)) / math.sqrt(n), unit)
    settings = {"from_logits": resolved, "from_logits_detected": detected, "n_classes": n_classes}
    method = "from_logits" if resolved else "from_probabilities"
    return Estimate(
        from_nats(nats, unit), unit, method, "cross_entropy_loss", n, settings, stderr, warnings
    )


def _targets(labels, n: int, n_classes: int) -> np.ndarray:
    """Target distributions (n, C) from integer labels (n,) or one-hot / probability rows."""
    lab = np.asarray(labels)
    if lab.ndim == 1:
        if not (np.issubdtype(lab.dtype, np.integer) or lab.dtype == np.bool_):
            raise InfoplaneError(
                f"labels of shape (n,) must be integers, got dtype {lab.dtype}; "
                "cast them or pass one-hot rows of shape (n, C)"
            )
        if lab.shape[0] != n:
            raise InfoplaneError(f"labels has {lab.shape[0]} samples, predictions have {n}")
        if lab.min() < 0 or lab.max() >= n_classes:
            raise InfoplaneError(
                f"labels must lie in [0, {n_classes}), got values from {lab.min()} to {lab.max()}"
            )
        return np.eye(n_classes)[lab.astype(int)]
    if lab.shape != (n, n_classes):
        raise InfoplaneError(
            f"labels must have shape ({n},) or ({n}, {n_classes}), got {lab.shape}"
        )
    return _probabilities(lab, "labels (one-hot rows)")
