"""When a plug-in (counting) estimate can be trusted: the saturation and bias warnings.

A plug-in entropy or mutual information of n samples counts how the samples fall into symbols
(bins). Its error is set by how many symbols are occupied, not by the value alone, so the rule
is judged on the occupancy.

The yardstick. With m occupied symbols, the plug-in entropy is biased low by about
(m - 1) / (2 n ln 2) bits (Miller 1955; the correction the "miller_madow" method adds). A
combination of entropies sum_s sign_s H_s (e.g. I(X;Y) = H(X) + H(Y) - H(X,Y)) is then biased
by -sum_s sign_s (m_s - 1) / (2 n ln 2) bits: for a mutual information
(m_xy - m_x - m_y + 1) / (2 n ln 2) bits, upwards.

The rule (``saturation_warning``), for n samples, m occupied joint symbols (the largest
joint in the estimate) and an estimate v in bits:

1. *Saturated or under-sampled* when the joint's own bias (m - 1) / (2 n ln 2) exceeds
   ``BIAS_BITS`` = 0.1 bits, i.e. m > 1 + 0.139 n: on average fewer than about 7 samples per
   occupied bin, so that most bins hold one or two samples. "Saturated" when m >= n / 2 (most
   samples alone in their bin: the value tends to log2 n, or to the ceiling below, whatever the
   data); "under-sampled" below that. This margin scales with n and with the bins: a plug-in
   value within 0.1 bit of log2 n needs m >= 2^(log2 n - 0.1) = 0.93 n, so the old rule
   ("within 0.1 bit of log2 n") is contained in this one, which also catches the 3+3-d and
   4+4-d Gaussians of issue 14 (n = 2000, m = n: 9.8 and 10.9 bits against log2 n = 10.97).
2. *Bias-dominated* when the first-order bias of the combination exceeds ``BIAS_FRACTION`` = 1/4
   of |v| and ``BIAS_FLOOR`` = 0.01 bits (so that a well-sampled estimate of about zero, whose
   bias of a few thousandths of a bit is all it is, stays quiet).
3. *At the ceiling* (a mutual information with a known ceiling, e.g. H(Y) of discrete labels):
   when rule 1 holds and v is within max(0.1 bits, the bias) of the ceiling, the message says
   that the estimate reached it because every sample sits in a bin of its own, not because X
   determines Y.

With no occupancy known (the kernel estimators, KDE and Renyi), a value within 0.1 bit of
log2 n is called saturated. A plug-in entropy of h bits occupies at least 2^h symbols, so a
caller who has only H(T) (the binned information plane) passes ``occupied=2 ** h``: a lower
bound, which can only make the rule quieter. There the n inputs are the whole population, so
``exact=True`` reports only saturation: a value that says every input has its own bin.

Each warning ends with what to do: fewer bins, more samples, or another estimator.
"""

from __future__ import annotations

import math

import numpy as np

BIAS_BITS = 0.1
BIAS_FRACTION = 0.25
BIAS_FLOOR = 0.01
SATURATED_SHARE = 0.5  # m >= n / 2: most samples alone in their bin
LOG2N_MARGIN = 0.1  # the rule without occupancy (kernel estimators)
BINNED_ADVICE = ("use fewer bins (n_bins), more samples, or another estimator "
                 "(method='copula' for continuous pairs, 'knn_mixed' with discrete labels, "
                 "'kl' for an entropy)")
COUNTING_ADVICE = ("use more samples, or a bias-corrected method "
                   "('miller_madow', 'chao_shen', 'nsb')")


def occupancy_bias_bits(occupied, n: int):
    """(m - 1) / (2 n ln 2): the Miller-Madow first-order bias in bits of a plug-in entropy of
    n samples in m occupied symbols. Works on scalars and arrays."""
    return (np.asarray(occupied, dtype=float) - 1.0) / (2.0 * n * math.log(2.0))


def undersampled(occupied, n: int):
    """Rule 1 of the module docstring: whether m occupied symbols are too many for n samples
    ((m - 1) / (2 n ln 2) > 0.1 bits). Scalars or arrays (e.g. m = 2 ** H(T) of a plane)."""
    return occupancy_bias_bits(occupied, n) > BIAS_BITS


def saturated(occupied, n: int):
    """Whether most of n samples are alone in their bin (m >= n / 2): the values then measure
    log2 n, not the data. Scalars or arrays; for a plane, ``saturated(2 ** I_XT, n)``."""
    return np.asarray(occupied, dtype=float) >= SATURATED_SHARE * n


def combination_bias_bits(terms, n: int) -> float:
    """First-order bias in bits (expected plug-in value minus truth) of sum_s sign_s H_s, for
    terms [(sign, occupied m_s)]: -sum_s sign_s (m_s - 1) / (2 n ln 2)."""
    return float(-sum(sign * occupancy_bias_bits(m, n) for sign, m in terms))


def _occupancy_message(value_bits, n, occupied, what, ceiling) -> str:
    if ceiling is not None:
        name, top = ceiling
        return (f"saturated: {what} = {value_bits:.2f} bits is at its ceiling {name} = "
                f"{top:.2f} bits because {occupied} occupied bins hold n = {n} samples "
                f"({n / occupied:.1f} per bin): it says every sample is its own bin (or "
                "nearly), not that the one determines the other")
    if saturated(occupied, n):
        return (f"saturated: {occupied} occupied bins for n = {n} samples (most samples alone "
                f"in their bin), so {what} = {value_bits:.2f} bits measures the sample size "
                f"(log2 n = {math.log2(n):.2f} bits), not the data")
    bias = float(occupancy_bias_bits(occupied, n))
    return (f"under-sampled: {occupied} occupied bins for n = {n} samples ({n / occupied:.1f} "
            f"per bin): their plug-in entropy alone is biased by about {bias:.2f} bits, so "
            f"{what} = {value_bits:.2f} bits is not reliable")


def saturation_warning(value_bits: float, n: int, what: str = "the estimate", *,
                       occupied: int | float | None = None, bias_bits: float | None = None,
                       ceiling: tuple[str, float] | None = None, advice: str | None = None,
                       exact: bool = False) -> tuple[str, ...]:
    """The saturation and bias warnings of one estimate (the rule in the module docstring).

    Args:
        value_bits: the estimate, in bits.
        n: the number of samples.
        what: how the message names the estimate, e.g. "I(X;T)".
        occupied: the number m of occupied joint symbols (bins); None for estimators without
            bins, which are judged against log2 n alone (within 0.1 bit). A lower bound such
            as 2 ** H(T) may be passed.
        bias_bits: the first-order bias in bits (expected estimate minus truth) when the
            estimate is a combination of entropies (:func:`combination_bias_bits`); None takes
            that of one plug-in entropy, -(m - 1) / (2 n ln 2).
        ceiling: (name, value in bits) of the most the quantity can be, e.g. ("H(Y)", 1.0).
        advice: what to do, appended to each warning; None: fewer bins, more samples or
            another estimator (with ``occupied``), else more samples or fewer dimensions.
        exact: the n samples are the whole population (X uniform over n distinct inputs, as
            in the binned plane of a deterministic network), so a plug-in value has no
            sampling bias: only saturation (m >= n / 2, rules 1 and 3) is reported.

    Returns:
        A tuple of at most one message ("saturated", "under-sampled" or "bias-dominated").
    """
    if advice is None:
        advice = "use more samples or fewer dimensions" if occupied is None else BINNED_ADVICE
    if n <= 1:
        return ()
    if occupied is None:
        if value_bits >= math.log2(n) - LOG2N_MARGIN:
            return (f"saturated: {what} = {value_bits:.2f} bits is within {LOG2N_MARGIN} bit "
                    f"of log2 n = {math.log2(n):.2f} bits, the most n samples can show, so it "
                    f"measures the sample size, not the data; {advice}",)
        return ()
    occupied = int(round(float(occupied)))
    bias = -float(occupancy_bias_bits(occupied, n)) if bias_bits is None else float(bias_bits)
    if exact and not saturated(occupied, n):
        return ()
    if undersampled(occupied, n):
        near_top = ceiling is not None and value_bits >= ceiling[1] - max(BIAS_BITS, abs(bias))
        message = _occupancy_message(value_bits, n, occupied, what, ceiling if near_top else None)
        return (f"{message}; {advice}",)
    if not exact and abs(bias) > max(BIAS_FLOOR, BIAS_FRACTION * abs(value_bits)):
        return (f"bias-dominated: the plug-in {what} = {value_bits:.3f} bits from {occupied} "
                f"occupied bins and n = {n} samples has a first-order bias of {bias:+.3f} "
                f"bits, more than {BIAS_FRACTION:g} of the estimate; {advice}",)
    return ()
