"""Tests of the kNN estimators: closed-form truth, a slow cKDTree reference, properties, errors.

Statistical tolerances are about 3 standard deviations of the estimator at the sample size used
(Kraskov et al. 2004, figs. 4-5: the KSG standard deviation at N = 2000 is about 0.015 nats);
the reference comparison is exact up to floating-point summation order.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate, stats
from scipy.spatial import cKDTree
from scipy.special import digamma, gammaln

from infoplane import InfoplaneError
from infoplane.estimators._knn_kernels import k_smallest
from infoplane.estimators.knn import (
    knn_entropy,
    ksg_batched,
    ksg_mutual_information,
    mixed_mutual_information,
)

N = 2000  # one sample size for most tests, so that jit compilations are shared

# ----------------------------------------------------------------------------- references


def ref_ksg(x, y, k, variant):
    """KSG 1 / 2 with cKDTree (max-norm); x, y (N, d) without ties."""
    n = len(x)
    d, idx = cKDTree(np.hstack([x, y])).query(np.hstack([x, y]), k + 1, p=np.inf)
    tx, ty = cKDTree(x), cKDTree(y)
    if variant == 1:
        r = np.nextafter(d[:, -1], 0)  # strictly inside eps
        nx = tx.query_ball_point(x, r, p=np.inf, return_length=True) - 1
        ny = ty.query_ball_point(y, r, p=np.inf, return_length=True) - 1
        return digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1))
    nb = idx[:, 1:]
    ex = np.abs(x[nb] - x[:, None]).max(axis=(1, 2))
    ey = np.abs(y[nb] - y[:, None]).max(axis=(1, 2))
    nx = tx.query_ball_point(x, ex, p=np.inf, return_length=True) - 1
    ny = ty.query_ball_point(y, ey, p=np.inf, return_length=True) - 1
    return digamma(k) - 1 / k + digamma(n) - np.mean(digamma(nx) + digamma(ny))


def ref_kl(x, k, p):
    n, d = x.shape
    r = cKDTree(x).query(x, k + 1, p=p)[0][:, -1]
    log_c = d * math.log(2) if p == np.inf else 0.5 * d * math.log(math.pi) - gammaln(d / 2 + 1)
    return digamma(n) - digamma(k) + log_c + d * np.mean(np.log(r))


def ref_mixed(x, labels, k):
    """Ross (2014) as in scikit-learn: k_c = min(k, N_c - 1), singleton classes left out."""
    classes, counts = np.unique(labels, return_counts=True)
    keep = np.isin(labels, classes[counts > 1])
    x, labels = x[keep], labels[keep]
    n = len(x)
    r, kk, nc = np.empty(n), np.empty(n), np.empty(n)
    for c in np.unique(labels):
        m = labels == c
        kc = min(k, m.sum() - 1)
        r[m] = cKDTree(x[m]).query(x[m], kc + 1, p=np.inf)[0][:, -1]
        kk[m], nc[m] = kc, m.sum()
    mi = cKDTree(x).query_ball_point(x, r, p=np.inf, return_length=True) - 1
    return digamma(n) + np.mean(digamma(kk)) - np.mean(digamma(nc)) - np.mean(digamma(mi))


def standardise(a):
    """The same column scaling the public MI functions apply, bit for bit."""
    return (a - a.mean(axis=0)) / a.std(axis=0)


def gaussian_pair(n, rho, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n)
    return x, y


# ----------------------------------------------------------------------------- ground truth


@pytest.mark.parametrize("variant", [1, 2])
def test_bivariate_gaussian(variant):
    x, y = gaussian_pair(N, 0.6, seed=0)
    truth = -0.5 * math.log(1 - 0.6**2)  # 0.223 nats
    est = ksg_mutual_information(x, y, variant=variant, unit="nats")
    assert est.method == f"ksg{variant}" and est.unit == "nats" and est.n == N
    assert abs(est.value - truth) < 0.05  # ~3 sd at N = 2000
    assert est.settings["k"] == 3 and est.settings["seed"] == 0


@pytest.mark.slow
def test_multivariate_gaussian():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 4))
    cov = a @ a.T + 2 * np.eye(4)
    z = rng.multivariate_normal(np.zeros(4), cov, size=N)
    truth = 0.5 * (np.linalg.slogdet(cov[:2, :2])[1] + np.linalg.slogdet(cov[2:, 2:])[1]
                   - np.linalg.slogdet(cov)[1])
    est = ksg_mutual_information(z[:, :2], z[:, 2:], unit="nats")
    # 4-d joint space: sd ~0.02 nats plus a small downward bias; 0.07 nats covers both.
    assert abs(est.value - truth) < 0.07


@pytest.mark.slow
def test_independent_is_near_zero():
    rng = np.random.default_rng(2)
    est = ksg_mutual_information(rng.standard_normal((N, 2)), rng.standard_normal((N, 1)),
                                 unit="nats")
    assert abs(est.value) < 0.04  # KSG1 is nearly unbiased at independence; ~3 sd


@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
def test_entropy_uniform_and_gaussian(metric):
    rng = np.random.default_rng(3)
    a, d = 3.0, 2
    uni = knn_entropy(rng.uniform(0, a, (N, d)), metric=metric, unit="nats")
    # Truth d log a; the boundary bias of KL for a uniform is O(N^(-1/d)) ~ 0.02 here.
    assert abs(uni.value - d * math.log(a)) < 0.06
    cov = np.array([[2.0, 0.8], [0.8, 1.0]])
    g = rng.multivariate_normal(np.zeros(2), cov, size=N)
    truth = 0.5 * np.linalg.slogdet(2 * math.pi * math.e * cov)[1]
    assert abs(knn_entropy(g, metric=metric, unit="nats").value - truth) < 0.06  # ~3 sd


def test_entropy_asinh_keeps_the_jacobian():
    """With the change-of-variables term added back, asinh leaves H(X) an estimate of H(X)."""
    rng = np.random.default_rng(4)
    g = rng.standard_normal((N, 1)) * 2.0
    truth = 0.5 * math.log(2 * math.pi * math.e * 4.0)
    est = knn_entropy(g, transform="asinh", unit="nats")
    assert abs(est.value - truth) < 0.06  # same 3 sd budget as the untransformed estimate


@pytest.mark.slow
def test_mixed_mixture_of_gaussians():
    rng = np.random.default_rng(5)
    mus = np.array([-2.0, 0.0, 2.0])
    labels = rng.integers(0, 3, 3000)
    x = mus[labels] + rng.standard_normal(3000)

    def p(t):
        return np.mean(stats.norm.pdf(t - mus))

    h_x = integrate.quad(lambda t: -p(t) * math.log(p(t)), -12, 12, limit=200)[0]
    truth = h_x - 0.5 * math.log(2 * math.pi * math.e)  # I = H(X) - H(X|Y)
    est = mixed_mutual_information(x, labels, unit="nats")
    assert est.method == "knn_mixed"
    assert abs(est.value - truth) < 0.05  # ~3 sd at N = 3000
    assert est.value <= math.log(3)  # never above H(Y) here


def test_heavy_tails_asinh():
    """A monotone sinh map gives heavy tails but the same I; asinh undoes most of the damage."""
    x, y = gaussian_pair(N, 0.6, seed=6)
    truth = -0.5 * math.log(1 - 0.6**2)
    est = ksg_mutual_information(np.sinh(3 * x), y, transform="asinh", unit="nats")
    assert abs(est.value - truth) < 0.05  # as for Gaussian data, ~3 sd


# ----------------------------------------------------------------------------- properties


def test_symmetry_and_units():
    x, y = gaussian_pair(N, 0.6, seed=7)
    xy = ksg_mutual_information(x, y, jitter=0.0)
    yx = ksg_mutual_information(y, x, jitter=0.0)
    assert xy.value == pytest.approx(yx.value, rel=1e-12)  # the counts are symmetric
    nats = ksg_mutual_information(x, y, jitter=0.0, unit="nats")
    assert xy.value == pytest.approx(nats.value / math.log(2), rel=1e-12)
    assert xy.unit == "bits" and nats.to("bits").value == pytest.approx(xy.value, rel=1e-12)


def test_monotone_transform_invariance():
    x, y = gaussian_pair(N, 0.6, seed=8)
    a = ksg_mutual_information(x, y, unit="nats").value
    b = ksg_mutual_information(np.exp(x / 2), y, unit="nats").value
    # I is invariant; KSG only approximately (distances change), within ~2 sd.
    assert abs(a - b) < 0.04


@pytest.mark.slow
def test_mixed_relabelling_invariance():
    rng = np.random.default_rng(9)
    labels = rng.integers(0, 3, N)
    x = labels[:, None] + rng.standard_normal((N, 2))
    a = mixed_mutual_information(x, labels).value
    b = mixed_mutual_information(x, np.array(["c", "a", "b"])[labels]).value
    assert a == b  # relabelling permutes classes only: identical arithmetic


# ----------------------------------------------------------------------------- reference


# n = 300 takes the direct path; N = 2000 the group pre-selection, with padded rows and columns
# (2000 is a multiple of neither 64 nor the block). Shapes match other tests to share compiles.
@pytest.mark.parametrize("n", [300, N])
@pytest.mark.parametrize("variant", [1, 2])
def test_ksg_matches_reference(n, variant):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((n, 2))
    y = x[:, :1] + rng.standard_normal((n, 1))
    fast = ksg_mutual_information(x, y, variant=variant, jitter=0.0, unit="nats").value
    slow = ref_ksg(standardise(x), standardise(y), 3, variant)
    assert fast == pytest.approx(slow, rel=1e-9)  # same counts; only summation order differs


@pytest.mark.parametrize("metric,p", [("chebyshev", np.inf), ("euclidean", 2)])
def test_entropy_matches_reference(metric, p):
    x = np.random.default_rng(11).standard_normal((N, 2))
    fast = knn_entropy(x, metric=metric, jitter=0.0, unit="nats").value
    assert fast == pytest.approx(ref_kl(x, 3, p), rel=1e-9)


@pytest.mark.parametrize("n", [300, N])
def test_mixed_matches_reference(n):
    rng = np.random.default_rng(12)
    labels = rng.integers(0, 5, n)
    labels[:3], labels[3] = 7, 9  # a class of 3 <= k members and a singleton class
    x = labels[:, None] + rng.standard_normal((n, 2))
    est = mixed_mutual_information(x, labels, jitter=0.0, unit="nats")
    assert est.value == pytest.approx(ref_mixed(standardise(x), labels, 3), rel=1e-9)
    assert any("singleton" in w for w in est.warnings)


@pytest.mark.slow
def test_batched_matches_single():
    rng = np.random.default_rng(13)
    xb = rng.standard_normal((3, 500, 2))
    yb = xb[:, :, :1] + rng.standard_normal((3, 500, 1))
    batch = ksg_batched(xb, yb, k=3, variant=2)
    one = [ref_ksg(xb[i], yb[i], 3, 2) for i in range(3)]
    np.testing.assert_allclose(batch, one, rtol=1e-9)  # same counts, float64


def test_k_smallest_with_ties():
    """The group pre-selection is exact, ties included (integer distances tie often)."""
    rng = np.random.default_rng(14)
    d = rng.integers(0, 40, (16, 64 * 20)).astype(np.float64)
    d[0, 64:] = np.inf  # a row whose k smallest all sit in one group
    with jax.enable_x64(True):
        vals, idx = k_smallest(jnp.asarray(d), 5)
    vals, idx = np.asarray(vals), np.asarray(idx)
    np.testing.assert_array_equal(vals, np.sort(d, axis=1)[:, :5])
    np.testing.assert_array_equal(np.take_along_axis(d, idx, axis=1), vals)
    assert all(len(set(row)) == 5 for row in idx)


# ----------------------------------------------------------------------------- ties, warnings


def test_ties_are_deterministic():
    rng = np.random.default_rng(15)
    t = np.maximum(rng.standard_normal((N, 2)), 0.0)  # ReLU: half the entries are 0
    y = rng.integers(0, 2, (N, 1)).astype(float)  # a discrete input: massive ties
    a = ksg_mutual_information(t, y, seed=1)
    b = ksg_mutual_information(t, y, seed=1)
    c = ksg_mutual_information(t, y, seed=2)
    assert a.value == b.value and math.isfinite(c.value)
    assert a.settings["seed"] == 1 and a.settings["jitter"] == 1e-10
    assert knn_entropy(t, seed=3).value == knn_entropy(t, seed=3).value


def test_negative_estimate_warns():
    rng = np.random.default_rng(23)  # a seed whose independent sample estimates below 0
    x, y = rng.standard_normal(200), rng.standard_normal(200)
    est = ksg_mutual_information(x, y)
    assert est.value < 0 and any("negative" in w for w in est.warnings)


def test_mixed_above_label_entropy_warns():
    """Perfectly separated classes: the estimate overshoots H(Y) = 1 bit slightly, and says so."""
    rng = np.random.default_rng(19)
    labels = np.repeat([0, 1], N // 2)
    est = mixed_mutual_information(10.0 * labels[:, None] + rng.standard_normal((N, 2)), labels)
    assert est.value == pytest.approx(1.0, abs=0.01)  # H(Y) = 1 bit; the bias is ~1e-3 here
    assert (est.value > 1.0) == any("exceeds the plug-in entropy" in w for w in est.warnings)


def test_constant_input():
    x = np.random.default_rng(17).standard_normal((100, 2))
    est = ksg_mutual_information(x, np.ones(100))
    assert est.value == 0.0 and est.warnings
    kept = ksg_mutual_information(np.c_[x, np.zeros(100)], x[:, 0], jitter=0.0)
    assert kept.value == ksg_mutual_information(x, x[:, 0], jitter=0.0).value  # column dropped


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda x: ksg_mutual_information(x, x[:-1]), "same number of samples"),
        (lambda x: ksg_mutual_information(x[None], x), "shape"),
        (lambda x: ksg_mutual_information(np.where(x > 1.5, np.nan, x), x), "NaN"),
        (lambda x: ksg_mutual_information(x, x, k=50), "k=50 must be smaller"),
        (lambda x: ksg_mutual_information(x, x, k=0), "positive integer"),
        (lambda x: ksg_mutual_information(x, x, variant=3), "variant"),
        (lambda x: ksg_mutual_information(x, x, unit="dits"), "unit"),
        (lambda x: ksg_mutual_information(x, x, jitter=-1.0), "jitter"),
        (lambda x: ksg_mutual_information(x, x, seed=1.5), "seed"),
        (lambda x: ksg_mutual_information(x, x, transform="log"), "transform"),
        (lambda x: knn_entropy(x, metric="manhattan"), "metric"),
        (lambda x: knn_entropy(np.c_[x, np.ones(50)]), "constant column"),
        (lambda x: knn_entropy(np.r_[x, x, x, x], jitter=0.0), "duplicates"),
        (lambda x: ksg_mutual_information(x[:1], x[:1]), "at least 2"),
        (lambda x: mixed_mutual_information(x, np.eye(2)[np.arange(50) % 2]), "one-hot"),
        (lambda x: mixed_mutual_information(x, np.arange(50)), "at least 2 samples"),
        (lambda x: mixed_mutual_information(x, np.full(50, np.nan)), "NaN"),
        (lambda x: ksg_batched(x, x), "shapes"),
    ],
)
def test_bad_input(call, match):
    x = np.random.default_rng(18).standard_normal((50, 2))
    with pytest.raises(InfoplaneError, match=match):
        call(x)
