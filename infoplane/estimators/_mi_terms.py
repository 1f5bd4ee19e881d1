"""Per-sample terms of two kNN mutual-information estimators, for values with standard errors.

The estimate is the mean of the terms t_i (nats) and ``std(t) / sqrt(n)`` its standard error
(``compressed`` uses them). The inputs are prepared (whitened, non-constant) float64 arrays
(n, dx) and (n, dy); the tie-breaking jitter is added here, relative to each column's s.d.

- Weighted Kozachenko-Leonenko (``kl_weighted``): t_i = t_i^X + t_i^Y - t_i^(X,Y), the terms of
  H(X) + H(Y) - H(X, Y).
- KSG estimator 1 (Kraskov et al. 2004, eq. 8): t_i = psi(k) + psi(n) - psi(n_x,i + 1) -
  psi(n_y,i + 1), max-norm, the same counts as ``knn.ksg_mutual_information``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from scipy import special

from ._knn_kernels import block_rows, ksg_counts_jit
from ._knn_prepare import jittered
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
