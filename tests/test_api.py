"""The public information functions: units, dispatch, ground truth, invariants and bad input."""

import math

import numpy as np
import pytest

from infoplane import InfoplaneError
from infoplane.estimators import (
    Estimate,
    conditional_entropy,
    conditional_mutual_information,
    cross_entropy,
    entropy,
    joint_entropy,
    kl_divergence,
    method_names,
    mutual_information,
    total_correlation,
)


def _gauss(n=2000, rho=0.8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    return x, rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n)


def _labels(n=600, k=3, seed=1):
    return np.random.default_rng(seed).integers(0, k, n)


# ---------------------------------------------------------------- records, units, dispatch


@pytest.mark.parametrize(("x", "y", "method"), [
    (_labels(), _labels(seed=2), "plugin"),
    (_gauss()[0], _labels(2000), "knn_mixed"),
    (_labels(2000), _gauss()[0], "knn_mixed"),  # either order
    (*_gauss(), "copula"),
])
def test_default_method_follows_data_types(x, y, method):
    est = mutual_information(x, y)
    assert isinstance(est, Estimate)
    assert (est.method, est.unit, est.quantity) == (method, "bits", "mutual_information")
    assert est.n == len(x) and float(est) == est.value


def test_default_entropy_methods_and_overrides():
    x = _gauss()[0]
    assert entropy(x).method == "kl"
    assert entropy(_labels()).method == "plugin"
    # Float-coded labels are continuous unless told otherwise.
    assert entropy(_labels().astype(float), discrete=True).method == "plugin"
    lab = _labels(2000).astype(float)
    assert mutual_information(x, lab, discrete_y=True).method == "knn_mixed"


@pytest.mark.parametrize(("method", "settings"), [
    ("plugin", {}), ("miller_madow", {}), ("copula", {}), ("ksg2", {"k": 5}),
    ("gaussian", {}), ("binning", {"n_bins": 10}),
])
def test_bits_are_nats_over_ln2(method, settings):
    if method in ("plugin", "miller_madow"):
        x, y = _labels(), (_labels() + _labels(seed=5)) % 3
    else:
        x, y = _gauss(n=500)
    bits = mutual_information(x, y, method=method, **settings)
    nats = mutual_information(x, y, method=method, unit="nats", **settings)
    assert nats.unit == "nats"
    assert bits.value == pytest.approx(nats.value / math.log(2), rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------- ground truth


def test_gaussian_truth_through_default():
    # I = -1/2 log2(1 - rho^2) = 0.737 bits. At n = 2000 both parts of the copula estimator have
    # a spread of about 0.02 bits (benchmark); 0.06 is three of those.
    x, y = _gauss(n=2000, rho=0.8)
    assert float(mutual_information(x, y)) == pytest.approx(-0.5 * math.log2(1 - 0.64), abs=0.06)


def test_multivariate_gaussian_truth_through_default():
    # x (3-d), y (3-d): pairs with rho 0.9, 0.5, 0 give 1.198 + 0.208 + 0 bits. The Gaussian
    # copula part is unbiased for this (sd ~ 0.02 bits at n = 3000); 0.08 allows for the max.
    rng = np.random.default_rng(3)
    r = np.array([0.9, 0.5, 0.0])
    x = rng.standard_normal((3000, 3))
    y = r * x + np.sqrt(1 - r**2) * rng.standard_normal((3000, 3))
    truth = sum(-0.5 * math.log2(1 - v * v) for v in r)
    assert float(mutual_information(x, y)) == pytest.approx(truth, abs=0.08)
    # The monotone maps leave I unchanged, and the copula estimator is exactly invariant to them.
    same = mutual_information(np.exp(x), y**3)
    assert float(same) == pytest.approx(float(mutual_information(x, y)), abs=1e-6)


def test_discrete_textbook_values():
    # X, Z fair independent bits, Y = X xor Z: I(X;Y) = 0, I(X;Y|Z) = 1 bit, H(Y|X) = 1 bit.
    x = np.array([0, 0, 1, 1] * 50)
    z = np.array([0, 1, 0, 1] * 50)
    y = x ^ z
    assert float(mutual_information(x, y)) == pytest.approx(0.0, abs=1e-12)
    assert float(conditional_mutual_information(x, y, z)) == pytest.approx(1.0, abs=1e-12)
    assert float(conditional_entropy(y, x)) == pytest.approx(1.0, abs=1e-12)
    assert float(joint_entropy(x, z)) == pytest.approx(2.0, abs=1e-12)
    assert float(total_correlation(np.stack([x, y, z], 1))) == pytest.approx(1.0, abs=1e-12)


def test_gaussian_total_correlation():
    # TC of a Gaussian = -1/2 log2 det R; here R has one correlation 0.8: 0.737 bits. The chain
    # rule of the default estimator has sd ~0.03 bits at n = 1500; 0.08 is over two of those.
    rng = np.random.default_rng(4)
    a = rng.standard_normal((1500, 3))
    a[:, 1] = 0.8 * a[:, 0] + 0.6 * a[:, 1]
    truth = -0.5 * math.log2(1 - 0.64)
    assert float(total_correlation(a)) == pytest.approx(truth, abs=0.08)
    assert float(total_correlation(a, method="gaussian")) == pytest.approx(truth, abs=0.08)
    assert total_correlation(a[:, :1]).value == 0.0


def test_uniform_entropy_and_conditional_entropy_by_class():
    # U(0, 1) has h = 0; U(0, 2) given label 1 and U(0, 1) given label 0: H(X|Y) = 0.5 bit.
    # The KL estimator is biased low on a uniform (its sharp edges): observed -0.02 bits at
    # n = 2000 and -0.06 for the two classes of ~1000; 0.1 leaves room for the spread (~0.02).
    rng = np.random.default_rng(5)
    lab = rng.integers(0, 2, 2000)
    x = rng.uniform(0, 1, 2000) * (1 + lab)
    assert float(entropy(rng.uniform(0, 1, 2000))) == pytest.approx(0.0, abs=0.06)
    assert float(conditional_entropy(x, lab)) == pytest.approx(0.5, abs=0.1)


def test_distribution_functions_are_reexported():
    p, q = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    assert float(cross_entropy(p, p)) == pytest.approx(1.0)
    assert float(kl_divergence(p, q)) == pytest.approx(0.5 * math.log2(0.5 / 0.25)
                                                       + 0.5 * math.log2(0.5 / 0.75))


# ---------------------------------------------------------------- invariants


@pytest.mark.parametrize("method", ["plugin", "copula", "knn_mixed", "ksg1", "gaussian"])
def test_symmetry(method):
    if method == "plugin":
        x, y = _labels(), (_labels() * 2 + _labels(seed=9)) % 4
    elif method == "knn_mixed":
        x, y = _gauss(n=800)[0], _labels(800)
    else:
        x, y = _gauss(n=800)
    # Only the order of the 1e-10 tie-breaking draws changes: far below any neighbour gap.
    assert float(mutual_information(x, y, method=method)) == pytest.approx(
        float(mutual_information(y, x, method=method)), abs=1e-9)


def test_relabelling_invariance():
    x, lab = _gauss(n=800)[0], _labels(800)
    relabelled = np.array([7, -2, 40])[lab]
    other = _labels(800, seed=8)
    for method in ("knn_mixed", "binning"):
        assert float(mutual_information(x, lab, method=method)) == pytest.approx(
            float(mutual_information(x, relabelled, method=method)), abs=1e-12)
    assert float(mutual_information(other, lab)) == pytest.approx(
        float(mutual_information(other, relabelled)), abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_discrete_mi_bounded_by_entropies(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 6, 300)
    y = (x + rng.integers(0, 3, 300)) % 5
    i = float(mutual_information(x, y))
    assert 0 <= i <= min(float(entropy(x)), float(entropy(y))) + 1e-12


@pytest.mark.parametrize("method", ["plugin", "gaussian", "renyi"])
def test_bounded_methods_are_non_negative_on_independent_data(method):
    rng = np.random.default_rng(11)
    if method == "plugin":
        x, y = rng.integers(0, 4, 400), rng.integers(0, 4, 400)
    else:
        x, y = rng.standard_normal((400, 2)), rng.standard_normal((400, 2))
    assert float(mutual_information(x, y, method=method)) >= 0.0


def test_negative_estimates_carry_a_warning():
    rng = np.random.default_rng(12)
    for seed in range(6):
        est = mutual_information(rng.standard_normal(300), rng.standard_normal(300), seed=seed)
        assert math.isfinite(est.value)
        if est.value < 0:
            assert any("negative" in w for w in est.warnings)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(("call", "match"), [
    (lambda: mutual_information(np.zeros((5, 2, 2)), np.zeros(5)), "shape"),
    (lambda: mutual_information(np.ones(10), np.ones(11)), "same number of samples"),
    (lambda: mutual_information(np.r_[np.nan, np.arange(9.0)], np.arange(10.0)), "NaN"),
    (lambda: entropy(np.r_[np.inf, np.arange(9.0)]), "NaN or inf"),
    (lambda: mutual_information(*_gauss(n=10), method="ksg1", k=10), "k=10"),
    (lambda: mutual_information(*_gauss(n=50), method="magic"), "valid methods"),
    (lambda: mutual_information(_gauss()[0], _labels(2000), method="ksg1"), "does not apply"),
    (lambda: mutual_information(_labels(), _labels(), method="copula"), "does not apply"),
    (lambda: mutual_information(*_gauss(n=50), method="ksg1", n_bins=3), "does not take"),
    (lambda: entropy(np.c_[np.ones(50), np.arange(50.0)]), "constant"),
    (lambda: mutual_information(np.c_[np.ones(50), np.arange(50.0)], np.arange(50.0),
                                method="gaussian"), "constant"),
    (lambda: mutual_information(np.arange(3.0), np.arange(3.0)), "too few"),
    (lambda: joint_entropy(_labels(), _gauss(600)[0]), "discrete and continuous"),
])
def test_bad_input_is_a_clear_error(call, match):
    with pytest.raises(InfoplaneError, match=match):
        call()


def test_method_list_is_complete():
    for m in ("plugin", "miller_madow", "chao_shen", "nsb", "binning", "kde_upper", "kde_lower",
              "kl", "ksg1", "ksg2", "knn_mixed", "gaussian", "renyi", "mine", "nwj", "infonce"):
        assert m in method_names()
