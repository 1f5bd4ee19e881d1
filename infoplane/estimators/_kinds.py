"""The kind of a sample array (discrete or continuous) and the label forms estimators take.

An array is discrete ("d") when its dtype is integer, unsigned, boolean or string, and
continuous ("c") when it is floating point; the ``discrete=`` / ``discrete_x=`` arguments of the
public functions override the detection. The registry (``_registry``) says which methods take
which kinds.
"""

from __future__ import annotations

import numpy as np

from .._errors import InfoplaneError

KIND_NAMES = {"d": "discrete", "c": "continuous"}


def data_kind(x, override, name: str) -> str:
    """"d" or "c" for the samples x (see the module docstring), after the override.

    Args:
        x: the samples, any array-like.
        override: None to detect; True for discrete, False for continuous.
        name: the argument's name, for messages ("x", "y", "xs[0]", ...).
    """
    if override is not None:
        if not isinstance(override, (bool, np.bool_)):
            raise InfoplaneError(f"discrete_{name} must be True, False or None, got {override!r}")
        return "d" if override else "c"
    kind = np.asarray(x).dtype.kind
    if kind in "biuUS":
        return "d"
    if kind == "f":
        return "c"
    raise InfoplaneError(f"{name} must be a numeric (or string) array, got dtype kind {kind!r}")


def integer_ids(x) -> np.ndarray:
    """Integer symbols for discrete samples: integer and boolean arrays as they are, other rows
    (strings, float codes) as ids (n,) equal exactly where the rows are equal."""
    arr = np.asarray(x)
    if arr.dtype.kind in "biu":
        return arr
    flat = arr.reshape(arr.shape[0], -1) if arr.ndim > 1 else arr[:, None]
    return np.unique(flat, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def labels_1d(y) -> np.ndarray:
    """Discrete samples as labels: a one-column array flattened to (n,); several columns through
    :func:`integer_ids`, which gives one joint symbol per row unless the dtype is integer or
    boolean (those stay (n, d), and the label estimators reject them)."""
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] > 1:
        return integer_ids(arr)
    return arr.reshape(-1) if arr.ndim == 2 else arr
