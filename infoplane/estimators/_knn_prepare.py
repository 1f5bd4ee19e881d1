"""Preparing samples for the kNN estimators (``knn``): the shared checks, the asinh transform
for heavy tails, standardisation and the tie-breaking jitter (see the ``knn`` docstring)."""

from __future__ import annotations

import numbers

import numpy as np

from .._errors import InfoplaneError, check_choice, check_positive_int, check_positive_real

TRANSFORMS = ("none", "asinh")


def check_settings(k, n: int, jitter, seed, transform) -> tuple[int, float, int]:
    """The settings shared by the kNN estimators for n samples, validated: (k, jitter, seed)."""
    k = check_positive_int("k", k)
    if k >= n:
        raise InfoplaneError(f"k={k} must be smaller than the number of samples n={n}; "
                             "lower k or pass more samples")
    jitter = check_positive_real("jitter", jitter, allow_zero=True)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InfoplaneError(f"seed must be an integer, got {seed!r}")
    check_choice("transform", "none" if transform is None else transform, TRANSFORMS)
    return k, jitter, int(seed)


def asinh_transform(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """u = asinh((a - median) / s) per column, s = IQR / 1.349 (std if the IQR is 0).

    Returns u and log |du/da| per sample (N,), summed over columns, for entropy corrections.
    """
    q25, med, q75 = np.percentile(a, [25, 50, 75], axis=0)
    s = (q75 - q25) / 1.349
    s = np.where(s > 0, s, a.std(axis=0))
    s = np.where(s > 0, s, 1.0)
    z = (a - med) / s
    return np.arcsinh(z), -(np.log(s) + 0.5 * np.log1p(z**2)).sum(axis=1)


def jittered(a: np.ndarray, jitter: float, rng: np.random.Generator) -> np.ndarray:
    """a + jitter * (column std) * N(0, 1); constant columns stay constant."""
    return a + jitter * a.std(axis=0) * rng.standard_normal(a.shape)


def standardised(a: np.ndarray, transform, jitter: float, rng) -> np.ndarray:
    """Optional asinh, then zero mean and unit variance per column, then the jitter."""
    if transform == "asinh":
        a = asinh_transform(a)[0]
    sd = a.std(axis=0)
    return jittered((a - a.mean(axis=0)) / np.where(sd > 0, sd, 1.0), jitter, rng)
