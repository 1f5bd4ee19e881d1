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

The module is split by concept: ``_dispatch`` (data types, method tables, settings),
``_copula`` (the copula estimator), ``_api_mi`` (mutual_information and
conditional_mutual_information) and this module (the entropies, conditional entropy, total
correlation, and the public list). Every name is importable from here.
"""

from __future__ import annotations

import numpy as np

# The `name as name` imports keep what this module defined or imported before the split
# importable from here.
from .._errors import InfoplaneError, check_choice
from . import discrete as _discrete
from ._api_mi import _labels_1d as _labels_1d
from ._api_mi import conditional_mutual_information, mutual_information
from ._copula import _copula_inputs as _copula_inputs
from ._copula import _copula_mi as _copula_mi
from ._copula import _gaussian_copula_nats as _gaussian_copula_nats
from ._copula import _logdet_unbiased as _logdet_unbiased
from ._copula import normal_scores
from ._dispatch import (
    _KIND_NAME,
    DEFAULT_ENTROPY,
    DISCRETE_METHODS,
    ENTROPY_METHODS,
    METHODS,
    _bins,
    _check_method,
    _check_settings,
    _codes,
    _combine,
    _integer_ids,
    _kind,
    _relabel,
)
from ._dispatch import _KNN as _KNN
from ._dispatch import DEFAULT_MI as DEFAULT_MI
from ._dispatch import MI_METHODS as MI_METHODS
from ._dispatch import NEURAL_METHODS as NEURAL_METHODS
from ._dispatch import SETTINGS as SETTINGS
from ._interface import Estimate, as_samples, check_same_n, check_unit
from ._interface import from_nats as from_nats
from ._interface import negative_warning as negative_warning
from .binning import Bins as Bins
from .binning import bin_codes as bin_codes
from .discrete import cross_entropy, cross_entropy_loss, kl_divergence
from .gaussian import gaussian_entropy
from .gaussian import gaussian_mutual_information as gaussian_mutual_information
from .kde import kde_entropy
from .kde import kde_mutual_information as kde_mutual_information
from .knn import knn_entropy
from .knn import ksg_mutual_information as ksg_mutual_information
from .knn import mixed_mutual_information as mixed_mutual_information
from .neural import neural_mutual_information as neural_mutual_information
from .renyi import renyi_entropy
from .renyi import renyi_mutual_information as renyi_mutual_information

# ---------------------------------------------------------------- entropy


def entropy(x, *, method: str | None = None, unit: str = "bits", discrete: bool | None = None,
            **settings) -> Estimate:
    """Entropy H(X) of samples, each row one draw of X.

    Args:
        x: (n,) or (n, d) samples. Discrete (integer/bool/string dtype) rows are symbols;
            continuous (float) rows are points, and the result is a differential entropy.
        method: discrete: "plugin" (default), "miller_madow", "chao_shen", "nsb" (setting
            alphabet_size), "renyi". Continuous: "kl" (default; settings k, metric, transform,
            jitter, seed), "binning" (n_bins, rule, low, high; the plug-in entropy of the bins,
            a discrete entropy), "gaussian", "kde_upper"/"kde_lower" (noise_var: the entropy of
            x plus Gaussian noise), "renyi" (alpha, sigma, subsample, seed).
        unit: "bits" (default) or "nats".
        discrete: override the detected data type.

    Returns:
        An Estimate with quantity "entropy".
    """
    check_unit(unit)
    kind = _kind(x, discrete, "x")
    method = method or DEFAULT_ENTROPY[kind]
    _check_method(method, ENTROPY_METHODS[kind], f"the entropy of {_KIND_NAME[kind]} data")
    s = _check_settings(method, settings)
    if method in DISCRETE_METHODS:
        if "alphabet_sizes" in s:
            raise InfoplaneError("entropy takes alphabet_size (one number), not alphabet_sizes")
        return _discrete.discrete_entropy(x, method=method, unit=unit, **s)
    if method == "binning":
        est = _discrete.discrete_entropy(_codes(x, _bins(s)), method="plugin", unit=unit)
        return Estimate(est.value, unit, "binning", "entropy", est.n,
                        {"bins": _bins(s)._asdict()}, est.stderr, est.warnings)
    if method == "kl":
        return knn_entropy(x, unit=unit, **s)
    if method == "gaussian":
        return gaussian_entropy(x, unit=unit)
    if method in ("kde_upper", "kde_lower"):
        return kde_entropy(x, bound=method[4:], unit=unit, **s)
    if kind == "d":  # renyi: its delta kernel needs integer or bool rows
        x = _integer_ids(x)
    return renyi_entropy(x, unit=unit, **s)


def joint_entropy(*xs, method: str | None = None, unit: str = "bits",
                  discrete: bool | None = None, **settings) -> Estimate:
    """Joint entropy H(X1, ..., Xm) of paired samples: the columns side by side, one entropy.

    Args:
        *xs: arrays (n,) or (n, d_i) with the same n and the same data type.
        method, unit, discrete, settings: as for :func:`entropy`.
    """
    if not xs:
        raise InfoplaneError("joint_entropy needs at least one array")
    kinds = {_kind(x, discrete, f"xs[{i}]") for i, x in enumerate(xs)}
    if len(kinds) > 1:
        raise InfoplaneError(
            "joint_entropy of discrete and continuous arrays together is not defined here; "
            "use conditional_entropy / mutual_information, or pass discrete= to treat all alike"
        )
    arrays = [as_samples(x, f"xs[{i}]", min_samples=1) for i, x in enumerate(xs)]
    check_same_n(**{f"xs[{i}]": a for i, a in enumerate(arrays)})
    est = entropy(np.concatenate(arrays, axis=1), method=method, unit=unit,
                  discrete=kinds.pop() == "d", **settings)
    return _relabel(est, "joint_entropy", {"n_arrays": len(xs)})


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
    kx, ky = _kind(x, discrete_x, "x"), _kind(y, discrete_y, "y")
    ax, ay = as_samples(x, "x", min_samples=1), as_samples(y, "y", min_samples=1)
    check_same_n(x=ax, y=ay)
    method = method or DEFAULT_ENTROPY[kx]
    if kx == ky == "d" and method in DISCRETE_METHODS:
        _check_settings(method, settings)
        sizes = settings.get("alphabet_sizes")
        return _discrete.discrete_conditional_entropy(x, y, method=method, unit=unit,
                                                      alphabet_sizes=sizes)
    common = {"method": method, "unit": unit, **settings}
    if kx == "c" and ky == "d":
        labels = _integer_ids(y)
        parts = []
        for c in np.unique(labels):
            rows = labels == c
            parts.append((rows.mean(), entropy(ax[rows], discrete=False, **common)))
        return _combine(parts, method, "conditional_entropy", unit,
                        dict(parts[0][1].settings, over="classes of y"))
    if kx == "d" and ky == "c":
        h = entropy(x, discrete=True, **common)
        i = mutual_information(x, y, discrete_x=True, discrete_y=False, unit=unit)
        return _combine([(1, h), (-1, i)], method, "conditional_entropy", unit,
                        dict(h.settings, mi_method=i.method))
    joint = joint_entropy(ax, ay, discrete=kx == "d", **common)
    h_y = entropy(ay, discrete=kx == "d", **common)
    return _combine([(1, joint), (-1, h_y)], joint.method, "conditional_entropy", unit,
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
    kind = _kind(x, discrete, "x")
    arr = as_samples(x, "x")
    n, d = arr.shape
    method = method or ("plugin" if kind == "d" else "copula")
    check_choice("method", method, METHODS)
    if d == 1:
        return Estimate(0.0, unit, method, "total_correlation", n, {"columns": 1}, None,
                        ("one column: total correlation is 0 by definition",))
    chain = method not in ENTROPY_METHODS[kind] or (kind == "c" and method == "binning")
    if not chain:
        joint = entropy(arr, method=method, unit=unit, discrete=kind == "d", **settings)
        parts = [(1, entropy(arr[:, j], method=method, unit=unit, discrete=kind == "d",
                             **settings)) for j in range(d)]
        return _combine(parts + [(-1, joint)], method, "total_correlation", unit,
                        dict(joint.settings, formula="sum_j H(X_j) - H(X)"))
    parts = [(1, mutual_information(arr[:, j], arr[:, :j], method=method, unit=unit,
                                    discrete_x=kind == "d", discrete_y=kind == "d",
                                    **settings)) for j in range(1, d)]
    return _combine(parts, method, "total_correlation", unit,
                    dict(parts[0][1].settings, formula="sum_j I(X_j; X_<j)"))


__all__ = [
    "METHODS",
    "conditional_entropy",
    "conditional_mutual_information",
    "cross_entropy",
    "cross_entropy_loss",
    "entropy",
    "joint_entropy",
    "kl_divergence",
    "mutual_information",
    "normal_scores",
    "total_correlation",
]
