"""The weighted Kozachenko-Leonenko entropy estimator (method "kl_weighted").

Berrett, Samworth & Yuan (2019), "Efficient multivariate entropy estimation via k-nearest
neighbour distances", Ann. Statist. 47:288. With rho_(j),i the Euclidean distance from X_i to
its j-th nearest neighbour among the other n - 1 samples and V_d the volume of the unit ball,

    xi_(j),i = exp(-psi(j)) V_d (n - 1) rho_(j),i^d,      H_n,j = (1/n) sum_i log xi_(j),i,

and the estimate is H_w = sum_j w_j H_n,j. The plain estimator (w = e_k) has a bias of order
n^(-2/d) + n^(-4/d) + ... in dimension d; the weights cancel those terms up to the order of the
dimension: sum_j w_j = 1 and, for l = 1, ..., floor(d/4),

    sum_j w_j Gamma(j + 2l/d) / Gamma(j) = 0,

with w_j = 0 unless j is one of floor(k/d), floor(2k/d), ..., k (their set W^(k)). Among the
weights that satisfy those equations we take the one of least Euclidean norm (the variance of
sum_j w_j H_n,j grows with |w|), as the paper suggests. For d <= 3 no term needs cancelling and
the estimator is the plain one with k neighbours. With floor(d/4) + 1 > (number of allowed j)
the equations have no solution: raise k.

Standard error: the estimator is efficient (their Theorem 1), sqrt(n) (H_w - H) -> N(0,
Var log f(X)). We report std_i(t_i) / sqrt(n), t_i = sum_j w_j log xi_(j),i the per-sample terms.
Each t_i is -log f(X_i) plus the noise of its neighbour distances (variance about psi'(k)), so the
standard error is conservative (somewhat too large), never too small from that source.

Distances are computed as in ``knn`` (blocked, brute force, JAX, float64); ties are broken by the
same relative jitter, drawn with ``seed``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from scipy import special

from .._errors import InfoplaneError
from ..defaults import JITTER, KL_WEIGHTED_K, SEED
from ._interface import Estimate, as_samples, check_unit, from_nats
from ._knn_kernels import block_rows, log_unit_ball, radii_jit
from ._knn_prepare import check_settings, jittered


def kl_weights(d: int, k: int) -> np.ndarray:
    """The weights w (k,) of Berrett, Samworth & Yuan (2019) for dimension d and k neighbours.

    The least-norm solution of sum_j w_j = 1 and sum_j w_j Gamma(j + 2l/d) / Gamma(j) = 0
    (l = 1..floor(d/4)) with w_j = 0 for j outside {floor(i k / d) : i = 1..d} (module docstring).

    Raises:
        InfoplaneError: when k allows fewer neighbour orders than there are equations.
    """
    n_terms = d // 4
    w = np.zeros(k)
    if n_terms == 0:
        w[-1] = 1.0
        return w
    allowed = sorted({(i * k) // d for i in range(1, d + 1)} - {0} | {k})
    if len(allowed) < n_terms + 1:
        need = next(kk for kk in range(k + 1, 10 * d + 2)
                    if len({(i * kk) // d for i in range(1, d + 1)} - {0} | {kk}) > n_terms)
        raise InfoplaneError(f"the weighted KL estimator in {d} dimensions cancels {n_terms} bias "
                             f"terms, which needs k >= {need}; got k={k}")
    j = np.asarray(allowed, dtype=np.float64)
    rows = [np.ones_like(j)] + [np.exp(special.gammaln(j + 2 * l / d) - special.gammaln(j))
                                for l in range(1, n_terms + 1)]
    rhs = np.zeros(len(rows))
    rhs[0] = 1.0
    w_allowed = np.linalg.lstsq(np.stack(rows), rhs, rcond=None)[0]  # least norm: underdetermined
    w[np.asarray(allowed) - 1] = w_allowed
    return w


def weighted_kl_terms(x: np.ndarray, k: int) -> np.ndarray:
    """Per-sample terms t_i = sum_j w_j log xi_(j),i (n,) in nats of prepared samples x (n, d).

    No validation, jitter or transform: ``weighted_kl_entropy`` does those. H_w = mean(t).
    """
    n, d = x.shape
    w = kl_weights(d, k)
    with jax.enable_x64(True):
        r = np.asarray(radii_jit(jnp.asarray(x, jnp.float64), k=k, metric="euclidean",
                                 block=block_rows(n)))
    if np.any(r == 0):
        raise InfoplaneError(f"{int(np.sum(np.any(r == 0, axis=1)))} samples have exact "
                             "duplicates among their k nearest neighbours; use jitter > 0")
    j = np.arange(1, k + 1)
    log_xi = (-special.digamma(j)[None, :] + log_unit_ball(d, "euclidean") + math.log(n - 1)
              + d * np.log(r))
    return log_xi @ w


def weighted_kl_entropy(x, *, k: int = KL_WEIGHTED_K, unit: str = "bits", jitter: float = JITTER,
                        seed: int = SEED) -> Estimate:
    """Differential entropy H(X) by the weighted Kozachenko-Leonenko estimator ("kl_weighted").

    Args:
        x: samples (n,) or (n, d), continuous.
        k: the largest neighbour order used; weights on orders 1..k cancel the bias terms.
        unit: "bits" or "nats".
        jitter: tie-breaking noise in units of each column's standard deviation.
        seed: the seed of that noise.

    Returns:
        An Estimate, method "kl_weighted", quantity "entropy", with a (conservative) standard
        error and the weights in its settings.

    Raises:
        InfoplaneError: bad shapes, NaN/inf, k >= n, a constant column (differential entropy
            -inf), k too small for the dimension, exact duplicates with jitter=0.
    """
    x = as_samples(x, "x").astype(np.float64)
    n, d = x.shape
    k, jitter, seed = check_settings(k, n, jitter, seed, None)
    check_unit(unit)
    constant = np.flatnonzero(np.ptp(x, axis=0) == 0)
    if constant.size:
        raise InfoplaneError(f"x has constant column(s) {constant.tolist()}: a constant has "
                             "differential entropy -inf; drop those columns")
    t = weighted_kl_terms(jittered(x, jitter, np.random.default_rng(seed)), k)
    settings = {"k": k, "weights": kl_weights(d, k).round(6).tolist(), "metric": "euclidean",
                "jitter": jitter, "seed": seed}
    return Estimate(float(from_nats(t.mean(), unit)), unit, "kl_weighted", "entropy", n,
                    settings, float(from_nats(t.std(ddof=1) / math.sqrt(n), unit)))
