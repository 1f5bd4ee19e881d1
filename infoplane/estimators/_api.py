"""The public information functions: one entry point per quantity, the estimator chosen by name.

Every function takes samples, a ``method=`` name and that method's settings, and returns one
:class:`Estimate` in bits (``unit="nats"`` available). The method is validated against the data
types; the default depends on them.

Data types. An array is *discrete* when its dtype is integer, unsigned, boolean or string, and
*continuous* when it is floating point. ``discrete_x=`` / ``discrete_y=`` (``discrete=`` for one
argument) override the detection, e.g. ``discrete_x=True`` for float-coded labels or
``discrete_y=False`` for integer-valued measurements.

Defaults (``method=None``):

- discrete: "plugin". It is the convention of the information-plane literature and of the
  binning records of a run, it is deterministic, and its mutual information always lies in
  [0, min(H(X), H(Y))]. It is biased low for entropies (high for MI) when many symbols are
  rare: pass "miller_madow", "chao_shen" or "nsb" for undersampled data.
- continuous entropy: "kl" (Kozachenko-Leonenko, k = 3).
- continuous / discrete MI: "knn_mixed" (Ross 2014, k = 3), the usual I(T;Y).
- continuous / continuous MI: "copula" (below); total correlation: the chain rule of it.

The "copula" estimator, the default for continuous/continuous MI, reports the larger of KSG2
(k = 3) and the bias-corrected Gaussian-copula MI, both on the rank-normal scores of each
column; ``_copula`` gives the formulas, the references and its measured accuracy.

The methods are the entries of ``_registry`` (how to add one is written there). This module
holds the entropies, the conditional entropy and the total correlation; ``_api_mi`` the mutual
informations; ``_combine`` the chain rules both use.
"""

from __future__ import annotations

import numpy as np

from .._errors import InfoplaneError
from . import _registry
from ._api_mi import mutual_information
from ._combine import combine, relabel
from ._interface import Estimate, as_samples, check_same_n, check_unit
from ._kinds import data_kind, integer_ids
from .discrete import ENTROPY_METHODS, discrete_conditional_entropy

# ---------------------------------------------------------------- entropy


def entropy(x, *, method: str | None = None, unit: str = "bits", discrete: bool | None = None,
            **settings) -> Estimate:
    """Entropy H(X) of samples, each row one draw of X.

    Args:
        x: (n,) or (n, d) samples. Discrete (integer/bool/string dtype) rows are symbols;
            continuous (float) rows are points, and the result is a differential entropy.
        method: discrete: "plugin" (default), "miller_madow", "chao_shen", "nsb" (setting
            alphabet_size), "renyi". Continuous: "kl" (default; settings k, metric, transform,
            jitter, seed), "kl_weighted" (k, jitter, seed; Berrett, Samworth & Yuan 2019, less
            biased in d >= 4, with a standard error), "binning" (n_bins, rule, low, high; the
            plug-in entropy of the bins, a discrete entropy), "gaussian",
            "kde_upper"/"kde_lower" (noise_var: the entropy of x plus Gaussian noise), "renyi"
            (alpha, sigma, subsample, seed).
        unit: "bits" (default) or "nats".
        discrete: override the detected data type.

    Returns:
        An Estimate with quantity "entropy".
    """
    check_unit(unit)
    kind = data_kind(x, discrete, "x")
    entry = _registry.choose("entropy", kind, method)
    used = _registry.settings_for(entry, "entropy", settings)
    # choose() raised if the method does not estimate this quantity
    return entry.entropy.fn(x, kind=kind, unit=unit, **used)  # type: ignore[union-attr]


def joint_entropy(*xs, method: str | None = None, unit: str = "bits",
                  discrete: bool | None = None, **settings) -> Estimate:
    """Joint entropy H(X1, ..., Xm) of paired samples: the columns side by side, one entropy.

    Args:
        *xs: arrays (n,) or (n, d_i) with the same n and the same data type.
        method, unit, discrete, settings: as for :func:`entropy`.
    """
    if not xs:
        raise InfoplaneError("joint_entropy needs at least one array")
    kinds = {data_kind(x, discrete, f"xs[{i}]") for i, x in enumerate(xs)}
    if len(kinds) > 1:
        raise InfoplaneError(
            "joint_entropy of discrete and continuous arrays together is not defined here; "
            "use conditional_entropy / mutual_information, or pass discrete= to treat all alike"
        )
    arrays = [as_samples(x, f"xs[{i}]", min_samples=1) for i, x in enumerate(xs)]
    check_same_n(**{f"xs[{i}]": a for i, a in enumerate(arrays)})
    est = entropy(np.concatenate(arrays, axis=1), method=method, unit=unit,
                  discrete=kinds.pop() == "d", **settings)
    return relabel(est, "joint_entropy", {"n_arrays": len(xs)})


def conditional_entropy(x, y, *, method: str | None = None, unit: str = "bits",
                        discrete_x: bool | None = None, discrete_y: bool | None = None,
                        **settings) -> Estimate:
    """Conditional entropy H(X | Y).

    Computed as: both discrete, H(X,Y) - H(Y) by the discrete ``method``; x continuous and y
    discrete, sum_y p(y) H(X | Y=y) with the continuous entropy ``method`` in each class;
    x discrete and y continuous, H(X) - I(X;Y) (``method`` for H, "knn_mixed" for I); both
    continuous, H(X,Y) - H(Y) with the same continuous ``method``.

    Args:
        x, y: (n,) or (n, d) samples, same n. Other arguments as for :func:`entropy`.
    """
    check_unit(unit)
    kx, ky = data_kind(x, discrete_x, "x"), data_kind(y, discrete_y, "y")
    ax, ay = as_samples(x, "x", min_samples=1), as_samples(y, "y", min_samples=1)
    check_same_n(x=ax, y=ay)
    method = method or _registry.default("entropy", kx).name
    if kx == ky == "d" and method in ENTROPY_METHODS:
        _registry.settings_for(_registry.find(method), "conditional_entropy", settings)
        sizes = settings.get("alphabet_sizes")
        return discrete_conditional_entropy(x, y, method=method, unit=unit,
                                            alphabet_sizes=sizes)
    common = {"method": method, "unit": unit, **settings}
    if kx == "c" and ky == "d":
        labels = integer_ids(y)
        parts = []
        for c in np.unique(labels):
            rows = labels == c
            parts.append((rows.mean(), entropy(ax[rows], discrete=False, **common)))
        return combine(parts, method, "conditional_entropy", unit,
                       dict(parts[0][1].settings, over="classes of y"))
    if kx == "d" and ky == "c":
        h = entropy(x, discrete=True, **common)
        i = mutual_information(x, y, discrete_x=True, discrete_y=False, unit=unit)
        return combine([(1, h), (-1, i)], method, "conditional_entropy", unit,
                       dict(h.settings, mi_method=i.method))
    joint = joint_entropy(ax, ay, discrete=kx == "d", **common)
    h_y = entropy(ay, discrete=kx == "d", **common)
    return combine([(1, joint), (-1, h_y)], joint.method, "conditional_entropy", unit,
                   dict(joint.settings))


def total_correlation(x, *, method: str | None = None, unit: str = "bits",
                      discrete: bool | None = None, **settings) -> Estimate:
    """Total correlation (multi-information) TC = sum_j H(X_j) - H(X): redundancy between units.

    Args:
        x: (n, d) samples; each column is one variable (unit).
        method: an entropy method (see :func:`entropy`) computes sum_j H(X_j) - H(X); a
            mutual-information method ("copula", "ksg1", "ksg2", "gaussian", "gaussian_copula",
            "binning", a neural one) uses the chain rule TC = sum_{j>=2} I(X_j; X_1..X_{j-1}).
            Defaults: "plugin" for discrete x, the chain rule of "copula" for continuous x
            (continuous entropies of the joint are too biased in high dimension).
        unit, discrete, settings: as for :func:`entropy`.

    Returns:
        An Estimate with quantity "total_correlation"; exactly 0 for one column.
    """
    check_unit(unit)
    kind = data_kind(x, discrete, "x")
    arr = as_samples(x, "x")
    n, d = arr.shape
    if method is None:
        method = (_registry.default("entropy", kind) if kind == "d"
                  else _registry.default("mutual_information", ("c", "c"))).name
    entry = _registry.find(method)
    if d == 1:
        return Estimate(0.0, unit, method, "total_correlation", n, {"columns": 1}, None,
                        ("one column: total correlation is 0 by definition",))
    # Binning's "layer" rule cuts each column on its own range but the joint on the range of
    # all columns, so sum_j H(X_j) - H(X) would mix two discretisations: binning takes the
    # chain rule, whose every term bins its two sides consistently.
    by_entropies = entry.entropy is not None and kind in entry.entropy.kinds
    if by_entropies and not (kind == "c" and method == "binning"):
        joint = entropy(arr, method=method, unit=unit, discrete=kind == "d", **settings)
        parts = [(1, entropy(arr[:, j], method=method, unit=unit, discrete=kind == "d",
                             **settings)) for j in range(d)]
        return combine(parts + [(-1, joint)], method, "total_correlation", unit,
                       dict(joint.settings, formula="sum_j H(X_j) - H(X)"))
    parts = [(1, mutual_information(arr[:, j], arr[:, :j], method=method, unit=unit,
                                    discrete_x=kind == "d", discrete_y=kind == "d",
                                    **settings)) for j in range(1, d)]
    return combine(parts, method, "total_correlation", unit,
                   dict(parts[0][1].settings, formula="sum_j I(X_j; X_<j)"))


__all__ = ["conditional_entropy", "entropy", "joint_entropy", "total_correlation"]
