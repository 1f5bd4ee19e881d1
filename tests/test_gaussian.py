"""Tests of the closed-form Gaussian estimators against textbook formulas."""

import math

import numpy as np
import pytest

from infoplane import InfoplaneError
from infoplane.estimators.gaussian import gaussian_entropy, gaussian_mutual_information

# Samples are constructed to have *exactly* a chosen sample covariance (whiten, then colour),
# so the estimators must reproduce the closed forms to float64 round-off on O(1) numbers.
EXACT = 1e-9


def _with_covariance(cov, n=500, seed=0):
    """n samples whose sample covariance (ddof=1) is exactly ``cov``."""
    rng = np.random.default_rng(seed)
    d = len(cov)
    z = rng.normal(size=(n, d))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T  # sample cov = I
    return z @ np.linalg.cholesky(cov).T + 3.0  # the mean does not matter


@pytest.mark.parametrize("rho", [0.0, 0.3, -0.6, 0.95])
def test_bivariate_mi_is_minus_half_log_one_minus_rho_squared(rho):
    xy = _with_covariance(np.array([[2.0, rho * math.sqrt(2.0)], [rho * math.sqrt(2.0), 1.0]]))
    est = gaussian_mutual_information(xy[:, 0], xy[:, 1], unit="nats")
    assert est.value == pytest.approx(-0.5 * math.log(1 - rho**2), abs=EXACT)
    assert est.method == "gaussian" and est.quantity == "mutual_information" and est.n == 500


def test_multivariate_mi_and_entropy_closed_form():
    rng = np.random.default_rng(1)
    m = rng.normal(size=(5, 5))
    cov = m @ m.T + 0.5 * np.eye(5)
    xy = _with_covariance(cov, n=400, seed=2)
    x, y = xy[:, :3], xy[:, 3:]
    logdet = lambda c: np.linalg.slogdet(c)[1]  # noqa: E731
    truth = 0.5 * (logdet(cov[:3, :3]) + logdet(cov[3:, 3:]) - logdet(cov))
    assert gaussian_mutual_information(x, y, unit="nats").value == pytest.approx(truth, abs=EXACT)
    assert gaussian_mutual_information(y, x, unit="nats").value == pytest.approx(truth, abs=EXACT)
    h_truth = 0.5 * (5 * math.log(2 * math.pi * math.e) + logdet(cov))
    assert gaussian_entropy(xy, unit="nats").value == pytest.approx(h_truth, abs=EXACT)


def test_entropy_of_unit_gaussian_and_units():
    x = _with_covariance(np.eye(2) * 4.0)
    nats = gaussian_entropy(x, unit="nats")
    # H = (d/2) log(2 pi e sigma^2) with d = 2, sigma^2 = 4.
    assert nats.value == pytest.approx(math.log(2 * math.pi * math.e * 4.0), abs=EXACT)
    bits = gaussian_entropy(x)
    assert bits.unit == "bits" and bits.value == pytest.approx(nats.value / math.log(2), rel=1e-12)
    assert bits.quantity == "entropy" and bits.settings == {"dim": 2, "ddof": 1}


def test_sampled_mi_converges():
    # Random (not constructed) samples: the MI estimate has standard deviation about
    # |rho| / sqrt(n) = 0.0042 nats at n = 20000 (delta method), and bias O(1/n); 5 sd = 0.021.
    rho = 0.6
    rng = np.random.default_rng(3)
    x = rng.normal(size=20_000)
    y = rho * x + math.sqrt(1 - rho**2) * rng.normal(size=20_000)
    est = gaussian_mutual_information(x, y, unit="nats").value
    assert est == pytest.approx(-0.5 * math.log(1 - rho**2), abs=0.021)


def test_independent_mi_is_small_and_nonnegative():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(2000, 2)), rng.normal(size=(2000, 3))
    est = gaussian_mutual_information(x, y).value
    # Under independence 2 n I (nats) ~ chi^2 with dx*dy = 6 dof: 99.9% below 22.5,
    # i.e. I < 22.5 / 4000 nats = 0.0081 bits.
    assert 0.0 <= est < 0.0081


def test_constant_column_is_an_error():
    x = np.random.default_rng(5).normal(size=(100, 3))
    x[:, 1] = 2.0
    with pytest.raises(InfoplaneError, match=r"constant column\(s\) \[1\]"):
        gaussian_entropy(x)
    with pytest.raises(InfoplaneError, match="constant column"):
        gaussian_mutual_information(x[:, 0], x[:, 1])


def test_collinear_columns_are_an_error():
    x = np.random.default_rng(6).normal(size=(100, 2))
    x = np.column_stack([x, x[:, 0] - 2 * x[:, 1]])
    with pytest.raises(InfoplaneError, match="singular.*collinear"):
        gaussian_entropy(x)


def test_linear_dependence_between_x_and_y_is_an_error():
    x = np.random.default_rng(7).normal(size=(100, 2))
    with pytest.raises(InfoplaneError, match="mutual information is infinite"):
        gaussian_mutual_information(x, x[:, 0] + x[:, 1])


def test_bad_inputs():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(50, 2))
    with pytest.raises(InfoplaneError, match="more samples than dimensions"):
        gaussian_entropy(rng.normal(size=(3, 4)))
    with pytest.raises(InfoplaneError, match="same number of samples"):
        gaussian_mutual_information(x, x[:-1, 0])
    bad = x.copy()
    bad[5, 0] = np.inf
    with pytest.raises(InfoplaneError, match="NaN or inf"):
        gaussian_mutual_information(bad, x)
    with pytest.raises(InfoplaneError, match="shape"):
        gaussian_entropy(np.zeros((5, 2, 2)))
    with pytest.raises(InfoplaneError, match="unknown unit"):
        gaussian_entropy(x, unit="hartleys")
