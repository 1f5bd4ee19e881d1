"""Tests of the matrix-based Renyi entropy and mutual information (Giraldo et al. 2015)."""

import math

import numpy as np
import pytest

from infoplane import InfoplaneError
from infoplane.estimators.renyi import (
    MAX_SAMPLES,
    renyi_entropy,
    renyi_mutual_information,
    silverman_sigma,
)

# Eigenvalues in float64 of matrices with entries <= 1: round-off ~1e-13 on the entropies.
EXACT = 1e-9


def _renyi_of_distribution(p, alpha):
    p = np.asarray(p, dtype=float)
    if alpha == 1.0:
        return float(-(p * np.log2(p)).sum())
    return float(np.log2((p**alpha).sum()) / (1 - alpha))


@pytest.mark.parametrize("alpha", [0.5, 1.0, 1.01, 2.0])
def test_distinct_far_points_give_log2_n(alpha):
    # Points 1 apart with sigma 0.01: off-diagonal kernel exp(-5000) = 0, so A = I / n.
    x = np.arange(64, dtype=float)
    est = renyi_entropy(x, alpha=alpha, sigma=0.01)
    assert est.value == pytest.approx(6.0, abs=EXACT)
    assert est.method == "renyi" and est.quantity == "entropy" and est.unit == "bits"
    assert any("saturated" in w for w in est.warnings)


def test_identical_points_give_zero():
    x = np.full((40, 3), 1.5)
    assert renyi_entropy(x).value == pytest.approx(0.0, abs=EXACT)  # default sigma fallback
    assert renyi_entropy(x, sigma=0.1).value == pytest.approx(0.0, abs=EXACT)


@pytest.mark.parametrize("alpha", [0.5, 1.0, 1.01, 2.0])
def test_delta_kernel_gives_renyi_entropy_of_labels(alpha):
    # Integer labels get the delta kernel: A is block-constant, eigenvalues = class frequencies.
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    est = renyi_entropy(labels, alpha=alpha)
    assert est.value == pytest.approx(_renyi_of_distribution([0.5, 0.3, 0.2], alpha), abs=EXACT)
    assert est.settings["sigma"] == "delta"


def test_alpha_to_one_limit_is_shannon():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(150, 2))
    s1 = renyi_entropy(x, alpha=1.0).value
    near = renyi_entropy(x, alpha=1.0 + 1e-6).value
    # dS/dalpha at 1 is -(ln 2 / 2) Var_lambda(log2 lambda), which is O(10) here at most, so a
    # step of 1e-6 moves S by < 1e-4.
    assert near == pytest.approx(s1, abs=1e-4)
    # Renyi entropies are non-increasing in alpha.
    values = [renyi_entropy(x, alpha=a).value for a in (0.5, 1.0, 1.01, 2.0, 5.0)]
    assert all(a >= b - EXACT for a, b in zip(values, values[1:], strict=False))
    assert 0 < values[-1] < values[0] <= math.log2(150)


def _correlated(n=150, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = np.tanh(x @ np.array([[1.0], [-0.5]])) + 0.3 * rng.normal(size=(n, 1))
    return x, y


@pytest.mark.parametrize("alpha", [1.01, 2.0])
def test_mi_symmetric_nonnegative_and_bounded(alpha):
    x, y = _correlated()
    xy = renyi_mutual_information(x, y, alpha=alpha)
    yx = renyi_mutual_information(y, x, alpha=alpha)
    assert xy.value == pytest.approx(yx.value, abs=EXACT)
    h_x = renyi_entropy(x, alpha=alpha).value
    h_y = renyi_entropy(y, alpha=alpha).value
    assert 0.0 < xy.value <= min(h_x, h_y) + EXACT
    assert xy.settings["sigma_x"] == pytest.approx(silverman_sigma(x))


def test_mi_with_independent_variable_is_lower_than_dependent():
    x, y = _correlated()
    z = np.random.default_rng(2).normal(size=(150, 1))
    assert renyi_mutual_information(x, z).value < renyi_mutual_information(x, y).value


def test_mi_of_separated_clusters_with_labels_is_label_entropy():
    # Each class is one point, classes 10 apart: A is the delta-kernel matrix of the labels,
    # so S(A) = S(B) = S(A o B) = H(labels) and I = H(labels).
    labels = np.repeat([0, 1, 2, 3], [40, 30, 20, 10])
    x = 10.0 * labels[:, None] * np.ones((1, 2))
    est = renyi_mutual_information(x, labels, sigma=1.0)
    assert est.value == pytest.approx(_renyi_of_distribution([0.4, 0.3, 0.2, 0.1], 1.01), abs=1e-6)
    assert est.settings["sigma_y"] == "delta"


def test_units():
    x, y = _correlated()
    bits = renyi_mutual_information(x, y).value
    nats = renyi_mutual_information(x, y, unit="nats").value
    assert nats == pytest.approx(bits * math.log(2), rel=1e-12)


def test_sample_limit_and_subsample():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(MAX_SAMPLES + 1, 2))
    with pytest.raises(InfoplaneError, match="exceed the limit of 5000.*subsample"):
        renyi_entropy(x)
    a = renyi_entropy(x, subsample=200, seed=7)
    assert a.n == 200 and a.settings["n_total"] == MAX_SAMPLES + 1
    assert a.settings["subsample"] == 200 and a.settings["seed"] == 7
    assert renyi_entropy(x, subsample=200, seed=7).value == a.value  # same seed, same rows
    with pytest.raises(InfoplaneError, match="subsample must be at most 5000"):
        renyi_entropy(x, subsample=MAX_SAMPLES + 1)
    with pytest.raises(InfoplaneError, match="seed must be a non-negative integer"):
        renyi_entropy(x, subsample=10, seed=-1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alpha": 0.0}, "alpha must be a finite positive"),
        ({"alpha": -2.0}, "alpha must be a finite positive"),
        ({"alpha": float("inf")}, "alpha must be a finite positive"),
        ({"sigma": 0.0}, "sigma must be a finite positive number"),
        ({"sigma": float("nan")}, "sigma must be a finite positive number"),
        ({"sigma": (1.0, -1.0)}, "sigma_y must be a finite positive number"),
        ({"sigma": (1.0, 2.0, 3.0)}, "a pair"),
        ({"subsample": 0}, "subsample must be a positive integer"),
        ({"unit": "bans"}, "unknown unit"),
    ],
)
def test_bad_settings(kwargs, match):
    x, y = _correlated(n=20)
    with pytest.raises(InfoplaneError, match=match):
        renyi_mutual_information(x, y, **kwargs)


def test_bad_inputs():
    x, y = _correlated(n=20)
    with pytest.raises(InfoplaneError, match="same number of samples"):
        renyi_mutual_information(x, y[:-1])
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(InfoplaneError, match="NaN or inf"):
        renyi_entropy(bad)
    with pytest.raises(InfoplaneError, match="at least 2"):
        renyi_entropy(np.zeros((1, 2)))
