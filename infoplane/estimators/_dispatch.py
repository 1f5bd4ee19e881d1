"""The plumbing of the estimator dispatch layer (``_api``): data types, method tables, settings.

:func:`_kind` detects whether samples are discrete ("d": integer, unsigned, boolean or string
dtype) or continuous ("c": floating point), after the ``discrete=`` overrides described in
``_api``. The tables say which methods estimate what for which data types, which settings each
method takes and which method is the default. The helpers turn inputs into what the estimator
modules take (bin codes, integer symbols) and combine several estimates into one (the
conditional quantities and chain rules of ``_api`` and ``_api_mi``).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .._errors import InfoplaneError, check_choice
from ._interface import Estimate, as_samples, negative_warning
from .binning import Bins, bin_codes

DISCRETE_METHODS = ("plugin", "miller_madow", "chao_shen", "nsb")
NEURAL_METHODS = ("mine", "nwj", "infonce")
METHODS = DISCRETE_METHODS + (
    "binning", "kde_upper", "kde_lower", "kl", "ksg1", "ksg2", "knn_mixed", "gaussian",
    "gaussian_copula", "copula", "renyi",
) + NEURAL_METHODS

# The settings each method accepts (anything else is an error naming these).
_KNN = ("k", "transform", "jitter", "seed")
SETTINGS = {
    "plugin": (), "miller_madow": (), "chao_shen": (), "nsb": ("alphabet_size", "alphabet_sizes"),
    "binning": ("n_bins", "rule", "low", "high"),
    "kde_upper": ("noise_var",), "kde_lower": ("noise_var",),
    "kl": _KNN + ("metric",), "ksg1": _KNN, "ksg2": _KNN, "knn_mixed": _KNN,
    "gaussian": (), "gaussian_copula": (), "copula": ("k", "jitter", "seed"),
    "renyi": ("alpha", "sigma", "subsample", "seed"),
    **{m: ("critic", "steps", "batch_size", "hidden", "embedding_dim", "learning_rate",
           "eval_fraction", "ema_rate", "seed") for m in NEURAL_METHODS},
}
# Which methods estimate what, by data types: "d" discrete, "c" continuous.
ENTROPY_METHODS = {
    "d": DISCRETE_METHODS + ("renyi",),
    "c": ("kl", "binning", "gaussian", "kde_upper", "kde_lower", "renyi"),
}
MI_METHODS = {
    ("d", "d"): DISCRETE_METHODS + ("renyi",),
    ("c", "d"): ("knn_mixed", "binning", "kde_upper", "kde_lower", "renyi") + NEURAL_METHODS,
    ("c", "c"): ("copula", "ksg1", "ksg2", "gaussian", "gaussian_copula", "binning", "renyi")
    + NEURAL_METHODS,
}
DEFAULT_ENTROPY = {"d": "plugin", "c": "kl"}
DEFAULT_MI = {("d", "d"): "plugin", ("c", "d"): "knn_mixed", ("c", "c"): "copula"}
_KIND_NAME = {"d": "discrete", "c": "continuous"}


# ---------------------------------------------------------------- types, methods, settings


def _kind(x, override, name: str) -> str:
    """"d" or "c" for the samples x (see the module docstring), after the override."""
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


def _check_method(method: str, valid, what: str) -> None:
    check_choice("method", method, METHODS)
    if method not in valid:
        raise InfoplaneError(
            f"method {method!r} does not apply to {what}; methods that do: "
            f"{', '.join(valid)}. Override the detected data type with discrete_x= / "
            "discrete_y= (discrete= for one argument) if it is wrong"
        )


def _check_settings(method: str, settings: dict) -> dict:
    unknown = sorted(set(settings) - set(SETTINGS[method]))
    if unknown:
        allowed = ", ".join(SETTINGS[method]) or "none"
        raise InfoplaneError(
            f"method {method!r} does not take setting(s) {', '.join(unknown)}; "
            f"its settings are: {allowed}"
        )
    return settings


def _bins(settings: dict, default_rule: str = "layer") -> Bins:
    """The discretisation from binning settings; "layer" (the data's own range) by default."""
    rule = settings.get("rule", default_rule)
    return Bins(rule, settings.get("n_bins", 30), float(settings.get("low", -1.0)),
                float(settings.get("high", 1.0))).validate()


def _codes(x, bins: Bins) -> np.ndarray:
    arr = as_samples(x, "x").astype(np.float32)
    return np.asarray(bin_codes(jnp.asarray(arr), bins))


def _relabel(est: Estimate, quantity: str, settings: dict | None = None) -> Estimate:
    """The same estimate under another quantity name, with extra settings merged in."""
    merged = dict(est.settings, **(settings or {}))
    return Estimate(est.value, est.unit, est.method, quantity, est.n, merged, est.stderr,
                    est.warnings)


def _combine(parts: list[tuple[float, Estimate]], method: str, quantity: str, unit: str,
             settings: dict) -> Estimate:
    """sum sign * estimate, in ``unit``; warnings carried over, stderr dropped."""
    value = float(sum(sign * float(e.to(unit)) for sign, e in parts))
    warnings = tuple(dict.fromkeys(w for _, e in parts for w in e.warnings))
    if quantity in ("mutual_information", "conditional_mutual_information",
                    "total_correlation"):
        warnings = negative_warning(value, method) + tuple(
            w for w in warnings if not w.startswith("negative estimate"))
    return Estimate(value, unit, method, quantity, parts[0][1].n, settings, None, warnings)


def _integer_ids(x) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind in "biu":
        return arr
    flat = arr.reshape(arr.shape[0], -1) if arr.ndim > 1 else arr[:, None]
    return np.unique(flat, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)
