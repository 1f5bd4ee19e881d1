"""k-nearest-neighbour estimators of differential entropy and mutual information, in JAX.

Three estimators, all built on the distance from each sample to its k-th nearest neighbour:

* Kozachenko-Leonenko entropy (Kozachenko & Leonenko 1987; Kraskov et al. 2004, eq. 20)::

      H(X) = psi(N) - psi(k) + log c_d + (d / N) sum_i log r_i

  with r_i the distance to the k-th neighbour and c_d the volume of the unit ball
  (2^d for the max-norm, pi^(d/2) / Gamma(d/2 + 1) for the Euclidean norm).
* Kraskov-Stoegbauer-Grassberger (Kraskov, Stoegbauer & Grassberger 2004, eqs. 8 and 9),
  max-norm in the joint space Z = (X, Y) and in each marginal::

      KSG1: I = psi(k) + psi(N) - < psi(n_x + 1) + psi(n_y + 1) >      (counts strictly < eps_i)
      KSG2: I = psi(k) - 1/k + psi(N) - < psi(n_x) + psi(n_y) >       (counts <= eps_x,i, eps_y,i)

* Continuous X, discrete labels Y (Ross 2014, PLoS ONE 9:e87357, eq. 2)::

      I = psi(N) - < psi(N_y) > + < psi(k_i) > - < psi(m_i) >

  r_i is the distance to the k-th neighbour among samples with the same label, N_y the size of
  that class and m_i the number of samples of any label within r_i (the neighbours included).
  A class with N_y <= k members uses k_i = N_y - 1; samples of a class with a single member carry
  no within-class distance and are left out (N counts only the rest), as in scikit-learn.

Distances are brute force, computed in row blocks (``lax.map``) against all N samples, so memory
is O(block x N), never O(N^2); each block keeps its k smallest distances (a group-minimum
pre-selection, then k rounds of argmin: XLA's float64 ``top_k`` is very slow on CPU) and counts
its marginal neighbours before the next block.
The kernels live in ``_knn_kernels``: its ``*_nats`` functions are pure, fixed-shape and
vmap-able; ``ksg_batched`` uses them. The checks, transform, standardisation and jitter below
are in ``_knn_prepare``.

Ties (ReLU zeros, discrete inputs) break these estimators: zero distances give log 0 and
ill-defined counts. The public functions therefore add ``jitter`` x (the column's standard
deviation) x N(0, 1) noise drawn from ``numpy.random.default_rng(seed)``: the result is a
deterministic function of (data, seed), and the seed is recorded in the settings. The work runs in
float64 (a scoped ``jax.enable_x64``) so that a jitter of 1e-10 actually separates tied values.
Standard errors are not given (``stderr=None``): the per-sample terms are not independent.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import InfoplaneError, check_choice, check_positive_int
from ..defaults import JITTER, SEED, K
from ._interface import (
    Estimate,
    as_samples,
    check_same_n,
    check_unit,
    from_nats,
    negative_warning,
)
from ._knn_kernels import _kl_from_radii, _kl_jit, _ksg_jit, _ksg_vmapped, _mixed_jit, block_rows
from ._knn_prepare import asinh_transform, check_settings, jittered, standardised

METRICS = ("chebyshev", "euclidean")


# ----------------------------------------------------------------------------- the record


def _finish(nats: float, unit: str, method: str, quantity: str, n: int, settings: dict,
            warnings: tuple[str, ...] = ()) -> Estimate:
    value = float(from_nats(nats, unit))
    if quantity == "mutual_information":
        warnings = negative_warning(value, method) + warnings
    return Estimate(value, unit, method, quantity, n, settings, None, warnings)


# ----------------------------------------------------------------------------- public API


def knn_entropy(x, *, k: int = K, metric: str = "chebyshev", transform: str | None = None,
                unit: str = "bits", jitter: float = JITTER, seed: int = SEED) -> Estimate:
    """Kozachenko-Leonenko differential entropy H(X) of continuous samples (method "kl").

    Args:
        x: samples of shape (N,) or (N, d).
        k: the neighbour order; 3 is the usual bias/variance compromise.
        metric: "chebyshev" (max-norm, as in KSG) or "euclidean".
        transform: None, or "asinh" for heavy tails: u = asinh((x - median) / (IQR / 1.349))
            per column, with the exact change-of-variables term E[-log |du/dx|] added back, so
            the result is still H(X).
        unit: "bits" or "nats".
        jitter: tie-breaking noise in units of each column's standard deviation.
        seed: the seed of that noise.

    Returns:
        An ``Estimate`` of the differential entropy (which may be negative).

    Raises:
        InfoplaneError: bad shapes, NaN/inf, k >= N, a constant column (its differential entropy
            is -inf) or duplicate samples with ``jitter=0``.
    """
    x = as_samples(x, "x").astype(np.float64)
    n, d = x.shape
    k, jitter, seed = check_settings(k, n, jitter, seed, transform)
    check_choice("metric", metric, METRICS)
    check_unit(unit)
    constant = np.flatnonzero(np.ptp(x, axis=0) == 0)
    if constant.size:
        raise InfoplaneError(f"x has constant column(s) {constant.tolist()}: a constant has "
                             "differential entropy -inf; drop those columns")
    log_jac = np.zeros(n)
    if transform == "asinh":
        x, log_jac = asinh_transform(x)
    x = jittered(x, jitter, np.random.default_rng(seed))
    with jax.enable_x64(True):
        r = _kl_jit(jnp.asarray(x), k=k, metric=metric, block=block_rows(n))
        zeros = int(jnp.sum(r == 0))
        nats = float(_kl_from_radii(r, d, k, metric)) - float(np.mean(log_jac))
    if zeros:
        raise InfoplaneError(f"{zeros} samples have {k} or more exact duplicates, so their "
                             "k-th neighbour distance is 0; use jitter > 0 or a smaller k")
    settings = {"k": k, "metric": metric, "transform": transform, "jitter": jitter, "seed": seed}
    return _finish(nats, unit, "kl", "entropy", n, settings)


def ksg_mutual_information(x, y, *, k: int = K, variant: int = 1, transform: str | None = None,
                           unit: str = "bits", jitter: float = JITTER,
                           seed: int = SEED) -> Estimate:
    """Kraskov-Stoegbauer-Grassberger mutual information I(X;Y) (methods "ksg1", "ksg2").

    Each column is centred and scaled to unit variance first (the max-norm mixes columns, and
    I(X;Y) is invariant to such rescaling); constant columns carry no information and are
    dropped. If all columns of x or of y are constant the estimate is exactly 0.

    Args:
        x: samples of shape (N,) or (N, dx).
        y: samples of shape (N,) or (N, dy).
        k: the neighbour order in the joint space.
        variant: 1 (KSG eq. 8, lower variance) or 2 (eq. 9, lower bias in high dimension).
        transform: None, or "asinh" (per column, see ``knn_entropy``) for heavy tails; an
            invertible map of each column leaves I(X;Y) unchanged but helps the estimator.
        unit: "bits" or "nats".
        jitter: tie-breaking noise in units of each column's standard deviation.
        seed: the seed of that noise.

    Returns:
        An ``Estimate``; a negative value comes with a warning.
    """
    x = as_samples(x, "x").astype(np.float64)
    y = as_samples(y, "y").astype(np.float64)
    n = check_same_n(x=x, y=y)
    k, jitter, seed = check_settings(k, n, jitter, seed, transform)
    check_choice("variant", variant, (1, 2))
    check_unit(unit)
    method = f"ksg{variant}"
    settings = {"k": k, "variant": variant, "transform": transform, "jitter": jitter,
                "seed": seed, "metric": "chebyshev"}
    keep_x, keep_y = np.ptp(x, axis=0) > 0, np.ptp(y, axis=0) > 0
    if not keep_x.any() or not keep_y.any():
        return _finish(0.0, unit, method, "mutual_information", n, settings,
                       ("x or y is constant, so I(X;Y) = 0 exactly",))
    rng = np.random.default_rng(seed)
    x = standardised(x[:, keep_x], transform, jitter, rng)
    y = standardised(y[:, keep_y], transform, jitter, rng)
    with jax.enable_x64(True):
        nats = float(_ksg_jit(jnp.asarray(x), jnp.asarray(y), k=k, variant=variant,
                              block=block_rows(n)))
    return _finish(nats, unit, method, "mutual_information", n, settings)


def mixed_mutual_information(x, labels, *, k: int = K, transform: str | None = None,
                             unit: str = "bits", jitter: float = JITTER,
                             seed: int = SEED) -> Estimate:
    """Mutual information I(X;Y) between continuous x and discrete labels (method "knn_mixed").

    Ross (2014). Columns of x are standardised as in ``ksg_mutual_information``. Any label
    values are accepted (ints, strings, bools). A class with at most k members uses
    k_i = (its size - 1); samples of single-member classes are left out; both are reported
    in the warnings.

    Args:
        x: samples of shape (N,) or (N, d).
        labels: discrete labels of shape (N,), e.g. class indices, for I(T;Y).
        k: the neighbour order within a class.
        transform: None or "asinh" (see ``ksg_mutual_information``).
        unit: "bits" or "nats".
        jitter: tie-breaking noise in units of each column's standard deviation.
        seed: the seed of that noise.
    """
    x = as_samples(x, "x").astype(np.float64)
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise InfoplaneError(f"labels must have shape (n,), got shape {labels.shape}; "
                             "pass class indices, not one-hot rows")
    n = check_same_n(x=x, labels=labels)
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise InfoplaneError("labels contain NaN or inf; remove those samples")
    k, jitter, seed = check_settings(k, n, jitter, seed, transform)
    check_unit(unit)
    classes, codes, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    if sizes.max() < 2:
        raise InfoplaneError("every label occurs once, so no within-class distance exists; "
                             "labels must be discrete classes with at least 2 samples each")
    settings = {"k": k, "transform": transform, "jitter": jitter, "seed": seed,
                "metric": "chebyshev", "n_classes": int(classes.size)}
    warnings = ()
    if sizes.min() <= k:
        warnings = (f"{int(np.sum(sizes <= k))} class(es) have <= k={k} members: they use "
                    f"k = size - 1 and {int(np.sum(sizes == 1))} singleton class(es) are "
                    "left out",)
    keep = np.ptp(x, axis=0) > 0
    if not keep.any():
        return _finish(0.0, unit, "knn_mixed", "mutual_information", n, settings,
                       ("x is constant, so I(X;Y) = 0 exactly",) + warnings)
    x = standardised(x[:, keep], transform, jitter, np.random.default_rng(seed))
    with jax.enable_x64(True):
        nats = float(_mixed_jit(jnp.asarray(x), jnp.asarray(codes.astype(np.int32)), k=k,
                                block=block_rows(n)))
    h_labels = float(-np.sum(sizes / n * np.log(sizes / n)))
    if nats > h_labels:
        warnings += (f"the estimate exceeds the plug-in entropy of the labels "
                     f"({from_nats(h_labels, unit):.4g} {unit}), the most I(X;Y) can be",)
    return _finish(nats, unit, "knn_mixed", "mutual_information", n, settings, warnings)


def ksg_batched(x_batch, y_batch, *, k: int = K, variant: int = 1) -> np.ndarray:
    """KSG I(X;Y) in nats for a batch of pairs (layers, epochs) in one compiled, vmapped call.

    No preprocessing is applied (no standardising, jitter or column dropping): pass prepared
    float arrays of shapes (B, N, dx) and (B, N, dy). Runs in float64 (scoped x64).

    Returns:
        An array (B,) of estimates in nats.
    """
    xb = np.asarray(x_batch, dtype=np.float64)
    yb = np.asarray(y_batch, dtype=np.float64)
    if xb.ndim != 3 or yb.ndim != 3 or xb.shape[:2] != yb.shape[:2]:
        raise InfoplaneError(f"x_batch and y_batch must have shapes (B, N, dx) and (B, N, dy) "
                             f"with equal B and N, got {xb.shape} and {yb.shape}")
    if not (np.all(np.isfinite(xb)) and np.all(np.isfinite(yb))):
        raise InfoplaneError("x_batch or y_batch contains NaN or inf")
    k = check_positive_int("k", k)
    if k >= xb.shape[1]:
        raise InfoplaneError(f"k={k} must be smaller than the number of samples n={xb.shape[1]}")
    check_choice("variant", variant, (1, 2))
    with jax.enable_x64(True):
        return np.asarray(_ksg_vmapped(jnp.asarray(xb), jnp.asarray(yb), k=k, variant=variant,
                                       block=block_rows(xb.shape[1], xb.shape[0])))
