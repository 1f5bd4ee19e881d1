"""Per-sample terms of two kNN mutual-information estimators, for values with standard errors.

The estimate is the mean of the terms t_i (nats) and ``std(t) / sqrt(n)`` its standard error
(``compressed`` uses them). The inputs are prepared (whitened, non-constant) float64 arrays
(n, dx) and (n, dy); the tie-breaking jitter is added here, relative to each column's s.d.

- Weighted Kozachenko-Leonenko (``kl_weighted``): t_i = t_i^X + t_i^Y - t_i^(X,Y), the terms of
  H(X) + H(Y) - H(X, Y).
- KSG estimator 1 (Kraskov et al. 2004, eq. 8): t_i = psi(k) + psi(n) - psi(n_x,i + 1) -
  psi(n_y,i + 1), max-norm, the same counts as ``knn.ksg_mutual_information``.
- Ross (2014), continuous x and class labels: the terms of ``knn.mixed_mutual_information``
  (``ross_mi_terms``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from scipy import special
from scipy.spatial import cKDTree

from ._knn_kernels import _distances, _row_blocks, block_rows, ksg_counts_jit
from ._knn_prepare import jittered, standardised
from .kl_weighted import kl_weights, weighted_kl_terms


def kl_weighted_mi_terms(x: np.ndarray, y: np.ndarray, k: int, jitter: float,
                         rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Per-sample terms (n,) in nats of H(X) + H(Y) - H(X,Y) by weighted KL, and the largest
    Euclidean norm of the three weight vectors (a variance warning sign when large)."""
    x, y = jittered(x, jitter, rng), jittered(y, jitter, rng)
    xy = np.concatenate([x, y], axis=1)
    terms = weighted_kl_terms(x, k) + weighted_kl_terms(y, k) - weighted_kl_terms(xy, k)
    norm = max(float(np.linalg.norm(kl_weights(a.shape[1], k))) for a in (x, y, xy))
    return terms, norm


def ksg_mi_terms(x: np.ndarray, y: np.ndarray, k: int, jitter: float,
                 rng: np.random.Generator) -> np.ndarray:
    """Per-sample terms (n,) in nats of KSG estimator 1."""
    n = x.shape[0]
    x, y = jittered(x, jitter, rng), jittered(y, jitter, rng)
    with jax.enable_x64(True):
        nx, ny = ksg_counts_jit(jnp.asarray(x), jnp.asarray(y), k=k, variant=1,
                                block=block_rows(n))
    nx, ny = np.asarray(nx, np.float64), np.asarray(ny, np.float64)
    return (special.digamma(k) + special.digamma(n) - special.digamma(nx + 1)
            - special.digamma(ny + 1))


def ross_mi_terms(x: np.ndarray, codes: np.ndarray, k: int, jitter: float,
                  rng: np.random.Generator) -> np.ndarray:
    """Per-sample terms in nats of the Ross (2014) estimator for continuous x (n, d) and integer
    class codes (n,), one per sample of a class with at least two members.

    t_i = psi(N') + psi(k_i) - psi(N_y,i) - psi(m_i) (N' the samples left, k_i = min(k, N_y,i -
    1), m_i the samples of any class within the max-norm distance to the k_i-th neighbour of
    the same class, itself excluded); their mean is ``knn.mixed_mutual_information`` of the
    same prepared x (columns standardised, then the jitter). The radii come from a k-d tree per
    class, the counts m_i from blocked brute-force distances (``_ball_counts``), faster than
    tree ball queries above two dimensions.
    """
    x = standardised(x, None, jitter, rng)
    sizes = np.bincount(codes)
    valid = sizes[codes] > 1
    k_i = np.clip(sizes[codes] - 1, 1, k)
    radius = np.zeros(x.shape[0])
    for c in np.flatnonzero(sizes > 1):
        rows = np.flatnonzero(codes == c)
        kc = min(k, rows.size - 1)
        dist = cKDTree(x[rows]).query(x[rows], k=kc + 1, p=np.inf)[0]
        radius[rows] = dist[:, kc]
    kept = x[valid]
    with jax.enable_x64(True):
        m = np.asarray(_ball_counts_jit(jnp.asarray(kept), jnp.asarray(radius[valid]),
                                        block=block_rows(kept.shape[0])))
    return (special.digamma(kept.shape[0]) + special.digamma(k_i[valid])
            - special.digamma(sizes[codes][valid]) - special.digamma(np.maximum(m, 1)))



def _ball_counts(x: jax.Array, radius: jax.Array, block: int) -> jax.Array:
    """(n,) the number of other rows j with max-norm |x_j - x_i| <= radius_i, in row blocks."""
    def fn(ids, rows, cols_t, init):
        d = _distances(rows[0], cols_t[0], init, "chebyshev")
        return jnp.sum(d <= radius[ids][:, None], axis=1)

    return _row_blocks(fn, [x], 1, block)


_ball_counts_jit = jax.jit(_ball_counts, static_argnames=("block",))
