"""Entropy and mutual information of discrete data, in bits by default.

Each row of a sample array is one symbol: x of shape (n,) or (n, d) holds n draws of a
discrete variable whose value is the whole row. Values may be integers, booleans, floats
(compared exactly) or strings; rows are mapped to integer ids before counting. Four entropy
estimators work from the counts c_1..c_m of the m observed symbols (n = sum c):

- "plugin": H = -sum (c/n) log(c/n). Biased low when symbols are unseen.
- "miller_madow": plug-in + (m - 1) / (2n) nats (Miller 1955), the first-order bias term.
- "chao_shen": coverage-adjusted Horvitz-Thompson estimator (Chao & Shen 2003),
  C = 1 - f1/n with f1 the number of singletons, p = C c / n,
  H = -sum p log p / (1 - (1 - p)^n).
- "nsb": Nemenman, Shafee & Bialek (2002), the posterior mean of H under a mixture of
  symmetric Dirichlet priors whose prior on H is flat; needs the alphabet size K.
  See :func:`_nsb_nats`.

Mutual informations are sums of entropies of joint symbols, e.g.
I(X;Y) = H(X) + H(Y) - H(X,Y), each entropy by the chosen method. Cross-entropies and
divergences of given probability vectors are in ``divergences``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._errors import InfoplaneError, check_choice, check_positive_int
from ._interface import (
    Estimate,
    as_samples,
    check_same_n,
    check_unit,
    from_nats,
    negative_warning,
)
from ._nsb import _nsb_nats
from ._warnings import COUNTING_ADVICE, combination_bias_bits, saturation_warning, undersampled

ENTROPY_METHODS = ("plugin", "miller_madow", "chao_shen", "nsb")


# ---------------------------------------------------------------- symbols and counts


def _symbols(x, name: str) -> tuple[np.ndarray, float]:
    """Integer id (n,) of each row of x, and the product of the per-column cardinalities."""
    arr = np.asarray(x)
    if arr.dtype.kind in "US":  # strings: as_samples only takes numbers
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.size == 0:
            raise InfoplaneError(f"{name} must have shape (n,) or (n, d), got {np.shape(x)}")
    else:
        arr = as_samples(arr, name, min_samples=1)
    cols, alphabet = [], 1.0
    for j in range(arr.shape[1]):
        values, ids = np.unique(arr[:, j], return_inverse=True)
        cols.append(ids.reshape(-1))
        alphabet *= len(values)
    return _joint_ids(cols), alphabet


def _joint_ids(columns: Sequence[np.ndarray]) -> np.ndarray:
    """Ids (n,) equal exactly where all the given id columns are equal."""
    if len(columns) == 1:
        return columns[0]
    _, ids = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)
    return ids.reshape(-1)


def _counts(ids: np.ndarray) -> np.ndarray:
    counts = np.bincount(ids)
    return counts[counts > 0]


# ---------------------------------------------------------------- entropy estimators (nats)


def _plugin_nats(counts: np.ndarray) -> float:
    n = counts.sum()
    return float(math.log(n) - np.sum(counts * np.log(counts)) / n)


def _plugin_stderr_nats(counts: np.ndarray) -> float:
    """Asymptotic std of the plug-in entropy, sqrt((sum p log^2 p - H^2) / n) (Basharin 1959)."""
    n = counts.sum()
    p = counts / n
    logp = np.log(p)
    var = max(float(np.sum(p * logp**2) - np.sum(p * logp) ** 2), 0.0)
    return math.sqrt(var / n)


def _chao_shen_nats(counts: np.ndarray) -> float:
    n = counts.sum()
    f1 = int(np.sum(counts == 1))
    if f1 == n:  # all singletons: coverage would be 0; Chao & Shen's fix
        f1 = n - 1
    p = (1.0 - f1 / n) * counts / n
    return float(-np.sum(p * np.log(p) / -np.expm1(n * np.log1p(-p))))


def _entropy_nats(ids, method, alphabet) -> tuple[float, float | None]:
    """(estimate, stderr or None) in nats of the symbols ``ids`` with the given method."""
    counts = _counts(ids)
    if method == "plugin":
        return _plugin_nats(counts), _plugin_stderr_nats(counts)
    if method == "miller_madow":
        bias = (len(counts) - 1) / (2.0 * counts.sum())
        return _plugin_nats(counts) + bias, _plugin_stderr_nats(counts)
    if method == "chao_shen":
        return _chao_shen_nats(counts), None
    return _nsb_nats(counts, alphabet)


# ---------------------------------------------------------------- validation helpers


def _check_alphabet(given, observed: float, m: int, name: str) -> tuple[float, str]:
    """The alphabet size K for NSB and where it came from ("given" or "observed")."""
    if given is None:
        k, source = observed, "observed"
    else:
        k, source = float(check_positive_int(f"alphabet size of {name}", given)), "given"
    if not math.isfinite(k) or k > 1e250:
        raise InfoplaneError(
            f"the alphabet of {name} (product of per-column cardinalities) is too large for "
            "NSB; pass alphabet_size explicitly"
        )
    if k < m:
        raise InfoplaneError(
            f"alphabet size {int(k)} of {name} is smaller than the {m} symbols observed in it; "
            "pass an alphabet size of at least the number of distinct rows"
        )
    return k, source


def _variables(named: dict, alphabet_sizes) -> tuple[dict, dict, int]:
    """Ids and default alphabet sizes of each named variable, and their common n."""
    ids, alpha = {}, {}
    for name, x in named.items():
        ids[name], alpha[name] = _symbols(x, name)
    n = check_same_n(**ids)
    if alphabet_sizes is not None:
        if isinstance(alphabet_sizes, (int, np.integer)) or len(alphabet_sizes) != len(named):
            raise InfoplaneError(
                f"alphabet_sizes must have one entry (int or None) per variable "
                f"({', '.join(named)}), got {alphabet_sizes!r}"
            )
        for name, k in zip(named, alphabet_sizes, strict=True):
            if k is not None:
                alpha[name] = float(check_positive_int(f"alphabet size of {name}", k))
    return ids, alpha, n


def _combination(named, alphabet_sizes, method, unit, terms, quantity, advice=COUNTING_ADVICE):
    """Estimate sum_s sign_s H(joint of subset s) for terms [(sign, subset of names)].

    ``advice`` ends the saturation warnings (binning passes its own: fewer bins, ...).
    """
    check_choice("entropy method", method, ENTROPY_METHODS)
    check_unit(unit)
    ids, alpha, n = _variables(named, alphabet_sizes)
    total, settings, parts = 0.0, {"entropy_method": method}, []
    for sign, subset in terms:
        joint = _joint_ids([ids[s] for s in subset])
        label = ",".join(subset)
        k = math.prod(alpha[s] for s in subset)
        if method == "nsb":
            k, _ = _check_alphabet(None, k, int(joint.max()) + 1, label)
            settings[f"alphabet_size[{label}]"] = k
        h, _ = _entropy_nats(joint, method, k)
        total += sign * h
        parts.append((sign, subset, int(joint.max()) + 1, h / math.log(2)))
    value = float(from_nats(total, unit))
    warnings = negative_warning(value, method)
    if method in ("plugin", "miller_madow"):
        warnings += _counting_warnings(from_nats(total, "bits"), n, method, quantity, parts,
                                       advice)
    return Estimate(value, unit, method, quantity, n, settings, None, warnings)


def _counting_warnings(bits, n, method, quantity, parts, advice) -> tuple[str, ...]:
    """The saturation rule (``_warnings``) for sum_s sign_s H_s, parts [(sign, subset, occupied
    symbols, H_s in bits)]: judged on the largest joint; for a mutual information, against the
    smaller marginal entropy when that marginal is itself well sampled."""
    occupied = max(m for _, _, m, _ in parts)
    bias = combination_bias_bits([(sign, m) for sign, _, m, _ in parts], n)
    ceiling = None
    if quantity == "mutual_information":
        subset, m, h = min(((s, m, h) for sign, s, m, h in parts if len(s) == 1),
                           key=lambda t: t[2])
        if not undersampled(m, n):
            ceiling = (f"H({subset[0]})", h)
    what = quantity.replace("_", " ") if method == "plugin" else f"{method} {quantity}"
    return saturation_warning(bits, n, what, occupied=occupied,
                              bias_bits=bias if method == "plugin" else 0.0,
                              ceiling=ceiling, advice=advice)


# ---------------------------------------------------------------- public: entropies and MI


def discrete_entropy(
    x, *, method: str = "plugin", alphabet_size: int | None = None, unit: str = "bits"
) -> Estimate:
    """Entropy H(X) of discrete samples, each row one symbol.

    Args:
        x: samples, shape (n,) or (n, d); rows are compared exactly.
        method: "plugin", "miller_madow", "chao_shen" or "nsb" (see the module docstring).
        alphabet_size: K, the number of possible symbols, used by "nsb" only. None takes the
            product of the per-column numbers of observed values, which is the number of
            observed symbols m for one column; it underestimates K when values are unseen, so
            pass the true K when you know it (e.g. 2**d for d binary units).
        unit: "bits" (default) or "nats".

    Returns:
        An Estimate with quantity "entropy". stderr: the asymptotic (delta-method) std of the
        plug-in for "plugin" and "miller_madow", the posterior std for "nsb", None for
        "chao_shen".
    """
    check_choice("entropy method", method, ENTROPY_METHODS)
    check_unit(unit)
    ids, observed = _symbols(x, "x")
    n, m = ids.size, int(ids.max()) + 1
    settings: dict = {"method": method}
    k = observed
    if method == "nsb":
        k, source = _check_alphabet(alphabet_size, observed, m, "x")
        settings.update(alphabet_size=k, alphabet_size_source=source)
    elif alphabet_size is not None:
        raise InfoplaneError('alphabet_size is used only by method="nsb"; leave it as None')
    h, stderr = _entropy_nats(ids, method, k)
    settings["observed_symbols"] = m
    h = float(h)
    warnings = ()
    if method == "nsb" and m == n and n > 1:
        warnings = (
            "nsb: no symbol occurs twice, and NSB learns from repeats (coincidences); with "
            "none its posterior runs to H = log K, so the value reflects alphabet_size",
        )
    if method in ("plugin", "miller_madow"):
        warnings += saturation_warning(
            _plugin_nats(_counts(ids)) / math.log(2), n, "entropy", occupied=m,
            bias_bits=None if method == "plugin" else 0.0, advice=COUNTING_ADVICE)
    stderr = None if stderr is None else from_nats(stderr, unit)
    return Estimate(from_nats(h, unit), unit, method, "entropy", n, settings, stderr, warnings)


def label_entropy_bits(labels) -> float:
    """Plug-in H(Y) in bits of class labels (n,), integers of any sign: exactly
    ``discrete_entropy(labels).value``, without its checks and warnings, for labels already
    checked (a data set's, a run's, a recorder's)."""
    _, counts = np.unique(np.asarray(labels).ravel(), return_counts=True)
    return from_nats(_plugin_nats(counts), "bits")


def input_entropy_bits(x) -> float:
    """H(X) in bits of X uniform over the n rows of ``x`` (n, ...), as every plane measures
    it: the plug-in entropy of the distinct rows' counts, which is log2(n) when no row repeats
    and below log2(distinct rows) when some do. It is the ceiling of I(X;T) on these rows."""
    rows = np.asarray(x).reshape(len(x), -1)
    _, counts = np.unique(rows, axis=0, return_counts=True)
    return from_nats(_plugin_nats(counts), "bits")


def discrete_mutual_information(
    x, y, *, method: str = "plugin", alphabet_sizes=None, unit: str = "bits"
) -> Estimate:
    """I(X;Y) = H(X) + H(Y) - H(X,Y) of paired discrete samples (rows are symbols).

    Args:
        x, y: samples of shape (n,) or (n, d), same n.
        method: the entropy estimator used for every term (see :func:`discrete_entropy`).
        alphabet_sizes: for "nsb", (K_x, K_y), either may be None (default per variable as in
            :func:`discrete_entropy`); the joint alphabet is the product.
        unit: "bits" or "nats".

    The plug-in value lies in [0, min(H(X), H(Y))]; bias-corrected ones can be negative, which
    is flagged in ``warnings``. stderr is None.
    """
    terms = [(1, ("x",)), (1, ("y",)), (-1, ("x", "y"))]
    return _combination({"x": x, "y": y}, alphabet_sizes, method, unit, terms, "mutual_information")


def discrete_conditional_entropy(
    x, y, *, method: str = "plugin", alphabet_sizes=None, unit: str = "bits"
) -> Estimate:
    """H(X | Y) = H(X,Y) - H(Y). Arguments as for :func:`discrete_mutual_information`."""
    terms = [(1, ("x", "y")), (-1, ("y",))]
    return _combination(
        {"x": x, "y": y}, alphabet_sizes, method, unit, terms, "conditional_entropy"
    )


def discrete_conditional_mutual_information(
    x, y, z, *, method: str = "plugin", alphabet_sizes=None, unit: str = "bits"
) -> Estimate:
    """I(X;Y | Z) = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z).

    Arguments as for :func:`discrete_mutual_information`; ``alphabet_sizes`` is (K_x, K_y, K_z).
    """
    terms = [(1, ("x", "z")), (1, ("y", "z")), (-1, ("x", "y", "z")), (-1, ("z",))]
    return _combination({"x": x, "y": y, "z": z}, alphabet_sizes, method, unit, terms,
                        "conditional_mutual_information")
