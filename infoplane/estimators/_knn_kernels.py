"""The JAX kernels of the kNN estimators (``knn``): blocked brute-force distances, the k smallest
per row, and the KSG, Kozachenko-Leonenko and Ross (2014) estimates in nats.

Every function is pure and fixed-shape; the ``*_nats`` ones are vmap-able (``infoplane.plane``
vmaps ``kl_nats`` and ``mixed_nats`` over a run's layers, ``block_rows`` rows per block). They
do no validation, preprocessing or unit conversion: ``knn`` prepares the data and calls them.
The formulas, and why selection avoids ``top_k``, are in the ``knn`` module docstring.
"""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
from jax import lax
from jax.scipy.special import digamma, gammaln

_BLOCK_ELEMENTS = 2**18  # entries of one (block rows x N) distance array: 2 MB in float64, L2-sized
_GROUP = 64  # columns per group in the k-smallest pre-selection


def block_rows(n: int, batch: int = 1) -> int:
    """Rows per block so that one (rows, N) array holds about _BLOCK_ELEMENTS entries."""
    return int(min(max(8, _BLOCK_ELEMENTS // (n * batch)), max(8, n)))


def _distances(rows: jax.Array, cols_t: jax.Array, init: jax.Array, metric: str) -> jax.Array:
    """Distances (B, M) between rows (B, d) and columns cols_t (d, M), one dimension at a time.

    ``init`` (B, M) is 0, or inf for pairs to exclude (self, padding); inf survives both norms.
    Looping over dimensions keeps the largest intermediate at (B, M) for any d.
    """
    rows_t = rows.T
    if metric == "chebyshev":
        def body(j, acc):
            return jnp.maximum(acc, jnp.abs(rows_t[j][:, None] - cols_t[j][None, :]))
    else:
        def body(j, acc):
            return acc + (rows_t[j][:, None] - cols_t[j][None, :]) ** 2
    acc = lax.fori_loop(0, rows.shape[1], body, init, unroll=min(rows.shape[1], 8))
    return acc if metric == "chebyshev" else jnp.sqrt(acc)


def _smallest_by_rounds(d: jax.Array, k: int) -> tuple[jax.Array, jax.Array]:
    """k rounds of (argmin, mask it): for short rows, and much faster than a float64 top_k.

    Excluded entries (inf) are first lowered to the largest finite float so that a taken entry
    (set to inf) is never picked again, even in rows with fewer than k finite entries.
    """
    big = jnp.finfo(d.dtype).max
    d = jnp.minimum(d, big)
    cols = jnp.arange(d.shape[1])
    vals, idxs = [], []
    for _ in range(k):
        j = jnp.argmin(d, axis=1)
        vals.append(jnp.take_along_axis(d, j[:, None], axis=1)[:, 0])
        idxs.append(j)
        d = jnp.where(cols[None, :] == j[:, None], jnp.inf, d)
    vals = jnp.stack(vals, axis=1)
    return jnp.where(vals == big, jnp.inf, vals), jnp.stack(idxs, axis=1)


def k_smallest(d: jax.Array, k: int) -> tuple[jax.Array, jax.Array]:
    """The k smallest entries of each row of d (B, M), ascending, and their column indices.

    Rows are cut into groups of _GROUP columns: the k groups with the smallest minima contain
    the k smallest entries (ties included), so the selection runs on those k * _GROUP candidates
    only. M must be a multiple of _GROUP when M > 4 k _GROUP (see ``_n_cols``).
    """
    b, m = d.shape
    if m <= 4 * k * _GROUP:
        return _smallest_by_rounds(d, k)
    grouped = d.reshape(b, m // _GROUP, _GROUP)
    groups = _smallest_by_rounds(grouped.min(axis=2), k)[1]  # (B, k)
    cand = jnp.take_along_axis(grouped, groups[:, :, None], axis=1).reshape(b, k * _GROUP)
    vals, j = _smallest_by_rounds(cand, k)
    return vals, jnp.take_along_axis(groups, j // _GROUP, axis=1) * _GROUP + j % _GROUP


def _n_cols(n: int, k: int) -> int:
    """Column count after padding to a multiple of _GROUP (only when the pre-selection runs)."""
    return n if n <= 4 * k * _GROUP else -(-n // _GROUP) * _GROUP


def _row_blocks(fn, x_list, k: int, block: int):
    """Apply fn(ids, rows_list, cols_t_list, init) to row blocks; stack outputs to length N.

    Columns are zero-padded to a multiple of _GROUP when the group pre-selection is used; padded
    columns and each row's own column start at inf in ``init`` so they are never neighbours.
    """
    n = x_list[0].shape[0]
    m = _n_cols(n, k)
    cols_t = [jnp.pad(a, ((0, m - n), (0, 0))).T for a in x_list]
    col_ids = jnp.arange(m)
    n_blocks = -(-n // block)

    def one(ids):
        safe = jnp.minimum(ids, n - 1)
        init = jnp.where((ids[:, None] == col_ids[None, :]) | (col_ids[None, :] >= n),
                         jnp.inf, 0.0).astype(x_list[0].dtype)
        return fn(safe, [a[safe] for a in x_list], cols_t, init)

    out = lax.map(one, jnp.arange(n_blocks * block).reshape(n_blocks, block))
    return jax.tree.map(lambda o: o.reshape((n_blocks * block,) + o.shape[2:])[:n], out)


def ksg_counts(x, y, k: int, variant: int, block: int):
    """Marginal neighbour counts (n_x, n_y), int32 (N,), for KSG estimator 1 or 2; vmap-able."""

    def fn(ids, rows, cols_t, init):
        dx = _distances(rows[0], cols_t[0], init, "chebyshev")
        dy = _distances(rows[1], cols_t[1], init, "chebyshev")
        dist, idx = k_smallest(jnp.maximum(dx, dy), k)
        if variant == 1:
            eps = dist[:, -1:]
            return jnp.sum(dx < eps, axis=1), jnp.sum(dy < eps, axis=1)
        ex = jnp.take_along_axis(dx, idx, axis=1).max(axis=1, keepdims=True)
        ey = jnp.take_along_axis(dy, idx, axis=1).max(axis=1, keepdims=True)
        return jnp.sum(dx <= ex, axis=1), jnp.sum(dy <= ey, axis=1)

    return _row_blocks(fn, [x, y], k, block)


def _ksg_nats(x: jax.Array, y: jax.Array, k: int, variant: int, block: int) -> jax.Array:
    """KSG mutual information I(X;Y) in nats for x (N, dx), y (N, dy); pure and vmap-able."""
    n = x.shape[0]
    nx, ny = ksg_counts(x, y, k, variant, block)
    nx, ny = nx.astype(x.dtype), ny.astype(x.dtype)
    if variant == 1:
        return digamma(k) + digamma(n) - jnp.mean(digamma(nx + 1) + digamma(ny + 1))
    return digamma(k) - 1.0 / k + digamma(n) - jnp.mean(digamma(nx) + digamma(ny))


def _kl_radii(x: jax.Array, k: int, metric: str, block: int) -> jax.Array:
    """Distance (N,) from each sample to its k-th nearest neighbour."""

    def fn(ids, rows, cols_t, init):
        return k_smallest(_distances(rows[0], cols_t[0], init, metric), k)[0][:, -1]

    return _row_blocks(fn, [x], k, block)


def knn_radii(x: jax.Array, k: int, metric: str, block: int) -> jax.Array:
    """Distances (N, k) from each sample to its 1st, ..., k-th nearest neighbour; vmap-able."""

    def fn(ids, rows, cols_t, init):
        return k_smallest(_distances(rows[0], cols_t[0], init, metric), k)[0]

    return _row_blocks(fn, [x], k, block)


def log_unit_ball(d: int, metric: str) -> float:
    """log of the volume of the unit ball of R^d in the max-norm or the Euclidean norm."""
    if metric == "chebyshev":
        return d * math.log(2.0)
    return 0.5 * d * math.log(math.pi) - float(gammaln(0.5 * d + 1.0))


def _kl_from_radii(r: jax.Array, d: int, k: int, metric: str) -> jax.Array:
    n = r.shape[0]
    return digamma(n) - digamma(k) + log_unit_ball(d, metric) + d * jnp.mean(jnp.log(r))


def kl_nats(x: jax.Array, k: int, metric: str, block: int) -> jax.Array:
    """Kozachenko-Leonenko entropy H(X) in nats for x (N, d); pure and vmap-able."""
    return _kl_from_radii(_kl_radii(x, k, metric, block), x.shape[1], k, metric)


def mixed_nats(x: jax.Array, codes: jax.Array, k: int, block: int) -> jax.Array:
    """Ross (2014) I(X;Y) in nats for x (N, d) and integer labels codes (N,); vmap-able.

    Returns nan when no class has two members; the public function rejects that case first.
    """
    ordered = jnp.sort(codes)
    size = (jnp.searchsorted(ordered, codes, side="right")
            - jnp.searchsorted(ordered, codes, side="left"))
    valid = size > 1
    k_i = jnp.clip(size - 1, 1, k)
    m = _n_cols(x.shape[0], k)
    codes_cols = jnp.pad(codes, (0, m - x.shape[0]), constant_values=-1)
    valid_cols = jnp.pad(valid, (0, m - x.shape[0]))

    def fn(ids, rows, cols_t, init):
        init = jnp.where(valid_cols[None, :], init, jnp.inf)
        d = _distances(rows[0], cols_t[0], init, "chebyshev")
        same = jnp.where(codes[ids][:, None] == codes_cols[None, :], d, jnp.inf)
        r = jnp.take_along_axis(k_smallest(same, k)[0], k_i[ids][:, None] - 1, axis=1)
        return jnp.sum(d <= r, axis=1)

    m_i = _row_blocks(fn, [x], k, block).astype(x.dtype)
    n_valid = jnp.sum(valid)
    terms = jnp.where(valid, digamma(k_i.astype(x.dtype)) - digamma(size.astype(x.dtype))
                      - digamma(jnp.maximum(m_i, 1.0)), 0.0)
    return digamma(n_valid.astype(x.dtype)) + jnp.sum(terms) / n_valid


_ksg_jit = jax.jit(_ksg_nats, static_argnames=("k", "variant", "block"))
_kl_jit = jax.jit(_kl_radii, static_argnames=("k", "metric", "block"))
_mixed_jit = jax.jit(mixed_nats, static_argnames=("k", "block"))
radii_jit = jax.jit(knn_radii, static_argnames=("k", "metric", "block"))
ksg_counts_jit = jax.jit(ksg_counts, static_argnames=("k", "variant", "block"))


@partial(jax.jit, static_argnames=("k", "variant", "block"))
def _ksg_vmapped(xb, yb, k, variant, block):
    return jax.vmap(lambda a, b: _ksg_nats(a, b, k, variant, block))(xb, yb)
