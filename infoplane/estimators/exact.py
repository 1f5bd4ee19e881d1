"""The exact information of a layer that takes finitely many values: a quantised network's.

When every unit of a layer T takes finitely many values (a quantised network, Lorenzen, Igel &
Nielsen, ICLR 2022) and X is uniform over the n rows of a data set, T is a deterministic
function of X with a finite range, so nothing needs estimating: counting equal rows gives

    I(X;T) = H(T) = -sum_t p(t) log2 p(t),      p(t) = #{i : T_i = t} / n,
    I(T;Y) = H(T) + H(Y) - H(T, Y),

in bits, exactly (up to float32 rounding of the sums). Two rows are "equal" when every unit has
the identical floating-point value: each column is replaced by the dense rank of its values
(``-0.0`` counted as ``0.0``), and the rows of ranks are counted by the lossless sort of
``binning.codes_information``. No grid, bin width or range is needed, so any quantiser works.

The one caveat is the data set itself: X is uniform over n rows, so I(X;T) <= log2 n, and the
value is the information about *which row* of this data set was drawn, not about a
distribution the rows were sampled from.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .binning import codes_information, rows_entropy_reference


def value_codes(values: jax.Array) -> jax.Array:
    """Dense ranks (n, d) int32 of each column of ``values`` (n, d): equal exactly where the
    float values are equal (``-0.0`` and ``0.0`` alike), in [0, n)."""
    values = jnp.where(values == 0, jnp.zeros((), values.dtype), values)

    def ranks(column):
        return jnp.searchsorted(jnp.sort(column), column, side="left").astype(jnp.int32)

    return jax.vmap(ranks, in_axes=1, out_axes=1)(values)


def exact_information(values: jax.Array, labels: jax.Array, n_classes: int = 2
                      ) -> tuple[jax.Array, jax.Array]:
    """(I(X;T), I(T;Y)) in bits of a layer with finitely many values, X uniform over its rows.

    Args:
        values: (n, d) the layer's values for all n inputs (e.g. a quantised layer).
        labels: (n,) integer class labels in [0, n_classes).
        n_classes: the number of classes (static).

    Returns:
        I(X;T) = H(T) and I(T;Y), scalar float32 arrays in bits; I(X;T) <= log2 n.
    """
    n = values.shape[0]
    return codes_information(value_codes(values), n, labels, n_classes)


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
