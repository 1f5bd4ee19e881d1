"""Pairwise-distance (KDE) bounds on information in noisy activations, as in Saxe et al. 2018.

The layer T (n, d) is made stochastic by adding isotropic Gaussian noise of variance s2, so
that T + noise given the n inputs is a mixture of n Gaussians N(h_i, s2 I) with equal weights.
Kolchinsky & Tracey (2017), "Estimating mixture entropy with pairwise distances", Entropy
19:361, Section 4, bound the entropy of such a mixture from both sides:

    H_upper = H(T|X) - (1/n) sum_i log (1/n) sum_j exp(-||h_i - h_j||^2 / (2 s2))   (KL)
    H_lower = H(T|X) - (1/n) sum_i log (1/n) sum_j exp(-||h_i - h_j||^2 / (8 s2))   (Bhattacharyya)

with H(T|X) = (d/2)(log(2 pi s2) + 1) the entropy of the noise. The KL divergence between two
components is ||h_i - h_j||^2 / (2 s2) and the Bhattacharyya distance ||h_i - h_j||^2 / (8 s2).
Saxe's code (ibsgd, kde.py) writes the lower bound as ``entropy_estimator_kl(x, 4 * s2) +
(d/2) log(1/4)``: substituting 4 s2 for s2 in the KL formula gives the 8 s2 exponent above, and
the log(1/4) term restores the noise constant. Hence, with X uniform over the n inputs,

    I(X;T) = H(T) - H(T|X) = -(1/n) sum_i log (1/n) sum_j exp(-||h_i - h_j||^2 / (c s2)),

c = 2 (upper) or 8 (lower), and, as in Saxe's code, I(T;Y) = H(T) - sum_l p_l H(T | Y=l) with
the same bound applied to all samples and within each class (the noise constant cancels):

    I(T;Y) = (1/n) sum_i [log (1/n_{y_i}) sum_{j: y_j = y_i} k_ij - log (1/n) sum_j k_ij].

All values here are in nats inside the JAX core and converted at the public boundary. The
kernel sums are computed in row blocks (``lax.map``), so memory is O(block * n), never n x n.
Each row's sum contains its own term k_ii = 1, so the largest term of every row is known to be
1 (log-sum-exp with max 0): no overflow, and the log is of a number >= 1.

Cost: an exact estimate evaluates n^2 exponentials. For the many estimates of a whole run,
``rows=`` (anchors) averages the terms of m rows drawn without replacement, each row still
summed exactly over all n: an unbiased estimate of the exact value at about m/n of the cost,
with a standard error that the caller reports (``anchored_stderr``).
"""

from __future__ import annotations

import math

import jax
import numpy as np

from .._errors import InfoplaneError, check_choice, check_positive_real
from ..defaults import NOISE_VAR
from ._interface import (
    Estimate,
    as_samples,
    check_same_n,
    check_unit,
    from_nats,
    negative_warning,
    saturation_warning,
)
from ._kde_core import _EXPONENT_SCALE, BOUNDS, kde_information


def kde_information_reference(
    acts: np.ndarray, labels: np.ndarray, noise_var: float, bound: str = "upper"
) -> tuple[float, float]:
    """Slow, obvious reference in float64 (full n x n matrix): (I(X;T), I(T;Y)) in nats."""
    from scipy.special import logsumexp

    x = np.asarray(acts, dtype=np.float64)
    labels = np.asarray(labels)
    scale = _EXPONENT_SCALE[bound] * noise_var

    def mean_log_mixture(z):  # (1/m) sum_i log (1/m) sum_j exp(-||z_i - z_j||^2 / scale)
        dist = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1)
        return float(np.mean(logsumexp(-dist / scale, axis=1)) - np.log(len(z)))

    i_xt = -mean_log_mixture(x)
    h_given_y = 0.0
    for y in np.unique(labels):
        members = labels == y
        h_given_y += members.mean() * -mean_log_mixture(x[members])
    return i_xt, i_xt - h_given_y


def check_noise_var(noise_var) -> float:
    """``noise_var`` as a float, or a clear error unless it is a finite positive number."""
    return check_positive_real("noise_var", noise_var, " (the variance s2 of the added Gaussian "
                               "noise; Saxe et al. use 0.1 or 1e-3)")


def _check_labels(labels, t: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer labels (n,) for the rows of t, mapped to 0..C-1, and C."""
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise InfoplaneError(f"labels must have shape (n,), got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_):
        raise InfoplaneError(
            f"labels must be integer class labels, got dtype {arr.dtype}; "
            "for continuous targets use another estimator"
        )
    check_same_n(x=t, labels=arr)
    classes, codes = np.unique(arr, return_inverse=True)
    return codes.astype(np.int32), len(classes)


def _prepare(x, noise_var, bound, unit) -> tuple[np.ndarray, float]:
    check_choice("bound", bound, BOUNDS)
    check_unit(unit)
    noise_var = check_noise_var(noise_var)
    return as_samples(x, "x", min_samples=2).astype(np.float64), noise_var


def _information64(t: np.ndarray, codes: np.ndarray, n_classes: int, noise_var, bound):
    """The core in float64: one-off estimates favour accuracy over the float32 speed-up."""
    if hasattr(jax, "enable_x64"):
        context = jax.enable_x64(True)
    else:  # jax < 0.7
        from jax.experimental import enable_x64 as context_factory

        context = context_factory()
    with context:
        i_xt, i_ty = kde_information(t, codes, n_classes, noise_var, bound)
        return float(i_xt), float(i_ty)


def kde_entropy(
    x, *, noise_var: float = NOISE_VAR, bound: str = "upper", unit: str = "bits"
) -> Estimate:
    """Kolchinsky-Tracey bound on the differential entropy H(T + noise), noise ~ N(0, s2 I).

    Args:
        x: (n, d) or (n,) activations T, one row per input; the inputs are equally likely.
        noise_var: s2 > 0, the variance of the added isotropic Gaussian noise.
        bound: "upper" (KL pairwise distance) or "lower" (Bhattacharyya).
        unit: "bits" or "nats".

    Returns:
        An Estimate, method "kde_upper" or "kde_lower". The value is
        I(X;T) + (d/2)(log(2 pi s2) + 1) (nats, before conversion); see the module docstring.
        A differential entropy, so it may be negative.
    """
    t, noise_var = _prepare(x, noise_var, bound, unit)
    n, d = t.shape
    i_xt, _ = _information64(t, np.zeros(n, np.int32), 1, noise_var, bound)
    h = i_xt + 0.5 * d * (math.log(2 * math.pi * noise_var) + 1.0)
    settings = {"noise_var": noise_var, "bound": bound, "dim": d}
    return Estimate(from_nats(h, unit), unit, f"kde_{bound}", "entropy", n, settings,
                    bound=bound)


def kde_mutual_information(
    x, labels=None, *, noise_var: float = NOISE_VAR, bound: str = "upper", unit: str = "bits"
) -> Estimate:
    """KDE bound on I(X;T) (labels=None) or estimate of I(T;Y) (integer labels), Saxe et al. 2018.

    Args:
        x: (n, d) or (n,) activations T for n distinct, equally likely inputs X.
        labels: None for I(X;T); else (n,) integer class labels Y for I(T;Y).
        noise_var: s2 > 0, the variance of the Gaussian noise added to T.
        bound: "upper" (KL) or "lower" (Bhattacharyya). For I(X;T) it is a bound on the
            information of the noisy layer. For I(T;Y) it is, as in Saxe's code, the same bound
            used for H(T) and for each H(T | Y=l); the difference is an estimate, not a bound.
        unit: "bits" or "nats".

    Returns:
        An Estimate, method "kde_upper" or "kde_lower", quantity "mutual_information".
        I(X;T) <= log n always (saturation is warned about). I(T;Y) <= H(Y) (the plug-in label
        entropy) always, since each row's class sum is part of its total sum; it is usually,
        but not provably, >= 0, and a negative value is warned about.
    """
    t, noise_var = _prepare(x, noise_var, bound, unit)
    n, d = t.shape
    settings = {"noise_var": noise_var, "bound": bound, "dim": d}
    if labels is None:
        i_xt, _ = _information64(t, np.zeros(n, np.int32), 1, noise_var, bound)
        value = from_nats(i_xt, unit)
        warnings = saturation_warning(i_xt / math.log(2), n, "I(X;T)")
        settings["target"] = "I(X;T)"
    else:
        codes, n_classes = _check_labels(labels, t)
        # Empty extra classes change nothing; rounding up to a power of two saves recompiles.
        padded_classes = 1 << (n_classes - 1).bit_length()
        _, i_ty = _information64(t, codes, padded_classes, noise_var, bound)
        value = from_nats(i_ty, unit)
        warnings = negative_warning(value, f"kde_{bound}")
        settings.update(target="I(T;Y)", n_classes=n_classes)
    # I(X;T) is a bound on the information of the noisy layer; I(T;Y), the same bound used
    # for H(T) and each H(T | Y=l), is a difference of bounds: an estimate, not a bound.
    return Estimate(
        value, unit, f"kde_{bound}", "mutual_information", n, settings, warnings=warnings,
        bound=bound if labels is None else None,
    )


__all__ = [
    "check_noise_var",
    "kde_entropy",
    "kde_information_reference",
    "kde_mutual_information",
]
