"""Closed-form Gaussian estimators: entropy and mutual information from fitted covariances.

The data are modelled as jointly Gaussian and the formulas of Cover & Thomas (2006, Thm 8.4.1
and eq. 8.56) are applied to the sample covariance (ddof = 1):

    H(X)   = 1/2 log det(2 pi e Sigma_x)
    I(X;Y) = 1/2 log( det Sigma_x det Sigma_y / det Sigma_xy ),

Sigma_xy being the joint covariance of (X, Y). For one dimension each, I = -1/2 log(1 - rho^2).
Exact (up to sampling error) for Gaussian data. For other data it is the information of the
Gaussian with the same second moments: it sees only linear dependence, so dependent but
uncorrelated variables give 0.

Computed in float64 with ``numpy.linalg.slogdet``; covariances that are singular (constant or
collinear columns, or fewer samples than dimensions) raise an :class:`InfoplaneError`.
"""

from __future__ import annotations

import math

import numpy as np

from .._errors import InfoplaneError
from ._interface import Estimate, as_samples, check_same_n, check_unit, from_nats

# The covariance is treated as singular when its smallest eigenvalue of the correlation matrix
# falls below this: beyond it, log det is dominated by round-off (float64 eps ~ 2e-16).
_RCOND = 1e-10


def _covariance(x: np.ndarray, name: str) -> np.ndarray:
    """Sample covariance (d, d) of x (n, d), or a clear error when it is singular."""
    n, d = x.shape
    if n <= d:
        raise InfoplaneError(
            f"{name} has {n} samples in {d} dimensions; a covariance needs more samples than "
            f"dimensions (pass at least {d + 1}, preferably many more)"
        )
    cov = np.atleast_2d(np.cov(x, rowvar=False))
    var = np.diag(cov)
    constant = np.flatnonzero(var <= 0)
    if constant.size:
        raise InfoplaneError(
            f"{name} has constant column(s) {constant.tolist()}: a Gaussian with zero variance "
            "has entropy -inf; drop those columns or add noise"
        )
    corr = cov / np.sqrt(np.outer(var, var))
    smallest = np.linalg.eigvalsh(corr)[0]
    if smallest < _RCOND:
        raise InfoplaneError(
            f"the covariance of {name} is singular (columns are collinear; smallest eigenvalue "
            f"of the correlation matrix {smallest:.2e}); drop redundant columns"
        )
    return cov


def _logdet(cov: np.ndarray) -> float:
    sign, logdet = np.linalg.slogdet(cov)
    return float(logdet) if sign > 0 else -math.inf


def gaussian_entropy(x, *, unit: str = "bits") -> Estimate:
    """Differential entropy of the Gaussian fitted to x: H = 1/2 log det(2 pi e Sigma).

    Args:
        x: (n, d) or (n,) samples, n > d.
        unit: "bits" or "nats".

    Returns:
        An Estimate, method "gaussian", quantity "entropy". May be negative (differential).
    """
    check_unit(unit)
    x = as_samples(x, "x", min_samples=2).astype(np.float64)
    n, d = x.shape
    cov = _covariance(x, "x")
    h = 0.5 * (d * math.log(2 * math.pi * math.e) + _logdet(cov))
    return Estimate(from_nats(h, unit), unit, "gaussian", "entropy", n, {"dim": d, "ddof": 1})


def gaussian_mutual_information(x, y, *, unit: str = "bits") -> Estimate:
    """I(X;Y) of the Gaussian fitted to (x, y): 1/2 log(det Sx det Sy / det Sxy).

    Args:
        x: (n, dx) or (n,) samples.
        y: (n, dy) or (n,) samples, paired with x row by row.
        unit: "bits" or "nats".

    Returns:
        An Estimate, method "gaussian", quantity "mutual_information". The formula is >= 0 up
        to round-off, and 0 exactly when the sample cross-covariance is 0.

    Raises:
        InfoplaneError: when a marginal is singular, or when the joint covariance is singular
            (y is a linear function of x, so the Gaussian MI is infinite).
    """
    check_unit(unit)
    x = as_samples(x, "x", min_samples=2).astype(np.float64)
    y = as_samples(y, "y", min_samples=2).astype(np.float64)
    n = check_same_n(x=x, y=y)
    cov_x = _covariance(x, "x")
    cov_y = _covariance(y, "y")
    xy = np.concatenate([x, y], axis=1)
    try:
        cov_xy = _covariance(xy, "(x, y)")
    except InfoplaneError as err:
        raise InfoplaneError(
            f"{err}. Here x and y are linearly dependent, so the Gaussian mutual information "
            "is infinite"
        ) from None
    mi = 0.5 * (_logdet(cov_x) + _logdet(cov_y) - _logdet(cov_xy))
    mi = max(mi, 0.0)  # Fischer's inequality makes it >= 0; only round-off goes below
    settings = {"dim_x": x.shape[1], "dim_y": y.shape[1], "ddof": 1}
    return Estimate(from_nats(mi, unit), unit, "gaussian", "mutual_information", n, settings)


__all__ = ["gaussian_entropy", "gaussian_mutual_information"]
