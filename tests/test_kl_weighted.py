"""The weighted Kozachenko-Leonenko entropy (method "kl_weighted") against closed forms."""

import math

import numpy as np
import pytest
from scipy import special

from infoplane import InfoplaneError, entropy
from infoplane.estimators.kl_weighted import kl_weights


def _gauss_bits(d):
    return 0.5 * d * math.log2(2 * math.pi * math.e)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_weights_are_plain_kl_below_four_dimensions(d):
    assert np.array_equal(kl_weights(d, 5), [0, 0, 0, 0, 1])


@pytest.mark.parametrize("d, k", [(4, 5), (8, 5), (8, 12), (12, 9)])
def test_weights_sum_to_one_and_cancel_the_bias_terms(d, k):
    w = kl_weights(d, k)
    j = np.arange(1, k + 1)
    assert w.sum() == pytest.approx(1.0, abs=1e-10)
    for ell in range(1, d // 4 + 1):
        ratio = np.exp(special.gammaln(j + 2 * ell / d) - special.gammaln(j))
        assert w @ ratio == pytest.approx(0.0, abs=1e-8)
    allowed = {(i * k) // d for i in range(1, d + 1)}
    assert all(w[jj - 1] == 0 for jj in j if jj not in allowed)


def test_weights_need_enough_neighbours():
    with pytest.raises(InfoplaneError, match="needs k >= "):
        kl_weights(20, 5)  # 5 bias terms and the sum: 6 equations on at most 5 orders


# Tolerances: 3 x the seed-to-seed s.d. measured at these sizes (0.012, 0.022, 0.051 bits
# for d = 1, 2, 4 at n = 5000), rounded up.
@pytest.mark.parametrize("d, tol", [(1, 0.04), (2, 0.07), (4, 0.16)])
def test_gaussian_closed_form(d, tol):
    x = np.random.default_rng(d).standard_normal((5000, d))
    est = entropy(x, method="kl_weighted")
    assert est.method == "kl_weighted" and est.unit == "bits"
    assert est.value == pytest.approx(_gauss_bits(d), abs=tol)
    assert 0 < est.stderr < 0.2


@pytest.mark.slow
@pytest.mark.parametrize("d, tol", [(1, 0.02), (2, 0.07)])
def test_uniform_closed_form(d, tol):
    # U[0, 2]^d has H = d bits. The density's jump at the boundary is outside the smoothness the
    # weights assume: measured bias +0.002 (d = 1), +0.04 (d = 2), +0.14 (d = 3, not tested)
    # at n = 4000; plain KL has the same boundary bias.
    x = np.random.default_rng(3).uniform(0, 2, size=(4000, d))
    assert entropy(x, method="kl_weighted").value == pytest.approx(d, abs=tol)


@pytest.mark.slow
def test_less_biased_than_plain_kl_in_four_dimensions():
    # Plain KL (k = 5) is biased about -0.09 bits at d = 4, n = 5000; the weights cancel the
    # n^(-2/d) term (measured bias -0.006): compare the mean over 4 seeds.
    truth = _gauss_bits(4)
    xs = [np.random.default_rng(10 + s).standard_normal((5000, 4)) for s in range(4)]
    weighted = np.mean([entropy(x, method="kl_weighted").value for x in xs]) - truth
    plain = np.mean([entropy(x, method="kl", k=5, metric="euclidean").value for x in xs]) - truth
    assert abs(weighted) < 0.5 * abs(plain)


def test_bad_input():
    x = np.random.default_rng(0).standard_normal((100, 2))
    with pytest.raises(InfoplaneError, match="constant"):
        entropy(np.column_stack([x, np.ones(100)]), method="kl_weighted")
    x[3, 1] = np.nan
    with pytest.raises(InfoplaneError, match="NaN"):
        entropy(x, method="kl_weighted")
    with pytest.raises(InfoplaneError, match="k=5 must be smaller"):
        entropy(np.arange(5.0), method="kl_weighted")
