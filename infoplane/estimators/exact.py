"""The exact information of a layer that takes finitely many values: a quantised network's.

When every unit of a layer T takes finitely many values (a quantised network, Lorenzen, Igel &
Nielsen, ICLR 2022) and X is uniform over the n rows of a data set, T is a deterministic
function of X with a finite range, so nothing needs estimating: counting equal rows gives

    I(X;T) = H(T) = -sum_t p(t) log2 p(t),      p(t) = #{i : T_i = t} / n,
    I(T;Y) = H(T) + H(Y) - H(T, Y),

in bits, exactly (up to float32 rounding of the sums). Two rows are "equal" when every unit has
the identical floating-point value (``-0.0`` counted as ``0.0``): the rows, with the label as
the last key, are sorted lexicographically in one ``lax.sort``, so equal rows are adjacent and
their runs are counted. No grid, bin width or range is needed, so any quantiser works, and no
hashing is involved. (Packing each column's dense rank into the keys of
``binning.codes_information`` gives the same numbers at 2-3 times the cost: a rank is a
sort and a search per column.)

The one caveat is the data set itself: X is uniform over n rows, so I(X;T) <= log2 n, and the
value is the information about *which row* of this data set was drawn, not about a
distribution the rows were sampled from.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .binning import entropy_of_runs, rows_entropy_reference


def exact_information(values: jax.Array, labels: jax.Array, n_classes: int = 2
                      ) -> tuple[jax.Array, jax.Array]:
    """(I(X;T), I(T;Y)) in bits of a layer with finitely many values, X uniform over its rows.

    Args:
        values: (n, d) the layer's values for all n inputs (e.g. a quantised layer).
        labels: (n,) integer class labels in [0, n_classes).
        n_classes: the number of classes (static).

    Returns:
        I(X;T) = H(T) and I(T;Y) = H(T) + H(Y) - H(T, Y), scalar float32 arrays in bits;
        I(X;T) <= log2 n.
    """
    values = jnp.where(values == 0, jnp.zeros((), values.dtype), values)
    columns = tuple(values[:, j] for j in range(values.shape[1]))
    *rows, ys = jax.lax.sort((*columns, labels), num_keys=len(columns) + 1)
    first = jnp.ones((1,), bool)
    new_t = jnp.concatenate([first, jnp.any(jnp.stack(rows, 1)[1:] != jnp.stack(rows, 1)[:-1],
                                            axis=1)])
    new_ty = new_t | jnp.concatenate([first, ys[1:] != ys[:-1]])
    h_t = entropy_of_runs(new_t)
    p_y = jnp.sum(jax.nn.one_hot(labels, n_classes, dtype=jnp.float32), axis=0) / ys.shape[0]
    h_y = -jnp.sum(jnp.where(p_y > 0, p_y * jnp.log2(jnp.where(p_y > 0, p_y, 1.0)), 0.0))
    return h_t, h_t + h_y - entropy_of_runs(new_ty)


def exact_information_reference(values: np.ndarray, labels: np.ndarray
                                ) -> tuple[float, float]:
    """Slow, obvious reference of ``exact_information`` in NumPy (float64): H(T) from
    ``np.unique`` of the rows, I(T;Y) = H(T) - sum_y p(y) H(T | Y = y)."""
    values = np.where(np.asarray(values) == 0, 0.0, np.asarray(values))
    labels = np.asarray(labels)
    h_t = rows_entropy_reference(values)
    h_t_y = sum((labels == y).mean() * rows_entropy_reference(values[labels == y])
                for y in np.unique(labels))
    return h_t, h_t - h_t_y
