"""The JAX core of the KDE bounds: per-row kernel sums in row blocks, exact or anchored.

The formulas, their sources and the precision notes are in ``kde.py``; this module holds the
compiled computation (``kde_row_terms``, ``kde_information``, ``kde_information_batched``) and
the anchor helpers. All values are in nats.
"""

from __future__ import annotations

import numbers
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import InfoplaneError
from ..defaults import ANCHOR_SEED, NOISE_VAR

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


def anchor_rows(n: int, m: int, seed: int = ANCHOR_SEED) -> np.ndarray:
    """m distinct row indices of n, uniform without replacement, sorted; seeded."""
    if isinstance(m, bool) or not isinstance(m, numbers.Integral) or not 1 < m <= n:
        raise InfoplaneError(f"anchors must be an integer with 1 < anchors <= n = {n}, "
                             f"got {m!r}", usage=True)
    return np.sort(np.random.default_rng(seed).choice(n, size=int(m), replace=False))


@partial(jax.jit, static_argnames=("n_classes", "bound", "chunk_size", "batch_size"))
def kde_information_batched(
    acts: jax.Array,
    labels: jax.Array,
    n_classes: int,
    noise_var=NOISE_VAR,
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
