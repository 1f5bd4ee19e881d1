"""Mutual information I(X;Y) and conditional mutual information I(X;Y | Z), chosen by name.

The data types, the defaults and the settings are described in ``_api`` (the module docstring
the functions below refer to); the "copula" estimator in ``_copula``.
"""

from __future__ import annotations

import numpy as np

from .._errors import InfoplaneError
from . import discrete as _discrete
from ._copula import _copula_mi
from ._dispatch import (
    _KIND_NAME,
    DEFAULT_MI,
    DISCRETE_METHODS,
    MI_METHODS,
    _bins,
    _check_method,
    _check_settings,
    _codes,
    _combine,
    _integer_ids,
    _kind,
)
from ._interface import Estimate, as_samples, check_same_n, check_unit
from .gaussian import gaussian_mutual_information
from .kde import kde_mutual_information
from .knn import ksg_mutual_information, mixed_mutual_information
from .neural import neural_mutual_information
from .renyi import renyi_mutual_information


def mutual_information(x, y, *, method: str | None = None, unit: str = "bits",
                       discrete_x: bool | None = None, discrete_y: bool | None = None,
                       **settings) -> Estimate:
    """Mutual information I(X;Y) of paired samples.

    Args:
        x, y: (n,) or (n, d) samples, same n; each discrete or continuous (module docstring).
        method: by data types (the first listed is the default):
            discrete/discrete: "plugin", "miller_madow", "chao_shen", "nsb" (alphabet_sizes),
                "renyi";
            continuous/discrete (either order): "knn_mixed" (k, transform, jitter, seed),
                "binning" (n_bins, rule, low, high: the continuous side is binned),
                "kde_upper"/"kde_lower" (noise_var; Saxe et al.'s I(T;Y) of a noisy layer),
                "renyi", "mine"/"nwj"/"infonce" (the labels as numbers);
            continuous/continuous: "copula" (k, jitter, seed; see the module docstring),
                "ksg1"/"ksg2" (k, transform, jitter, seed), "gaussian", "gaussian_copula",
                "binning" (both sides binned), "renyi" (alpha, sigma, subsample, seed),
                "mine"/"nwj"/"infonce" (critic, steps, batch_size, ..., seed).
        unit: "bits" (default) or "nats".
        discrete_x, discrete_y: override the detected data types.

    Returns:
        An Estimate with quantity "mutual_information". A negative value always carries a
        warning. I(X;Y) = I(Y;X) for every method up to the tie-breaking jitter.

    Raises:
        InfoplaneError: unknown method, a method that does not fit the data types, unknown
            settings, bad shapes, mismatched n, NaN or inf, k >= n.
    """
    check_unit(unit)
    kx, ky = _kind(x, discrete_x, "x"), _kind(y, discrete_y, "y")
    if (kx, ky) == ("d", "c"):  # the continuous side first; I(X;Y) = I(Y;X)
        x, y, kx, ky = y, x, ky, kx
    kinds = (kx, ky)
    method = method or DEFAULT_MI[kinds]
    what = f"{_KIND_NAME[kx]} and {_KIND_NAME[ky]} data"
    _check_method(method, MI_METHODS[kinds], what)
    s = _check_settings(method, settings)
    if method in DISCRETE_METHODS:
        if "alphabet_size" in s:
            raise InfoplaneError("mutual_information takes alphabet_sizes=(K_x, K_y)")
        return _discrete.discrete_mutual_information(x, y, method=method, unit=unit, **s)
    if method == "knn_mixed":
        return mixed_mutual_information(x, _labels_1d(y), unit=unit, **s)
    if method in ("kde_upper", "kde_lower"):
        return kde_mutual_information(x, _integer_ids(_labels_1d(y)), bound=method[4:],
                                      unit=unit, **s)
    if method == "binning":
        bins = _bins(s)
        cy = _codes(y, bins) if ky == "c" else y
        est = _discrete.discrete_mutual_information(_codes(x, bins), cy, unit=unit)
        return Estimate(est.value, unit, "binning", est.quantity, est.n,
                        {"bins": bins._asdict(), "binned": "x and y" if ky == "c" else "x"},
                        None, est.warnings)
    if method in ("copula", "gaussian_copula"):
        return _copula_mi(x, y, which=method, unit=unit, **s)
    if method in ("ksg1", "ksg2"):
        return ksg_mutual_information(x, y, variant=int(method[-1]), unit=unit, **s)
    if method == "gaussian":
        return gaussian_mutual_information(x, y, unit=unit)
    if method == "renyi":
        y = _integer_ids(y) if ky == "d" else y
        return renyi_mutual_information(x, y, unit=unit, **s)
    y = np.asarray(y, dtype=np.float64) if ky == "d" else y
    return neural_mutual_information(x, y, method=method, unit=unit, **s)


def _labels_1d(y) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] > 1:
        return _integer_ids(arr)  # several discrete columns: one joint symbol per row
    return arr.reshape(-1) if arr.ndim == 2 else arr


def conditional_mutual_information(x, y, z, *, method: str | None = None, unit: str = "bits",
                                   discrete_x: bool | None = None,
                                   discrete_y: bool | None = None,
                                   discrete_z: bool | None = None, **settings) -> Estimate:
    """Conditional mutual information I(X;Y | Z).

    All discrete: H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z) by the discrete ``method``. Discrete z:
    sum_z p(z) I(X;Y | Z=z), each term by :func:`mutual_information` with ``method``.
    Continuous z: the chain rule I(X; Y,Z) - I(X; Z) with ``method`` (y and z must then both
    be continuous). Arguments as for :func:`mutual_information`.
    """
    check_unit(unit)
    kz = _kind(z, discrete_z, "z")
    kx, ky = _kind(x, discrete_x, "x"), _kind(y, discrete_y, "y")
    ax, ay, az = (as_samples(a, name, min_samples=1) for a, name in ((x, "x"), (y, "y"),
                                                                     (z, "z")))
    check_same_n(x=ax, y=ay, z=az)
    common = {"method": method, "unit": unit, "discrete_x": kx == "d", **settings}
    if kx == ky == kz == "d" and (method is None or method in DISCRETE_METHODS):
        m = method or "plugin"
        _check_settings(m, settings)
        return _discrete.discrete_conditional_mutual_information(
            x, y, z, method=m, unit=unit, alphabet_sizes=settings.get("alphabet_sizes"))
    if kz == "d":
        ids = _integer_ids(z)
        parts = []
        for c in np.unique(ids):
            rows = ids == c
            parts.append((rows.mean(), mutual_information(ax[rows], ay[rows],
                                                          discrete_y=ky == "d", **common)))
        return _combine(parts, parts[0][1].method, "conditional_mutual_information", unit,
                        dict(parts[0][1].settings, over="values of z"))
    if ky == "d":
        raise InfoplaneError(
            "I(X;Y|Z) with discrete y and continuous z needs I(X; (Y,Z)) of mixed columns, "
            "which no method here estimates; bin z (discrete_z=True after binning) instead"
        )
    yz = np.concatenate([ay, az], axis=1)
    with_yz = mutual_information(ax, yz, discrete_y=False, **common)
    with_z = mutual_information(ax, az, discrete_y=False, **common)
    return _combine([(1, with_yz), (-1, with_z)], with_yz.method,
                    "conditional_mutual_information", unit,
                    dict(with_yz.settings, formula="I(X;Y,Z) - I(X;Z)"))

