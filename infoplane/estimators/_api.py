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

The "copula" estimator. Mutual information is invariant to monotone maps of each column, so
each column is first replaced by its normal scores, Phi^-1(rank / (n + 1)) (a rank-Gaussian
copula transform, which removes heavy tails and skew). Two estimates are formed on the scores:

- KSG, variant 2 with k = 3 (Kraskov et al. 2004), accurate for low-dimensional, non-Gaussian
  dependence but strongly biased low in high dimension or for large MI;
- the Gaussian-copula MI (Ince et al. 2017, Hum. Brain Mapp. 38:1541), 1/2 log(det S_x det S_y
  / det S_xy) of the scores' covariances, each log det corrected for its finite-sample bias
  with the Wishart expectation E[log det((n-1) S)] = log det Sigma + d log 2 +
  sum_{i=1..d} psi((n - i) / 2). For one-dimensional x and y it is a lower bound on the MI
  (the scores have exact Gaussian marginals, and a Gaussian has the largest joint entropy for
  its covariance), exact for Gaussian copulas in any dimension, but blind to dependence that
  is not a correlation of the scores.

The reported value is the larger of the two: both err on the low side, each where the other is
good. Measured with ``benchmarks/bench_estimators.py --quick --seeds 5 --n 4096``: mean
absolute error 0.022 bits over its 22 tasks (worst: uniform noise, -0.05 bits), against 0.31
bits of bias for KSG1 (k = 3) alone, whose error comes from the 5- to 25-dimensional Gaussians
(the suite's Gaussian cases favour the copula part). It is not a bound: for independent
one-dimensional data the maximum of two unbiased estimates is biased up (+0.013 bits measured),
and for multivariate non-Gaussian copulas the Gaussian part carries no guarantee.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
from scipy import special, stats

from .._errors import InfoplaneError, check_choice
from . import discrete as _discrete
from ._interface import (
    Estimate,
    as_samples,
    check_same_n,
    check_unit,
    from_nats,
    negative_warning,
)
from .binning import Bins, bin_codes
from .discrete import cross_entropy, cross_entropy_loss, kl_divergence
from .gaussian import gaussian_entropy, gaussian_mutual_information
from .kde import kde_entropy, kde_mutual_information
from .knn import knn_entropy, ksg_mutual_information, mixed_mutual_information
from .neural import neural_mutual_information
from .renyi import renyi_entropy, renyi_mutual_information

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


# ---------------------------------------------------------------- the copula estimator


def normal_scores(x: np.ndarray) -> np.ndarray:
    """Per column, Phi^-1(rank / (n + 1)) with average ranks for ties: a rank-Gaussian copula."""
    ranks = stats.rankdata(x, method="average", axis=0)
    return special.ndtri(ranks / (x.shape[0] + 1.0))


def _logdet_unbiased(cov: np.ndarray, n: int) -> float:
    """log det Sigma estimated without bias from the sample covariance (ddof = 1)."""
    d = cov.shape[0]
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        return -math.inf
    psi = sum(special.digamma((n - i) / 2.0) for i in range(1, d + 1))
    return float(logdet + d * math.log(n - 1.0) - d * math.log(2.0) - psi)


def _gaussian_copula_nats(sx: np.ndarray, sy: np.ndarray) -> float:
    """Bias-corrected Gaussian MI of normal scores sx (n, dx), sy (n, dy), in nats."""
    n, dx = sx.shape
    cov = np.atleast_2d(np.cov(np.concatenate([sx, sy], axis=1), rowvar=False))
    ld = _logdet_unbiased
    joint = ld(cov, n)
    if not math.isfinite(joint):
        raise InfoplaneError(
            "the normal scores of (x, y) are collinear (a column is a monotone function of "
            "others), so the Gaussian-copula MI is infinite; drop the redundant columns"
        )
    return 0.5 * (ld(cov[:dx, :dx], n) + ld(cov[dx:, dx:], n) - joint)


def _copula_inputs(x, y) -> tuple[np.ndarray, np.ndarray, int, tuple[str, ...]]:
    x = as_samples(x, "x").astype(np.float64)
    y = as_samples(y, "y").astype(np.float64)
    n = check_same_n(x=x, y=y)
    warnings: tuple[str, ...] = ()
    keep_x, keep_y = np.ptp(x, axis=0) > 0, np.ptp(y, axis=0) > 0
    if not (keep_x.all() and keep_y.all()):
        warnings = (f"dropped constant column(s): x {np.flatnonzero(~keep_x).tolist()}, "
                    f"y {np.flatnonzero(~keep_y).tolist()}; they carry no information",)
    x, y = x[:, keep_x], y[:, keep_y]
    if x.shape[1] and y.shape[1] and n <= x.shape[1] + y.shape[1] + 2:
        raise InfoplaneError(
            f"{n} samples are too few for {x.shape[1] + y.shape[1]} dimensions; the copula "
            "estimator needs n > dx + dy + 2 (preferably many more)"
        )
    return x, y, n, warnings


def _copula_mi(x, y, *, which: str, unit: str, k: int = 3, jitter: float = 1e-10,
               seed: int = 0) -> Estimate:
    """"copula" (max of KSG2 and Gaussian copula on normal scores) or "gaussian_copula"."""
    x, y, n, warnings = _copula_inputs(x, y)
    settings = {"transform": "normal_scores", "bias_corrected": True}
    if which == "copula":
        settings.update(k=k, variant=2, jitter=jitter, seed=seed, combine="max(ksg2, gaussian)")
    if not x.shape[1] or not y.shape[1]:
        warnings += ("x or y is constant, so I(X;Y) = 0 exactly",)
        return Estimate(0.0, unit, which, "mutual_information", n, settings, None, warnings)
    sx, sy = normal_scores(x), normal_scores(y)
    nats = _gaussian_copula_nats(sx, sy)
    if which == "copula":
        ksg = ksg_mutual_information(sx, sy, k=k, variant=2, unit="nats", jitter=jitter,
                                     seed=seed)
        settings.update(ksg2=float(from_nats(float(ksg), unit)),
                        gaussian=float(from_nats(nats, unit)))
        nats = max(nats, float(ksg))
    value = float(from_nats(nats, unit))
    warnings = negative_warning(value, which) + warnings
    return Estimate(value, unit, which, "mutual_information", n, settings, None, warnings)


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


def _integer_ids(x) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind in "biu":
        return arr
    flat = arr.reshape(arr.shape[0], -1) if arr.ndim > 1 else arr[:, None]
    return np.unique(flat, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


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


# ---------------------------------------------------------------- mutual information


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
