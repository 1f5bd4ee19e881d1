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
import numbers
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import InfoplaneError, check_choice, check_positive_real
from ._interface import (
    Estimate,
    as_samples,
    check_same_n,
    check_unit,
    from_nats,
    negative_warning,
    saturation_warning,
)

BOUNDS = ("upper", "lower")
# The exponent is -||h_i - h_j||^2 / (c * s2): c = 2 for the KL divergence, 8 for Bhattacharyya.
_EXPONENT_SCALE = {"upper": 2.0, "lower": 8.0}
# Kernel elements held at once by one block of rows (16 MiB in float32).
_BLOCK_ELEMENTS = 1 << 22


def default_chunk_size(n: int) -> int:
    """Rows per block so that one block's (block, n) kernel has about 4M elements."""
    return max(1, min(n, _BLOCK_ELEMENTS // max(n, 1)))


def _sides(x: jax.Array, scale_var) -> tuple[jax.Array, jax.Array]:
    """``left``, ``right`` (n, d + 2) such that left_i . right_j = -||x_i - x_j||^2 / scale_var.

    left = [2 x / scale_var, -|x|^2 / scale_var, 1], right = [x, 1, -|x|^2 / scale_var]: one
    matmul gives a block of exponents (measured ~15% faster than forming the distances). Its
    round-off is about eps |h|^2 / s2 (float32: eps = 6e-8); the self term, which would carry
    that error, is set to exactly exp(0) = 1 so that I(X;T) <= log n holds at any precision.
    """
    sq = jnp.sum(x * x, axis=1, keepdims=True)
    one = jnp.ones_like(sq)
    return (jnp.concatenate([x * (2.0 / scale_var), -sq / scale_var, one], axis=1),
            jnp.concatenate([x, one, -sq / scale_var], axis=1))


def _kernel(left, right, self_mask) -> jax.Array:
    """exp of the exponents left @ right.T (clipped at 0), with exact 1 where self_mask."""
    hi = jax.lax.Precision.HIGHEST
    exponent = jnp.minimum(jnp.matmul(left, right.T, precision=hi), 0.0)
    return jnp.exp(jnp.where(self_mask, 0.0, exponent))


def _class_sums(left, right, onehot, rows, block: int) -> jax.Array:
    """(m, C): sum_{j in class c} k_ij for the rows i in ``rows`` (m,), against all n rows.

    Computed in blocks of ``block`` rows (``lax.map``), so memory is O(block * n). Forming
    each symmetric block pair once instead (half the exponentials) measured 1.5x *slower*
    here at n = 4096: XLA splits the large row blocks over both cores, not the small squares.
    """
    m = rows.shape[0]
    block = min(block, m)
    nb = -(-m // block)
    padded = jnp.pad(rows, (0, nb * block - m))  # padding repeats row 0; dropped below
    columns = jnp.arange(right.shape[0])
    hi = jax.lax.Precision.HIGHEST

    def one(ids):
        k = _kernel(left[ids], right, ids[:, None] == columns[None, :])
        return jnp.matmul(k, onehot, precision=hi)

    return jax.lax.map(one, padded.reshape(nb, block)).reshape(nb * block, -1)[:m]


@partial(jax.jit, static_argnames=("n_classes", "bound", "chunk_size"))
def kde_row_terms(
    acts: jax.Array,
    labels: jax.Array,
    n_classes: int,
    noise_var,
    bound: str = "upper",
    *,
    rows: jax.Array | None = None,
    chunk_size: int | None = None,
) -> tuple[jax.Array, jax.Array]:
    """Per-row terms whose means are the KDE I(X;T) and I(T;Y), in nats; jit- and vmap-able.

    With s_i = sum_j k_ij and o_i = sum_{j: y_j = y_i} k_ij (k_ii = 1 included), the terms
    of row i are log n - log s_i and log(o_i / n_{y_i}) - log(s_i / n): I(X;T) and I(T;Y)
    are their means over all n rows (module docstring).

    Args:
        acts: (n, d) float activations for the n inputs (X uniform over them).
        labels: (n,) integer labels in [0, n_classes). Pass zeros and n_classes=1 if unused.
        n_classes: the number of classes (static).
        noise_var: the noise variance s2 > 0 (may be traced).
        bound: "upper" (KL, exponent 2 s2) or "lower" (Bhattacharyya, exponent 8 s2); static.
        rows: None for all n rows; or (m,) row indices ("anchors"), each summed against all
            n rows, which costs about m / n of a full pass and gives a sample of the terms
            (see ``kde_information``).
        chunk_size: rows per block (default: about 4M kernel elements per block); static.

    Returns:
        Two (n,) or (m,) arrays: the I(X;T) and I(T;Y) terms of each row.
    """
    n = acts.shape[0]
    x = acts - jnp.mean(acts, axis=0)  # centring keeps the |a|^2 + |b|^2 - 2ab form accurate
    onehot = jax.nn.one_hot(labels, n_classes, dtype=x.dtype)
    counts = jnp.sum(onehot, axis=0)
    scale_var = _EXPONENT_SCALE[bound] * jnp.asarray(noise_var, x.dtype)
    left, right = _sides(x, scale_var)
    rows = jnp.arange(n) if rows is None else jnp.asarray(rows, jnp.int32)
    sums = _class_sums(left, right, onehot, rows, chunk_size or default_chunk_size(n))
    own_labels = labels[rows]
    log_all = jnp.log(jnp.sum(sums, axis=1))
    log_own = jnp.log(jnp.take_along_axis(sums, own_labels[:, None], axis=1)[:, 0])
    log_n = jnp.log(jnp.asarray(n, x.dtype))
    return log_n - log_all, log_own - jnp.log(counts[own_labels]) - log_all + log_n


@partial(jax.jit, static_argnames=("n_classes", "bound", "chunk_size"))
def kde_information(
    acts: jax.Array,
    labels: jax.Array,
    n_classes: int,
    noise_var,
    bound: str = "upper",
    *,
    rows: jax.Array | None = None,
    chunk_size: int | None = None,
) -> tuple[jax.Array, jax.Array]:
    """KDE bounds (I(X;T), I(T;Y)) in nats for one layer; jit-able and vmap-able.

    Args:
        acts, labels, n_classes, noise_var, bound, chunk_size: as in :func:`kde_row_terms`.
        rows: None (default) for the exact values. Or (m,) distinct row indices drawn
            uniformly without replacement: the means over those rows are then unbiased
            estimates of the exact values, with standard error
            std(terms) * sqrt((1 - m / n) / m); see :func:`anchored_stderr`.

    Returns:
        I(X;T) and I(T;Y) in nats, scalar arrays. See the module docstring for the formulas.
    """
    t_xt, t_ty = kde_row_terms(acts, labels, n_classes, noise_var, bound, rows=rows,
                               chunk_size=chunk_size)
    return jnp.mean(t_xt), jnp.mean(t_ty)


def anchored_stderr(terms: jax.Array, n: int) -> jax.Array:
    """Standard error of the mean of m terms sampled without replacement from n rows.

    ``terms`` (..., m); returns (...): std * sqrt((1 - m / n) / m), which is 0 when m = n.
    """
    m = terms.shape[-1]
    return jnp.std(terms, axis=-1, ddof=1) * jnp.sqrt(max(0.0, 1.0 - m / n) / m)


def anchor_rows(n: int, m: int, seed: int = 0) -> np.ndarray:
    """m distinct row indices of n, uniform without replacement, sorted; seeded."""
    if isinstance(m, bool) or not isinstance(m, numbers.Integral) or not 1 < m <= n:
        raise InfoplaneError(f"anchors must be an integer with 1 < anchors <= n = {n}, "
                             f"got {m!r}")
    return np.sort(np.random.default_rng(seed).choice(n, size=int(m), replace=False))


@partial(jax.jit, static_argnames=("n_classes", "bound", "chunk_size", "batch_size"))
def kde_information_batched(
    acts: jax.Array,
    labels: jax.Array,
    n_classes: int,
    noise_var=0.1,
    bound: str = "upper",
    *,
    rows: jax.Array | None = None,
    chunk_size: int | None = None,
    batch_size: int | None = None,
) -> tuple[jax.Array, jax.Array]:
    """KDE (I(X;T), I(T;Y)) in nats for many layers/epochs/seeds in one compiled call.

    Args:
        acts: (..., n, d) activations; leading axes are e.g. (seeds, epochs). Layers of
            different widths can share one array by zero-padding units: constant columns do
            not change pairwise distances, so I(X;T) and I(T;Y) are unchanged.
        labels: (n,) integer labels in [0, n_classes), shared by all leading entries.
        n_classes, noise_var, bound, rows, chunk_size: as in :func:`kde_information`; the
            same anchor rows serve every entry.
        batch_size: leading entries evaluated together with ``vmap`` inside ``lax.map``;
            None runs them one after another, which keeps memory at one block's kernel.

    Returns:
        Two arrays of shape ``acts.shape[:-2]``: I(X;T) and I(T;Y) in nats.
    """
    lead = acts.shape[:-2]
    flat = acts.reshape((-1,) + acts.shape[-2:])

    def one(a):
        return kde_information(a, labels, n_classes, noise_var, bound, rows=rows,
                               chunk_size=chunk_size)

    i_xt, i_ty = jax.lax.map(one, flat, batch_size=batch_size)
    return i_xt.reshape(lead), i_ty.reshape(lead)


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


def _check_noise_var(noise_var) -> float:
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
    noise_var = _check_noise_var(noise_var)
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


def kde_entropy(x, *, noise_var: float = 0.1, bound: str = "upper", unit: str = "bits") -> Estimate:
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
    return Estimate(from_nats(h, unit), unit, f"kde_{bound}", "entropy", n, settings)


def kde_mutual_information(
    x, labels=None, *, noise_var: float = 0.1, bound: str = "upper", unit: str = "bits"
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
    return Estimate(
        value, unit, f"kde_{bound}", "mutual_information", n, settings, warnings=warnings
    )


__all__ = [
    "BOUNDS",
    "default_chunk_size",
    "kde_entropy",
    "kde_information",
    "kde_information_batched",
    "kde_information_reference",
    "kde_mutual_information",
    "kde_row_terms",
    "anchor_rows",
    "anchored_stderr",
]
