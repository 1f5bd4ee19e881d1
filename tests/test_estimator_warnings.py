"""The saturation and bias warnings of plug-in (counting) estimates (``estimators._warnings``).

Issue 14, item 3: binned MI of independent 4+4-d Gaussians (n = 2000) returned 10.86 bits with
no warning, and 9.79 bits for a truth of 0.97 on 3+3-d data. The rule is judged on the number
of occupied bins; these tests check that it says yes where the estimate is the sample size
and no where the bins are well filled.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import infoplane as ip
from infoplane.estimators._warnings import (
    BIAS_BITS,
    combination_bias_bits,
    occupancy_bias_bits,
    saturated,
    saturation_warning,
    undersampled,
)
from infoplane.estimators.discrete import discrete_entropy, discrete_mutual_information

N = 2000


def _gaussian_pair(d: int, rho: float, n: int, seed: int):
    """x, y (n, d) standard normal with corr(x_j, y_j) = rho; I = -d/2 log2(1 - rho^2) bits."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = rho * x + math.sqrt(1.0 - rho**2) * rng.normal(size=(n, d))
    return x, y


def _only(est, word: str) -> str:
    assert len(est.warnings) == 1, est.warnings
    (message,) = est.warnings
    assert message.startswith(word), message
    return message


@pytest.mark.parametrize("d", [4, 10])
def test_independent_high_dimensional_binning_warns(d):
    x, y = _gaussian_pair(d, 0.0, N, seed=d)
    est = ip.mutual_information(x, y, method="binning")
    assert est.value > 9.0  # truth 0: the bins count samples
    message = _only(est, "saturated")
    assert "log2 n = 10.97" in message and "fewer bins" in message


def test_three_plus_three_gaussian_binning_warns():
    x, y = _gaussian_pair(3, 0.6, N, seed=3)
    truth = -1.5 * math.log2(1 - 0.6**2)  # 0.966 bits
    est = ip.mutual_information(x, y, method="binning")
    assert est.value > 5 * truth
    _only(est, "saturated")


def test_well_sampled_low_dimensional_binning_is_quiet():
    # 1+1-d, n = 10,000, 10 bins: about 80 occupied cells, 125 samples each; the first-order
    # bias (m_xy - m_x - m_y + 1) / (2 n ln 2) is about 0.004 bits of 0.2.
    x, y = _gaussian_pair(1, 0.5, 10_000, seed=1)
    est = ip.mutual_information(x, y, method="binning", n_bins=10)
    assert est.value == pytest.approx(-0.5 * math.log2(1 - 0.25), abs=0.08)
    assert est.warnings == ()
    independent = ip.mutual_information(x, np.random.default_rng(2).normal(size=10_000),
                                        method="binning", n_bins=10)
    assert independent.value < BIAS_BITS / 10 and independent.warnings == ()


def test_binned_labels_near_h_y_warn_as_ceiling():
    rng = np.random.default_rng(5)
    t, labels = rng.normal(size=(N, 4)), rng.integers(0, 2, N)  # independent: truth 0
    est = ip.mutual_information(t, labels, method="binning")
    assert est.value > 0.9  # plug-in H(Y) is about 1 bit
    message = _only(est, "saturated")
    assert "ceiling H(y)" in message and "every sample is its own bin" in message


def test_labels_read_from_few_bins_are_quiet():
    # a layer that separates the classes with well-filled bins: I(T;Y) = H(Y), legitimately
    rng = np.random.default_rng(6)
    labels = rng.integers(0, 2, N)
    t = labels[:, None] + 0.05 * rng.normal(size=(N, 1))
    est = ip.mutual_information(t, labels, method="binning", n_bins=10)
    assert est.value == pytest.approx(1.0, abs=0.01) and est.warnings == ()


def test_binned_entropy_and_discrete_counts_warn_with_their_advice():
    x = np.random.default_rng(7).normal(size=(N, 3))
    assert "fewer bins" in _only(ip.entropy(x, method="binning"), "saturated")
    distinct = discrete_entropy(np.arange(64))
    assert "bias-corrected" in _only(distinct, "saturated")
    mm = discrete_mutual_information(np.arange(64), np.arange(64) % 7, method="miller_madow")
    assert any(w.startswith("saturated") for w in mm.warnings)


def test_rule_thresholds_by_hand():
    n = 10_000
    # (m - 1) / (2 n ln 2) > 0.1 bits  <=>  m > 1 + 0.2 n ln 2 = 1387.3 for n = 10,000
    assert not undersampled(1387, n) and undersampled(1388, n)
    assert occupancy_bias_bits(1 + 2 * n * math.log(2), n) == pytest.approx(1.0)
    # I = H(X) + H(Y) - H(X,Y) with m = 10, 10, 100: bias +(100 - 10 - 10 + 1) / (2 n ln 2)
    assert combination_bias_bits([(1, 10), (1, 10), (-1, 100)], n) == pytest.approx(
        81 / (2 * n * math.log(2)))
    assert saturation_warning(0.5, n, occupied=100, bias_bits=0.005) == ()
    (message,) = saturation_warning(0.1, n, "I(X;Y)", occupied=1000, bias_bits=0.05)
    assert message.startswith("bias-dominated") and "+0.050 bits" in message
    assert saturation_warning(0.001, n, occupied=100, bias_bits=0.005) == ()  # below the floor


def test_kernel_rule_and_plane_call():
    # without occupancy (KDE, Renyi): within 0.1 bit of log2 n
    assert saturation_warning(math.log2(4096) - 0.05, 4096, "I(X;T)")
    assert saturation_warning(math.log2(4096) - 0.2, 4096, "I(X;T)") == ()
    # the plane knows only H(T): 2 ** H(T) occupied bins at least
    h_t = 10.0  # of log2 4096 = 12 bits: >= 1024 bins, 4 samples each
    (message,) = saturation_warning(h_t, 4096, "I(X;T)", occupied=2**h_t)
    assert message.startswith("under-sampled")
    (at_top,) = saturation_warning(0.99, 4096, "I(T;Y)", occupied=2**11.9,
                                   ceiling=("H(Y)", 1.0))
    assert "ceiling H(Y)" in at_top
    assert saturation_warning(0.99, 4096, "I(T;Y)", occupied=2**6, ceiling=("H(Y)", 1.0)) == ()


def test_plane_of_a_whole_population_reports_only_saturation():
    # X uniform over n = 4096 inputs: H(T) is exact, so 10 bits (>= 1024 bins) is no bias
    assert saturation_warning(10.0, 4096, "I(X;T) of L4", occupied=2**10.0, exact=True) == ()
    (message,) = saturation_warning(11.99, 4096, "I(X;T) of L1", occupied=2**11.99, exact=True)
    assert message.startswith("saturated") and "L1" in message
    (top,) = saturation_warning(0.999, 4096, "I(T;Y) of L1", occupied=2**11.99,
                                ceiling=("H(Y)", 0.999), exact=True)
    assert "ceiling H(Y)" in top
    i_xt = np.array([[12.0, 11.97, 9.32, 3.5]])  # a plane's [epoch, layer] in bits
    np.testing.assert_array_equal(undersampled(2.0**i_xt, 4096), [[True, True, True, False]])
    np.testing.assert_array_equal(saturated(2.0**i_xt, 4096), [[True, True, False, False]])
