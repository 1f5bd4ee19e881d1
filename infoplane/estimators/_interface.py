"""The protocol of the estimators: the record every estimator returns (:class:`Estimate`), the
entry every method has in the registry (:class:`Method`), units, and shared input validation.

This module is the leaf of the estimator package: every estimator imports from it and it
imports from no estimator.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from .._errors import InfoplaneError, check_choice
from ._warnings import saturation_warning  # noqa: F401  (kde, renyi and discrete use it)

LN2 = math.log(2.0)
UNITS = ("bits", "nats")
BOUNDS = ("lower", "upper", None)


def check_unit(unit: str) -> str:
    """Return ``unit`` if it is "bits" or "nats", else raise a clear error."""
    check_choice("unit", unit, UNITS)
    return unit


def from_nats(value, unit: str):
    """Convert a value in nats to ``unit`` ("bits" or "nats"). Works on floats and arrays."""
    return value / LN2 if check_unit(unit) == "bits" else value


def from_bits(value, unit: str):
    """Convert a value in bits to ``unit`` ("bits" or "nats")."""
    return value * LN2 if check_unit(unit) == "nats" else value


@dataclass(frozen=True)
class Estimate:
    """One estimate of an information quantity.

    Attributes:
        value: the estimate, in ``unit``.
        unit: "bits" or "nats".
        method: the estimator that produced it, e.g. "plugin", "ksg1", "kde_upper".
        quantity: what was estimated, e.g. "entropy", "mutual_information".
        n: the number of samples used.
        settings: the estimator's settings as used (bins, k, noise variance, seed, ...).
        stderr: a standard error in ``unit`` where the method provides one, else None.
        warnings: human-readable caveats, e.g. saturation at log2(n) or a negative estimate.
        bound: what the number is: "lower" (a bound below the quantity, up to its standard
            error: the probe bound, InfoNCE, NWJ, the KDE lower bound of a noisy layer),
            "upper" (the KDE upper bound) or None (an estimate, biased either way).

    ``float(estimate)`` is the value, so an ``Estimate`` can be used where a number is expected.
    """

    value: float
    unit: str
    method: str
    quantity: str
    n: int
    settings: dict[str, Any] = field(default_factory=dict)
    stderr: float | None = None
    warnings: tuple[str, ...] = ()
    bound: str | None = None

    def __post_init__(self):
        if self.bound not in BOUNDS:
            raise InfoplaneError(f"bound must be one of {BOUNDS}, got {self.bound!r}")

    def __float__(self) -> float:
        return float(self.value)

    def to(self, unit: str) -> Estimate:
        """The same estimate expressed in another unit."""
        check_unit(unit)
        if unit == self.unit:
            return self
        factor = LN2 if unit == "nats" else 1.0 / LN2
        stderr = None if self.stderr is None else self.stderr * factor
        return Estimate(
            self.value * factor,
            unit,
            self.method,
            self.quantity,
            self.n,
            dict(self.settings),
            stderr,
            self.warnings,
            self.bound,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dictionary of the record."""
        return {
            "value": float(self.value) if np.ndim(self.value) == 0 else np.asarray(
                self.value, dtype=float).tolist(),
            "unit": self.unit,
            "method": self.method,
            "quantity": self.quantity,
            "n": int(self.n),
            "settings": {k: _jsonable(v) for k, v in self.settings.items()},
            "stderr": None if self.stderr is None else _jsonable(np.asarray(self.stderr, float)
                                                                   if np.ndim(self.stderr)
                                                                   else float(self.stderr)),
            "warnings": list(self.warnings),
            "bound": self.bound,
        }


class Estimator(NamedTuple):
    """How a method estimates one quantity, and for which kinds of data.

    Kinds: "d" discrete, "c" continuous. For mutual information a kind is a pair (kind of x,
    kind of y) among ("d", "d"), ("c", "d"), ("c", "c"): when one side is continuous it comes
    first, and ``mutual_information`` swaps its arguments to match (I(X;Y) = I(Y;X)).

    Attributes:
        fn: for entropy ``fn(x, *, kind, unit, **settings)``; for mutual information
            ``fn(x, y, *, kinds, unit, **settings)``. Returns an :class:`Estimate`. Every
            setting of the method is passed, defaults filled in.
        kinds: the kinds (entropy) or pairs of kinds (mutual information) it accepts.
        default_for: those of ``kinds`` for which it is the default method.
    """

    fn: Callable[..., Estimate]
    kinds: tuple
    default_for: tuple = ()


@dataclass(frozen=True)
class Method:
    """One ``method=`` name of the public functions: a registry entry (see ``_registry``).

    Attributes:
        name: the name users pass as ``method=``.
        settings: every setting the method takes, mapped to its default (from
            ``infoplane.defaults`` where one exists). Other names are an error.
        entropy: how it estimates H(X), or None.
        mutual_information: how it estimates I(X;Y), or None.
        check: ``check(quantity, given)`` raises an InfoplaneError when the settings given by
            the user do not suit the quantity ("entropy", "mutual_information", ...); None when
            every setting suits every quantity.
    """

    name: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    entropy: Estimator | None = None
    mutual_information: Estimator | None = None
    check: Callable[[str, Mapping[str, Any]], None] | None = None


def _jsonable(v):
    if isinstance(v, (np.generic,)):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v


def as_samples(x, name: str = "x", *, min_samples: int = 2) -> np.ndarray:
    """Validate samples and return them as a 2-D array of shape (n, d).

    Args:
        x: array-like of shape (n,) or (n, d).
        name: the argument's name, used in error messages.
        min_samples: the fewest samples the caller can work with.

    Raises:
        InfoplaneError: for other ranks, empty data, too few samples, NaN or inf.
    """
    arr = np.asarray(x)
    if arr.dtype == object:
        raise InfoplaneError(f"{name} must be a numeric array, got objects")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InfoplaneError(
            f"{name} must have shape (n,) or (n, d), got shape {np.shape(x)}"
        )
    n, d = arr.shape
    if n == 0 or d == 0:
        raise InfoplaneError(f"{name} is empty (shape {arr.shape}); pass at least one sample")
    if n < min_samples:
        raise InfoplaneError(f"{name} has {n} samples; this estimator needs at least {min_samples}")
    if np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.complexfloating):
        bad = ~np.isfinite(arr)
        if bad.any():
            rows = np.flatnonzero(bad.any(axis=1))
            raise InfoplaneError(
                f"{name} contains NaN or inf in {rows.size} of {n} samples "
                f"(first at row {rows[0]}); remove or impute them"
            )
    elif not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_):
        raise InfoplaneError(f"{name} must be numeric, got dtype {arr.dtype}")
    return arr


def check_same_n(**arrays: np.ndarray) -> int:
    """Raise unless all arrays have the same number of samples (rows); return that number."""
    sizes = {k: np.shape(v)[0] for k, v in arrays.items()}
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{k} has {v}" for k, v in sizes.items())
        raise InfoplaneError(f"inputs must have the same number of samples: {listed}")
    return next(iter(sizes.values()))


def negative_warning(value: float, method: str) -> tuple[str, ...]:
    """A warning for a negative information estimate, which only bias can produce."""
    if value < 0:
        return (
            f"negative estimate ({value:.4g}) from {method}: the true value is >= 0; "
            "this is estimator bias or variance, read it as about zero",
        )
    return ()
