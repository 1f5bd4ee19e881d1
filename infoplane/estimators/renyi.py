"""Matrix-based Renyi alpha-order entropy and mutual information (Giraldo, Rao & Principe 2015).

Giraldo, Rao & Principe, "Measures of entropy from data using infinitely divisible kernels",
IEEE Trans. Inf. Theory 61(1), 2015; used for information planes of larger networks by Yu,
Wickstrom, Jenssen & Principe, "Understanding convolutional neural networks with information
theory: an initial exploration", IEEE TNNLS 2020 (arXiv 2018/2019).

For n samples, form the Gram matrix K of a kernel, normalise it to unit trace,

    A_ij = (1/n) K_ij / sqrt(K_ii K_jj),

and take the Renyi entropy of its eigenvalues lambda (which are >= 0 and sum to 1):

    S_alpha(A) = 1/(1 - alpha) log2 sum_i lambda_i^alpha,   S_1(A) = -sum_i lambda_i log2 lambda_i.

Joint entropy uses the Hadamard product, S_alpha(A o B / tr(A o B)), and

    I_alpha(X;Y) = S_alpha(A) + S_alpha(B) - S_alpha(A o B / tr(A o B)),

which lies in [0, min(S_alpha(A), S_alpha(B))]: for kernels with nonnegative entries and
equal diagonals, max(S(A), S(B)) <= S(A o B / tr) <= S(A) + S(B) (Giraldo et al. 2015, Sec. IV).
All entropies lie in [0, log2 n]: n distinct points far apart on the kernel's scale give
log2 n, identical points give 0.

Kernels: floating-point inputs get a Gaussian kernel K_ij = exp(-||x_i - x_j||^2 / (2 sigma^2));
integer or boolean inputs (e.g. class labels) get the delta kernel K_ij = [x_i == x_j], for
which S_alpha(A) is exactly the Renyi entropy of the empirical distribution of the rows. Cast
integer features to float to use the Gaussian kernel on them.

Default kernel width (``sigma=None``): Silverman's rule of thumb,
sigma = s (4 / ((d + 2) n))^(1 / (d + 4)), with s the root mean of the column variances
(ddof = 1). Yu et al. use the same n^(-1/(4+d)) scaling with a hand-tuned factor; pass
``sigma`` to fix the width, e.g. across epochs of one layer.

Cost is O(n^3) time and O(n^2) memory (eigenvalues of an n x n matrix, in float64), so at most
``MAX_SAMPLES`` = 5000 samples are used; for more, pass ``subsample`` (and a ``seed``) to use a
random subset of rows, the same rows for x and y.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy.linalg import eigvalsh
from scipy.spatial.distance import cdist

from .._errors import InfoplaneError, check_positive_int, check_positive_real
from ..defaults import SEED
from ._interface import (
    Estimate,
    as_samples,
    check_same_n,
    check_unit,
    from_bits,
    negative_warning,
    saturation_warning,
)

MAX_SAMPLES = 5000


def silverman_sigma(x: np.ndarray) -> float:
    """Silverman's rule-of-thumb Gaussian kernel width for samples x (n, d)."""
    n, d = x.shape
    scale = math.sqrt(float(np.mean(np.var(x, axis=0, ddof=1))))
    if scale == 0.0:
        return 1.0  # all rows equal: K is all ones whatever the width
    return scale * (4.0 / ((d + 2) * n)) ** (1.0 / (d + 4))


def gram_matrix(x: np.ndarray, sigma: float | None) -> tuple[np.ndarray, float | str]:
    """Unit-trace normalised Gram matrix A (n, n) of x (n, d) and the kernel used.

    Integer/boolean x: delta kernel (returns "delta"). Floating x: Gaussian kernel of width
    ``sigma`` (Silverman's rule if None).
    """
    n = x.shape[0]
    if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
        ids = np.unique(x, axis=0, return_inverse=True)[1].reshape(-1)
        k = (ids[:, None] == ids[None, :]).astype(np.float64)
        kernel: float | str = "delta"
    else:
        kernel = silverman_sigma(x) if sigma is None else sigma
        k = np.exp(-cdist(x, x, "sqeuclidean") / (2.0 * kernel**2))
    diag = np.sqrt(np.diag(k))  # 1 for both kernels; kept for the general definition
    return k / np.outer(diag, diag) / n, kernel


def matrix_entropy(a: np.ndarray, alpha: float) -> float:
    """S_alpha of a unit-trace positive semi-definite matrix a, in bits."""
    lam = eigvalsh(a)
    # Eigenvalues below the numerical-rank tolerance (as in numpy.linalg.matrix_rank) are
    # round-off of zeros; for alpha < 1, lam**alpha would inflate them, so they are dropped.
    tol = lam.max() * len(lam) * np.finfo(lam.dtype).eps
    lam = np.where(lam > tol, lam, 0.0)
    lam = lam / lam.sum()
    if alpha == 1.0:
        nz = lam[lam > 0]
        return float(-(nz * np.log2(nz)).sum())
    return float(np.log2(np.sum(lam**alpha)) / (1.0 - alpha))


def hadamard_normalised(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A o B / tr(A o B), the matrix of the joint entropy."""
    ab = a * b
    return ab / np.trace(ab)


def _check_alpha(alpha) -> float:
    return check_positive_real("alpha", alpha, " (1 gives the Shannon-like limit; 1.01 is the "
                               "usual choice)")


def _check_sigma(sigma, name: str = "sigma") -> float | None:
    if sigma is None:
        return None
    return check_positive_real(name, sigma, " (a kernel width), or None for Silverman's rule")


def _rows(n: int, subsample, seed) -> np.ndarray | None:
    """Indices of the rows to use, or None for all of them."""
    if subsample is None:
        if n > MAX_SAMPLES:
            raise InfoplaneError(
                f"matrix-based Renyi estimation costs O(n^3); {n} samples exceed the limit of "
                f"{MAX_SAMPLES}. Pass subsample=<at most {MAX_SAMPLES}> and a seed to use a "
                "random subset"
            )
        return None
    subsample = check_positive_int("subsample", subsample)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InfoplaneError(f"seed must be a non-negative integer, got {seed!r}")
    if subsample > MAX_SAMPLES:
        raise InfoplaneError(f"subsample must be at most {MAX_SAMPLES}, got {subsample}")
    if subsample >= n:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size=subsample, replace=False))


def _settings(alpha, kernels, n_total, rows, subsample, seed) -> dict:
    settings = {"alpha": alpha, **kernels, "n_total": n_total}
    if rows is not None:
        settings.update(subsample=subsample, seed=seed)
    return settings


def renyi_entropy(
    x,
    *,
    alpha: float = 1.01,
    sigma: float | None = None,
    unit: str = "bits",
    subsample: int | None = None,
    seed: int = SEED,
) -> Estimate:
    """Matrix-based Renyi entropy S_alpha of samples x (Giraldo, Rao & Principe 2015).

    Args:
        x: (n, d) or (n,) samples. Float: Gaussian kernel; integer/bool: delta kernel.
        alpha: the order, > 0; alpha = 1 gives the von Neumann (Shannon-like) limit.
        sigma: Gaussian kernel width; None for Silverman's rule (see the module docstring).
        unit: "bits" or "nats".
        subsample: use this many random rows (required when n > 5000).
        seed: seed of the subsample.

    Returns:
        An Estimate, method "renyi", quantity "entropy", in [0, log2 n] bits.
    """
    check_unit(unit)
    alpha, sigma = _check_alpha(alpha), _check_sigma(sigma)
    x = as_samples(x, "x", min_samples=2)
    n_total = x.shape[0]
    rows = _rows(n_total, subsample, seed)
    if rows is not None:
        x = x[rows]
    a, kernel = gram_matrix(x, sigma)
    bits = matrix_entropy(a, alpha)
    n = x.shape[0]
    settings = _settings(alpha, {"sigma": kernel}, n_total, rows, subsample, seed)
    warnings = saturation_warning(bits, n, "the Renyi entropy")
    return Estimate(from_bits(bits, unit), unit, "renyi", "entropy", n, settings, None, warnings)


def renyi_mutual_information(
    x,
    y,
    *,
    alpha: float = 1.01,
    sigma: float | tuple[float | None, float | None] | None = None,
    unit: str = "bits",
    subsample: int | None = None,
    seed: int = SEED,
) -> Estimate:
    """Matrix-based Renyi mutual information I_alpha(X;Y) = S(A) + S(B) - S(A o B / tr).

    Args:
        x: (n, dx) or (n,) samples, e.g. a layer's activations.
        y: (n, dy) or (n,) samples paired with x, e.g. inputs, or integer class labels (which
            get the delta kernel, so S(B) is the Renyi entropy of the label distribution).
        alpha: the order, > 0 (1 gives the Shannon-like limit).
        sigma: one width for both, a pair (sigma_x, sigma_y), or None for Silverman's rule
            applied to each variable separately.
        unit: "bits" or "nats".
        subsample: use this many random rows, the same for x and y (required when n > 5000).
        seed: seed of the subsample.

    Returns:
        An Estimate, method "renyi", quantity "mutual_information", in
        [0, min(S(A), S(B))] up to round-off.
    """
    check_unit(unit)
    alpha = _check_alpha(alpha)
    if isinstance(sigma, (tuple, list)):
        if len(sigma) != 2:
            raise InfoplaneError(
                f"sigma must be one width or a pair (sigma_x, sigma_y), got {sigma!r}"
            )
        sigma_x, sigma_y = _check_sigma(sigma[0], "sigma_x"), _check_sigma(sigma[1], "sigma_y")
    else:
        sigma_x = sigma_y = _check_sigma(sigma)
    x = as_samples(x, "x", min_samples=2)
    y = as_samples(y, "y", min_samples=2)
    n_total = check_same_n(x=x, y=y)
    rows = _rows(n_total, subsample, seed)
    if rows is not None:
        x, y = x[rows], y[rows]
    a, kernel_x = gram_matrix(x, sigma_x)
    b, kernel_y = gram_matrix(y, sigma_y)
    s_a, s_b = matrix_entropy(a, alpha), matrix_entropy(b, alpha)
    s_ab = matrix_entropy(hadamard_normalised(a, b), alpha)
    bits = s_a + s_b - s_ab
    if -1e-9 < bits < 0:  # >= 0 in exact arithmetic (module docstring); clip round-off only
        bits = 0.0
    n = x.shape[0]
    kernels = {"sigma_x": kernel_x, "sigma_y": kernel_y}
    settings = _settings(alpha, kernels, n_total, rows, subsample, seed)
    warnings = saturation_warning(bits, n, "the Renyi mutual information")
    warnings += negative_warning(bits, "renyi")
    value = from_bits(bits, unit)
    return Estimate(value, unit, "renyi", "mutual_information", n, settings, None, warnings)


__all__ = [
    "MAX_SAMPLES",
    "gram_matrix",
    "hadamard_normalised",
    "matrix_entropy",
    "renyi_entropy",
    "renyi_mutual_information",
    "silverman_sigma",
]
