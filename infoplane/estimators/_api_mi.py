"""Mutual information I(X;Y) and conditional mutual information I(X;Y | Z), chosen by name.

The data types, the defaults and the settings are described in ``_api`` (the module docstring
the functions below refer to); the methods are the entries of ``_registry``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .._errors import InfoplaneError
from . import _registry
from ._auto import ceiling_warnings, choose_default, dimension_warning
from ._combine import combine
from ._interface import Estimate, as_samples, check_same_n, check_unit
from ._kinds import data_kind, integer_ids, labels_1d
from .discrete import ENTROPY_METHODS, discrete_conditional_mutual_information


def mutual_information(x, y, *, method: str | None = None, unit: str = "bits",
                       discrete_x: bool | None = None, discrete_y: bool | None = None,
                       **settings) -> Estimate:
    """Mutual information I(X;Y) of paired samples.

    Args:
        x, y: (n,) or (n, d) samples, same n; each discrete or continuous (module docstring).
        method: None chooses by the kinds of data and their dimension (``_auto``): the first
            listed below for low-dimensional data, "compressed" when the continuous
            dimensions add up to more than 64 or a side is near low rank, and then with class
            labels "supervised" instead (the reason is in ``settings["chosen_by"]``). By data
            types:
            discrete/discrete: "plugin", "miller_madow", "chao_shen", "nsb" (alphabet_sizes),
                "renyi";
            continuous/discrete (either order): "knn_mixed" (k, transform, jitter, seed),
                "binning" (n_bins, rule, low, high: the continuous side is binned),
                "kde_upper"/"kde_lower" (noise_var; Saxe et al.'s I(T;Y) of a noisy layer),
                "renyi", "mine"/"nwj"/"infonce" (the labels as numbers), "compressed" (x
                compressed by PCA, then knn_mixed), "supervised" (folds, k, jitter, seed: x
                projected on a cross-fitted discriminant's log-odds, then knn_mixed, at least
                the probe bound), "probe" (family, folds, regularisation, hidden, steps,
                seed: the lower bound H(Y) - cross-entropy of a cross-fitted classifier);
            continuous/continuous: "copula" (k, jitter, seed; see the module docstring),
                "ksg1"/"ksg2" (k, transform, jitter, seed), "gaussian", "gaussian_copula",
                "binning" (both sides binned), "renyi" (alpha, sigma, subsample, seed),
                "mine"/"nwj"/"infonce" (critic, steps, batch_size, ..., seed), "compressed"
                (compressor, estimator, dim_x, dim_y, variance, k, steps, jitter, seed; PCA
                or an autoencoder, then copula / kl_weighted / ksg: ``compressed``).
        unit: "bits" (default) or "nats".
        discrete_x, discrete_y: override the detected data types.

    Returns:
        An Estimate with quantity "mutual_information". A negative value always carries a
        warning, and so does a value above log2 n or (discrete y) above the plug-in H(Y).
        I(X;Y) = I(Y;X) for every method up to the tie-breaking jitter.

    Raises:
        InfoplaneError: unknown method, a method that does not fit the data types, unknown
            settings, bad shapes, mismatched n, NaN or inf, k >= n.
    """
    check_unit(unit)
    kx, ky = data_kind(x, discrete_x, "x"), data_kind(y, discrete_y, "y")
    if (kx, ky) == ("d", "c"):  # the continuous side first; I(X;Y) = I(Y;X)
        x, y, kx, ky = y, x, ky, kx
    chosen_by = None
    extra: tuple[str, ...] = ()
    if method is None and kx == "c":
        x = as_samples(x, "x")
        y = as_samples(y, "y") if ky == "c" else y
        method, chosen_by = choose_default(x, y, (kx, ky))
        if method is None:
            extra = dimension_warning(x.shape[1] + (y.shape[1] if ky == "c" else 0), len(x))
    entry = _registry.choose("mutual_information", (kx, ky), method)
    used = _registry.settings_for(entry, "mutual_information", settings)
    # choose() raised if the method does not estimate this quantity
    est = entry.mutual_information.fn(x, y, kinds=(kx, ky), unit=unit,  # type: ignore[union-attr]
                                      **used)
    labels = integer_ids(labels_1d(y)) if ky == "d" and kx == "c" else None
    extra += ceiling_warnings(est, labels)
    if chosen_by is None and not extra:
        return est
    settings = est.settings if chosen_by is None else {**est.settings, "chosen_by": chosen_by}
    return replace(est, settings=settings, warnings=est.warnings + extra)


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
    kz = data_kind(z, discrete_z, "z")
    kx, ky = data_kind(x, discrete_x, "x"), data_kind(y, discrete_y, "y")
    ax, ay, az = (as_samples(a, name, min_samples=1) for a, name in ((x, "x"), (y, "y"),
                                                                     (z, "z")))
    check_same_n(x=ax, y=ay, z=az)
    common = {"method": method, "unit": unit, "discrete_x": kx == "d", **settings}
    if kx == ky == kz == "d" and (method is None or method in ENTROPY_METHODS):
        entry = _registry.choose("mutual_information", ("d", "d"), method)
        _registry.settings_for(entry, "conditional_mutual_information", settings)
        return discrete_conditional_mutual_information(
            x, y, z, method=entry.name, unit=unit, alphabet_sizes=settings.get("alphabet_sizes"))
    if kz == "d":
        ids = integer_ids(z)
        parts = []
        for c in np.unique(ids):
            rows = ids == c
            parts.append((rows.mean(), mutual_information(ax[rows], ay[rows],
                                                          discrete_y=ky == "d", **common)))
        return combine(parts, parts[0][1].method, "conditional_mutual_information", unit,
                       dict(parts[0][1].settings, over="values of z"))
    if ky == "d":
        raise InfoplaneError(
            "I(X;Y|Z) with discrete y and continuous z needs I(X; (Y,Z)) of mixed columns, "
            "which no method here estimates; bin z (discrete_z=True after binning) instead"
        )
    yz = np.concatenate([ay, az], axis=1)
    with_yz = mutual_information(ax, yz, discrete_y=False, **common)
    with_z = mutual_information(ax, az, discrete_y=False, **common)
    return combine([(1, with_yz), (-1, with_z)], with_yz.method,
                   "conditional_mutual_information", unit,
                   dict(with_yz.settings, formula="I(X;Y,Z) - I(X;Z)"))

