"""Lossy compression of one side of a mutual information: PCA (default) or a small autoencoder,
the rule that chooses the compressed dimension, and whitening of the result.

The rule. Let lambda_1 >= lambda_2 >= ... be the eigenvalues of the sample covariance of x
(n, D) and V = sum_j Var(x_j) its total variance. The compressed dimension is the smallest m
with (lambda_1 + ... + lambda_m) / V >= ``variance`` (default ``COMPRESS_VARIANCE`` = 0.95),
capped at :func:`compress_cap` (n) = max(1, floor(log2 n) - 4) (4 at n = 256, 8 at n = 4096,
9 at n = 10,000): kNN estimators need a sample size exponential in the dimension, and this cap
keeps the joint space of two compressed sides within 2 cap dimensions. Components whose
eigenvalue is below 1e-10 V are numerical zeros and never kept, and neither are those inside the
bulk of isotropic noise: with r = cap + 10 eigenvalues computed (all of them for D <= 256) and
sigma^2 = (V - lambda_1 - ... - lambda_r) / (D - r) the mean of the others, a component is kept
only above 1.2 sigma^2 (1 + sqrt(D / n))^2, the Marchenko-Pastur edge of the noise eigenvalues
with a 20 % margin (at least one component is always kept). Noise spread over every ambient
dimension thus does not fill the compressed space. A capped dimension is reported
(the kept components then explain less than ``variance``), since the data processing
inequality makes the MI of compressed data a lower bound on the MI of the data whenever the
dropped components carry information.

PCA. For D <= 256 the covariance is decomposed exactly (``numpy.linalg.eigh``); above, the top
cap + 10 components come from a randomized range finder with 2 power iterations (Halko,
Martinsson & Tropp 2011, Alg. 4.4), seeded: O(n D cap) instead of O(n D^2). The range finder
runs in float32 (the subspace only); the eigenvalues and vectors come from the exact float64
Rayleigh-Ritz step on that subspace (an SVD of Q^T X), so a numerically zero component stays
below 1e-10 of the variance. The loss reported
is the fraction of the variance not kept, 1 - (lambda_1 + ... + lambda_m) / V, which is the
mean squared reconstruction error relative to the total variance.

Whitening. The kept scores are scaled to unit variance (for the autoencoder: the codes are
rotated and scaled by their own covariance), so that the kNN estimators downstream see an
isotropic cloud (Butakov et al. 2024). MI is invariant to this invertible linear map.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._errors import InfoplaneError
from ..defaults import COMPRESS_VARIANCE
from ._blas import one_blas_thread as _one_blas_thread

_EXACT_MAX_DIM = 256
_OVERSAMPLE, _POWER_ITERATIONS = 10, 2
_ZERO = 1e-10
_FLOOR_MARGIN = 1.2


class Compression(NamedTuple):
    """One compressed side.

    Attributes:
        z: the whitened compressed samples (n, dim).
        dim: the compressed dimension.
        explained: fraction of the total variance the kept PCA components explain.
        loss: mean squared reconstruction error / total variance (PCA: 1 - explained).
        capped: True when the cap, not ``variance``, set the dimension.
        pca_loss: PCA's loss at the same dimension (equal to ``loss`` for PCA).
    """

    z: np.ndarray
    dim: int
    explained: float
    loss: float
    capped: bool
    pca_loss: float


def compress_cap(n: int) -> int:
    """The largest compressed dimension per side for n samples: max(1, floor(log2 n) - 4)."""
    return max(1, int(math.floor(math.log2(max(n, 2)))) - 4)


def _top_eigen(xc: np.ndarray, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The top r = min(D, m + 10) eigenvalues (descending) and eigenvectors (D, r) of the
    covariance of the centred xc (n, D): exact for small D, else randomized."""
    n, d = xc.shape
    m = min(d, m + _OVERSAMPLE)
    if d <= _EXACT_MAX_DIM or m >= d:
        cov = xc.T @ xc / (n - 1)
        with _one_blas_thread():  # threaded eigh: 65 ms CPU at D = 256 against 6 ms
            vals, vecs = np.linalg.eigh(cov)
        return vals[::-1][:m], vecs[:, ::-1][:, :m]
    rng = np.random.default_rng(seed)
    x32 = xc.astype(np.float32)
    q = _orthonormal(x32 @ rng.standard_normal((d, m), dtype=np.float32))
    for _ in range(_POWER_ITERATIONS):
        q = _orthonormal(x32 @ (x32.T @ q))
    q = _orthonormal(q.astype(np.float64))
    b = q.T @ xc
    with _one_blas_thread():
        _, s, vt = np.linalg.svd(b, full_matrices=False)
    return (s**2 / (n - 1))[:m], vt[:m].T


def _orthonormal(y: np.ndarray) -> np.ndarray:
    """An orthonormal basis (n, m) of the columns of y by QR, on one BLAS thread: OpenBLAS's
    threaded QR of a tall, thin matrix is 10-40 times slower (measured on two shared cores)."""
    with _one_blas_thread():
        return np.linalg.qr(y)[0]


def noise_floor(vals: np.ndarray, total: float, n: int, d: int) -> float:
    """The upper edge of the Marchenko-Pastur bulk, sigma^2 (1 + sqrt(d / n))^2, times 1.2,
    with sigma^2 the mean of the eigenvalues beyond the len(vals) computed (0 if none)."""
    rest = d - len(vals)
    if rest <= 0:
        return 0.0
    sigma2 = max(0.0, total - float(np.sum(vals))) / rest
    return _FLOOR_MARGIN * sigma2 * (1.0 + math.sqrt(d / n)) ** 2


def choose_dim(vals: np.ndarray, total: float, variance: float, cap: int,
               floor: float = 0.0) -> tuple[int, bool]:
    """(dimension, capped) by the rule of the module docstring from the top eigenvalues
    ``vals`` (descending), the total variance and the noise ``floor`` (an eigenvalue)."""
    positive = int(np.sum(vals > max(_ZERO * total, floor)))
    if floor > 0:
        positive = max(positive, 1)
    if positive == 0:
        raise InfoplaneError("every column is constant: there is nothing to compress")
    reached = np.flatnonzero(np.cumsum(vals[:positive]) >= variance * total)
    wanted = int(reached[0]) + 1 if reached.size else positive + 1
    return min(wanted, positive, cap), wanted > cap and cap < positive


def pca_compress(x: np.ndarray, *, dim: int | None, cap: int,
                 variance: float = COMPRESS_VARIANCE, seed: int = 0) -> Compression:
    """PCA of x (n, D), float64, to ``dim`` components (None: the rule), whitened.

    Args:
        x: samples (n, D) without NaN or constant columns.
        dim: the compressed dimension, or None to choose it by the rule.
        cap: the largest dimension the rule may choose (``compress_cap(n)``).
        variance: the fraction of variance the rule aims to keep.
        seed: the seed of the randomized range finder.
    """
    xc = x - x.mean(axis=0)
    total = float(np.einsum("ij,ij->", xc, xc)) / (x.shape[0] - 1)
    vals, vecs = _top_eigen(xc, min(max(cap, dim or 0), x.shape[1]), seed)
    capped = False
    if dim is None:
        floor = noise_floor(vals, total, *x.shape)
        dim, capped = choose_dim(vals, total, variance, cap, floor)
    elif dim > x.shape[1] or vals[dim - 1] <= _ZERO * total:
        raise InfoplaneError(f"dim={dim} exceeds the rank of the data (dimension {x.shape[1]}, "
                             f"{int(np.sum(vals > _ZERO * total))} non-zero components)")
    explained = float(np.sum(vals[:dim]) / total)
    z = xc @ vecs[:, :dim] / np.sqrt(vals[:dim])
    loss = max(0.0, 1.0 - explained)
    return Compression(z, dim, explained, loss, capped, loss)
