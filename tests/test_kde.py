"""Tests of the Kolchinsky-Tracey / Saxe et al. KDE bounds against closed forms and a reference."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate

from infoplane import InfoplaneError
from infoplane.estimators._kde_core import (
    anchor_rows,
    anchored_stderr,
    kde_information,
    kde_information_batched,
    kde_row_terms,
)
from infoplane.estimators.kde import (
    kde_entropy,
    kde_information_reference,
    kde_mutual_information,
)

# The fast path runs in float32 on centred data; distances of O(1) activations lose about 1e-7
# relative, amplified by 1/s2 in the exponent but averaged over n rows: 1e-5 relative holds
# with margin (observed <= 3e-6 at s2 = 1e-3).
REL = 1e-5
# float32 round-off on quantities of order 1-10 nats.
ABS32 = 1e-5
# The public functions compute in float64: round-off on O(10) nats.
ABS64 = 1e-9


def _data(n=200, d=3, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=(n, d)) * 0.5 + 3.0).astype(np.float32)  # offset tests the centring
    y = rng.integers(0, n_classes, size=n).astype(np.int32)
    return x, y


@pytest.mark.parametrize("bound", ["upper", "lower"])
@pytest.mark.parametrize("noise_var", [0.1, 1e-3])
def test_fast_matches_reference(bound, noise_var):
    x, y = _data(n=300)
    # chunk_size 64 does not divide 300, so the padded last block is exercised too.
    i_xt, i_ty = kde_information(x, y, 3, noise_var, bound, chunk_size=64)
    r_xt, r_ty = kde_information_reference(x, y, noise_var, bound)
    np.testing.assert_allclose(float(i_xt), r_xt, rtol=REL)
    # I(T;Y) is a difference of O(5) nat terms: its error is absolute, not relative.
    np.testing.assert_allclose(float(i_ty), r_ty, rtol=REL, atol=ABS32)
    # The public function computes in float64 and matches to round-off.
    public = kde_mutual_information(x, y, noise_var=noise_var, bound=bound, unit="nats")
    assert public.value == pytest.approx(r_ty, abs=ABS64)


def _reference_row_terms(x, y, noise_var, bound):
    """Per-row I(X;T) and I(T;Y) terms in float64 from the full n x n kernel."""
    x = np.asarray(x, np.float64)
    c = {"upper": 2.0, "lower": 8.0}[bound]
    k = np.exp(-((x[:, None, :] - x[None, :, :]) ** 2).sum(-1) / (c * noise_var))
    n = len(x)
    total = k.sum(1)
    own = (k * (y[:, None] == y[None, :])).sum(1)
    counts = np.bincount(y)[y]
    return np.log(n) - np.log(total), np.log(own / counts) - np.log(total / n)


@pytest.mark.slow
@pytest.mark.parametrize("chunk", [None, 7, 64])
def test_anchor_rows_give_the_reference_terms_of_those_rows(chunk):
    x, y = _data(n=300)
    rows = anchor_rows(300, 40, seed=1)
    t_xt, t_ty = kde_row_terms(x, y, 3, 0.1, "upper", rows=rows, chunk_size=chunk)
    r_xt, r_ty = _reference_row_terms(x, y, 0.1, "upper")
    np.testing.assert_allclose(t_xt, r_xt[rows], rtol=REL, atol=ABS32)
    np.testing.assert_allclose(t_ty, r_ty[rows], rtol=REL, atol=ABS32)
    # All rows as anchors is the exact (symmetric-block) computation.
    every = kde_information(x, y, 3, 0.1, "upper", rows=np.arange(300))
    np.testing.assert_allclose(every, kde_information(x, y, 3, 0.1, "upper"), rtol=REL,
                               atol=ABS32)


@pytest.mark.slow
def test_anchored_estimate_is_within_its_standard_error():
    """Over 40 anchor draws, the anchored mean is unbiased and its stated standard error is
    the actual spread (sampling without replacement, finite-population corrected)."""
    x, y = _data(n=400, d=2, n_classes=2, seed=5)
    exact = float(kde_information(x, y, 2, 0.05, "upper")[0])
    values, errors = [], []
    for seed in range(40):
        t_xt, _ = kde_row_terms(x, y, 2, 0.05, "upper", rows=anchor_rows(400, 50, seed))
        values.append(float(np.mean(t_xt)))
        errors.append(float(anchored_stderr(t_xt, 400)))
    values = np.array(values)
    # The mean of 40 draws is within 4 standard errors of the mean (of 40) from the exact value.
    assert abs(values.mean() - exact) < 4 * np.mean(errors) / math.sqrt(40)
    # The stated error matches the observed spread within 30% (40 draws: the spread itself
    # is known to about 1/sqrt(2 * 39) = 11%).
    assert 0.7 < values.std(ddof=1) / np.mean(errors) < 1.3
    assert float(anchored_stderr(np.ones(400), 400)) == 0.0


def test_anchor_count_is_checked():
    for bad in (0, 1, 401, 2.5, True):
        with pytest.raises(InfoplaneError, match="anchors must be an integer"):
            anchor_rows(400, bad)


def test_float32_core_respects_log_n_for_large_activations():
    # |h|^2 ~ 1e7 and s2 = 0.01: float32 distances are off by ~1e7 * 6e-8 / 0.01 in the exponent,
    # which without the exact self term would push I(X;T) far above log n.
    x = (10.0 * np.arange(200)[:, None] * np.ones((1, 3))).astype(np.float32)
    i_xt, _ = kde_information(x, np.zeros(200, np.int32), 1, 0.01)
    assert float(i_xt) == pytest.approx(math.log(200), abs=ABS32)


@pytest.mark.slow
def test_batched_matches_single_and_vmaps():
    x, y = _data(n=200, d=3, n_classes=2)
    rng = np.random.default_rng(1)
    acts = np.stack([x * s for s in (0.2, 1.0, 3.0)])[None] + rng.normal(size=(2, 3, 1, 3))
    acts = acts.astype(np.float32)  # (seeds=2, epochs=3, n, d)
    i_xt, i_ty = kde_information_batched(acts, y, 2, 0.1, "upper", batch_size=2)
    assert i_xt.shape == i_ty.shape == (2, 3)
    for s in range(2):
        for e in range(3):
            one = kde_information(acts[s, e], y, 2, 0.1, "upper")
            np.testing.assert_allclose([i_xt[s, e], i_ty[s, e]], one, rtol=REL, atol=ABS32)
    vmapped = jax.vmap(lambda a: kde_information(a, y, 2, 0.1, "upper"))(acts[0])
    np.testing.assert_allclose(vmapped[0], i_xt[0], rtol=REL)


def test_zero_padded_units_do_not_change_information():
    x, y = _data(n=200, d=3, n_classes=2)
    padded = np.concatenate([x, np.zeros((200, 5), np.float32)], axis=1)
    np.testing.assert_allclose(
        kde_information(padded, y, 2, 0.1), kde_information(x, y, 2, 0.1), rtol=REL, atol=ABS32
    )


def test_no_n_by_n_intermediate_at_large_n():
    n = 4096
    x = jnp.zeros((n, 10), jnp.float32)
    y = jnp.zeros((n,), jnp.int32)
    jaxpr = jax.make_jaxpr(lambda a, b: kde_information(a, b, 2, 0.1))(x, y)

    def sizes(jpr):
        for eqn in jpr.eqns:
            for v in eqn.outvars:
                yield int(np.prod(v.aval.shape))
            for p in eqn.params.values():
                inner = getattr(p, "jaxpr", None)
                if inner is not None:
                    yield from sizes(getattr(inner, "jaxpr", inner))

    assert max(sizes(jaxpr.jaxpr)) <= n * n // 4


@pytest.mark.parametrize("noise_var", [0.1, 1e-3])
def test_upper_bound_above_lower_bound(noise_var):
    x, _ = _data(seed=2)
    for f in (kde_entropy, kde_mutual_information):
        up = f(x, noise_var=noise_var, bound="upper").value
        lo = f(x, noise_var=noise_var, bound="lower").value
        assert up >= lo - ABS64


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_separated_clusters_give_log2_of_distinct_points(bound):
    # 8 distinct points >= 10 apart, each repeated 25 times, s2 = 0.01: cross terms are
    # exp(-100 / 0.08) = 0 in float32, so both bounds equal log2 8 = 3 bits up to round-off.
    centres = 10.0 * np.arange(8, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    x = np.repeat(centres, 25, axis=0)
    est = kde_mutual_information(x, noise_var=0.01, bound=bound)
    assert est.value == pytest.approx(3.0, abs=ABS64)
    assert est.unit == "bits" and est.method == f"kde_{bound}"
    assert est.quantity == "mutual_information" and est.n == 200
    # Labels that name the clusters: I(T;Y) = H(Y) = 3 bits; labels pairing clusters: 2 bits.
    y = np.repeat(np.arange(8), 25)
    assert kde_mutual_information(x, y, noise_var=0.01, bound=bound).value == pytest.approx(
        3.0, abs=ABS64
    )
    assert kde_mutual_information(x, y // 2, noise_var=0.01, bound=bound).value == pytest.approx(
        2.0, abs=ABS64
    )


def test_all_distinct_far_points_saturate_with_warning():
    x = 10.0 * np.arange(200, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    est = kde_mutual_information(x, noise_var=0.01)
    assert est.value == pytest.approx(math.log2(200), abs=ABS64)
    assert any("saturated" in w for w in est.warnings)


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_identical_points(bound):
    x = np.full((200, 3), 0.7, np.float32)
    y = np.arange(200) % 3
    assert kde_mutual_information(x, noise_var=0.1, bound=bound).value == pytest.approx(
        0.0, abs=ABS64
    )
    # Identical points: T carries nothing about Y.
    assert kde_mutual_information(x, y, noise_var=0.1, bound=bound).value == pytest.approx(
        0.0, abs=ABS64
    )
    # A single Gaussian: both bounds are exact, H = (d/2) log(2 pi e s2).
    h = kde_entropy(x, noise_var=0.1, bound=bound, unit="nats").value
    assert h == pytest.approx(1.5 * math.log(2 * math.pi * math.e * 0.1), abs=ABS64)


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_label_information_between_zero_and_label_entropy(bound):
    x, y = _data(n_classes=4, seed=3)
    x[:, 0] += y  # some, but not all, information about y
    p = np.bincount(y) / len(y)
    h_y = float(-(p * np.log2(p)).sum())
    for s2 in (1.0, 0.1, 1e-3):
        i_ty = kde_mutual_information(x, y, noise_var=s2, bound=bound).value
        assert -ABS64 <= i_ty <= h_y + ABS64


def _mixture_entropy_1d(centres, s2):
    """Differential entropy in nats of the equal-weight mixture of N(c, s2), by quadrature."""
    centres = np.asarray(centres, dtype=np.float64)

    def integrand(t):
        p = np.mean(np.exp(-((t - centres) ** 2) / (2 * s2))) / math.sqrt(2 * math.pi * s2)
        return -p * math.log(p) if p > 0 else 0.0

    lo, hi = centres.min() - 12 * math.sqrt(s2), centres.max() + 12 * math.sqrt(s2)
    value, _ = integrate.quad(integrand, lo, hi, points=list(centres), limit=200)
    return value


@pytest.mark.parametrize("s2", [0.05, 0.3, 1.0])
def test_true_mixture_entropy_lies_between_bounds(s2):
    # Overlapping 1-D mixture: the bounds are not tight, but must bracket the true entropy
    # (computed by quadrature to ~1e-8 absolute, so compared with a 1e-7 margin).
    centres = np.array([0.0, 0.4, 0.5, 1.3, 2.5], np.float32)
    truth = _mixture_entropy_1d(centres, s2)
    up = kde_entropy(centres, noise_var=s2, bound="upper", unit="nats").value
    lo = kde_entropy(centres, noise_var=s2, bound="lower", unit="nats").value
    assert lo - 1e-7 <= truth <= up + 1e-7
    assert up - lo < math.log(5)  # both bounds are within log n of each other


def test_bits_are_nats_over_ln2():
    x, y = _data(seed=4)
    for f, args in (
        (kde_entropy, (x,)),
        (kde_mutual_information, (x,)),
        (kde_mutual_information, (x, y)),
    ):
        bits = f(*args, noise_var=0.1).value
        nats = f(*args, noise_var=0.1, unit="nats").value
        assert bits == pytest.approx(nats / math.log(2), rel=1e-12)


def test_settings_recorded_and_serialisable():
    x, y = _data()
    est = kde_mutual_information(x, y, noise_var=0.05, bound="lower")
    d = est.to_dict()
    assert d["settings"] == {
        "noise_var": 0.05,
        "bound": "lower",
        "dim": 3,
        "target": "I(T;Y)",
        "n_classes": 3,
    }


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"noise_var": 0.0}, "noise_var must be a finite positive"),
        ({"noise_var": -1.0}, "noise_var must be a finite positive"),
        ({"noise_var": float("nan")}, "noise_var must be a finite positive"),
        ({"noise_var": "0.1"}, "noise_var must be a finite positive"),
        ({"bound": "middle"}, "unknown bound 'middle'"),
        ({"unit": "dits"}, "unknown unit"),
    ],
)
def test_bad_settings(kwargs, match):
    x, _ = _data(n=20, d=2)
    with pytest.raises(InfoplaneError, match=match):
        kde_mutual_information(x, **kwargs)


def test_bad_inputs():
    x, y = _data(n=20, d=2)
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(InfoplaneError, match="NaN or inf"):
        kde_entropy(bad)
    with pytest.raises(InfoplaneError, match="shape"):
        kde_entropy(np.zeros((4, 3, 2)))
    with pytest.raises(InfoplaneError, match="at least 2"):
        kde_entropy(np.zeros((1, 3)))
    with pytest.raises(InfoplaneError, match="same number of samples"):
        kde_mutual_information(x, y[:-1])
    with pytest.raises(InfoplaneError, match="integer class labels"):
        kde_mutual_information(x, y.astype(float))
    with pytest.raises(InfoplaneError, match="labels must have shape"):
        kde_mutual_information(x, y[:, None])
