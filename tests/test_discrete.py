"""Discrete entropy, mutual information and divergences against textbook values."""

import math

import numpy as np
import pytest
from scipy import integrate, special

from infoplane import Estimate, InfoplaneError, cross_entropy, cross_entropy_loss, kl_divergence
from infoplane.estimators._interface import LN2
from infoplane.estimators._nsb import _nsb_moments, _nsb_nats
from infoplane.estimators.binning import rows_entropy_reference
from infoplane.estimators.discrete import (
    ENTROPY_METHODS,
    discrete_conditional_entropy,
    discrete_conditional_mutual_information,
    discrete_entropy,
    discrete_mutual_information,
)

# Exact arithmetic identities are checked to 1e-12: float64 sums of a few hundred terms.
EXACT = 1e-12


def h2(p):
    """Binary entropy in bits."""
    return -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def exact_sample(probs, reps):
    """A sample whose empirical distribution is exactly ``probs`` (rational, denominator reps)."""
    counts = np.rint(np.asarray(probs) * reps).astype(int)
    assert counts.sum() == reps
    return np.repeat(np.arange(len(probs)), counts)


# ---------------------------------------------------------------- textbook values


def test_fair_coin_is_one_bit():
    est = discrete_entropy([0, 1] * 50)
    assert isinstance(est, Estimate)
    assert est.unit == "bits" and est.quantity == "entropy" and est.method == "plugin"
    assert est.value == pytest.approx(1.0, abs=EXACT)
    assert est.n == 100


def test_fair_die_is_log2_6():
    assert discrete_entropy(np.arange(1, 7).repeat(5)).value == pytest.approx(
        math.log2(6), abs=EXACT
    )


def test_biased_coin_closed_form():
    x = exact_sample([0.25, 0.75], 100)
    assert discrete_entropy(x).value == pytest.approx(h2(0.25), abs=EXACT)


def test_hand_computed_joint_table():
    # joint p(x, y) = [[1/2, 1/4], [1/8, 1/8]]: H = 1/2*1 + 1/4*2 + 2*(1/8*3) = 1.75 bits,
    # H(X) = h(1/4) (row sums 3/4, 1/4), H(Y) = h(5/8) (column sums 5/8, 3/8).
    pairs = [(0, 0)] * 4 + [(0, 1)] * 2 + [(1, 0)] + [(1, 1)]
    xy = np.array(pairs)
    assert discrete_entropy(xy).value == pytest.approx(1.75, abs=EXACT)
    mi = discrete_mutual_information(xy[:, 0], xy[:, 1]).value
    assert mi == pytest.approx(h2(0.25) + h2(5 / 8) - 1.75, abs=EXACT)
    hc = discrete_conditional_entropy(xy[:, 0], xy[:, 1]).value
    assert hc == pytest.approx(1.75 - h2(5 / 8), abs=EXACT)


def test_binary_symmetric_channel():
    # X uniform, Y = X flipped with probability eps = 1/10, realised exactly in 200 samples:
    # I(X;Y) = 1 - h(eps).
    x = np.repeat([0, 1], 100)
    flip = np.tile(np.arange(100) < 10, 2)
    y = x ^ flip
    assert discrete_mutual_information(x, y).value == pytest.approx(1 - h2(0.1), abs=EXACT)


def test_conditional_mutual_information_of_xor():
    # X, Z fair and independent, Y = X xor Z: I(X;Y) = 0 but I(X;Y|Z) = 1 bit.
    x = np.array([0, 0, 1, 1] * 10)
    z = np.array([0, 1, 0, 1] * 10)
    y = x ^ z
    assert discrete_mutual_information(x, y).value == pytest.approx(0.0, abs=EXACT)
    cmi = discrete_conditional_mutual_information(x, y, z)
    assert cmi.quantity == "conditional_mutual_information"
    assert cmi.value == pytest.approx(1.0, abs=EXACT)


def test_rows_as_symbols_and_strings():
    rows = np.array([[0, 1], [0, 1], [1, 0], [1, 1]])
    assert discrete_entropy(rows).value == pytest.approx(1.5, abs=EXACT)
    assert discrete_entropy(np.array(["a", "a", "b", "c"])).value == pytest.approx(1.5, abs=EXACT)
    assert discrete_entropy([0.5, 0.5, -1.0, 2.0]).value == pytest.approx(1.5, abs=EXACT)


# ---------------------------------------------------------------- reference and properties


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plugin_matches_binning_reference(seed):
    codes = np.random.default_rng(seed).integers(0, 3, size=(300, 4))
    assert discrete_entropy(codes).value == pytest.approx(rows_entropy_reference(codes), abs=EXACT)


@pytest.mark.parametrize("method", ENTROPY_METHODS)
def test_bits_are_nats_over_ln2(method):
    x = np.random.default_rng(3).integers(0, 8, size=(60, 2))
    bits = discrete_entropy(x, method=method)
    nats = discrete_entropy(x, method=method, unit="nats")
    assert nats.unit == "nats"
    assert bits.value == pytest.approx(nats.value / LN2, rel=EXACT)
    if bits.stderr is not None:
        assert bits.stderr == pytest.approx(nats.stderr / LN2, rel=EXACT)


@pytest.mark.parametrize("method", ENTROPY_METHODS)
def test_invariant_to_relabelling(method):
    rng = np.random.default_rng(4)
    x = rng.integers(0, 6, 80)
    y = (x + rng.integers(0, 2, 80)) % 6
    relabel = np.array([40, -3, 7, 1000, 5, 2])  # any injective map of the symbols
    h = discrete_entropy(x, method=method).value
    assert discrete_entropy(relabel[x], method=method).value == pytest.approx(h, abs=EXACT)
    mi = discrete_mutual_information(x, y, method=method).value
    relabelled = discrete_mutual_information(relabel[x], relabel[::-1][y], method=method).value
    assert relabelled == pytest.approx(mi, abs=EXACT)


@pytest.mark.parametrize("seed", range(5))
def test_mutual_information_properties(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(50, 2))
    y = (x[:, 0] + rng.integers(0, 3, 50)) % 5
    mi_xy = discrete_mutual_information(x, y)
    mi_yx = discrete_mutual_information(y, x)
    assert mi_xy.value == pytest.approx(mi_yx.value, abs=EXACT)  # symmetric
    assert mi_xy.value >= -EXACT  # plug-in MI is a KL divergence of empirical measures
    bound = min(discrete_entropy(x).value, discrete_entropy(y).value)
    assert mi_xy.value <= bound + EXACT
    for method in ENTROPY_METHODS:
        a = discrete_mutual_information(x, y, method=method).value
        b = discrete_mutual_information(y, x, method=method).value
        assert a == pytest.approx(b, abs=EXACT)


# ---------------------------------------------------------------- bias corrections


def test_miller_madow_less_biased_than_plugin():
    # Uniform on 50 symbols, n = 100, seeds 0..19. Measured mean errors: plug-in -0.40 bit,
    # Miller-Madow -0.10 bit. Require Miller-Madow's mean bias to be at most half the plug-in's:
    # a wide margin over the measured ratio of 0.24.
    truth = math.log2(50)
    errs = {"plugin": [], "miller_madow": []}
    for seed in range(20):
        x = np.random.default_rng(seed).integers(0, 50, 100)
        for method in errs:
            errs[method].append(discrete_entropy(x, method=method).value - truth)
    assert abs(np.mean(errs["miller_madow"])) < 0.5 * abs(np.mean(errs["plugin"]))
    assert np.mean(errs["plugin"]) < 0  # the plug-in is biased low


def test_nsb_and_chao_shen_beat_plugin_when_undersampled():
    # Zipf distribution p_i ~ 1/i on K = 1000 symbols (H = 7.49 bits), n = 100, seeds 0..9.
    # Measured mean absolute errors: plug-in 1.92, Chao-Shen 0.82, NSB (K given) 0.54 bits.
    # Require each corrected estimator to halve the plug-in error on average (measured ratios
    # 0.43 and 0.28).
    p = 1.0 / np.arange(1, 1001)
    p /= p.sum()
    truth = -np.sum(p * np.log2(p))
    errs = {"plugin": [], "chao_shen": [], "nsb": []}
    for seed in range(10):
        x = np.random.default_rng(seed).choice(1000, size=100, p=p)
        for method in errs:
            k = 1000 if method == "nsb" else None
            errs[method].append(
                abs(discrete_entropy(x, method=method, alphabet_size=k).value - truth)
            )
    plug = np.mean(errs["plugin"])
    assert np.mean(errs["chao_shen"]) < 0.5 * plug
    assert np.mean(errs["nsb"]) < 0.5 * plug


def test_nsb_posterior_moments_match_monte_carlo():
    # E[H | counts, beta] and E[H^2 | ...] against 200k Dirichlet draws. Monte Carlo standard
    # errors are about 0.0005 (std(H) ~ 0.2 / sqrt(2e5)); tolerance 0.005 is 10 of them.
    counts = np.array([5, 3, 1, 1, 0, 0, 0])
    classes, mult = np.unique(counts, return_counts=True)
    beta = 0.7
    mean, second = _nsb_moments(
        np.array([[beta]]), classes.astype(float), mult.astype(float), counts.sum(), 7.0
    )
    draws = np.random.default_rng(0).dirichlet(counts + beta, size=200_000)
    h = -np.sum(draws * np.log(draws), axis=1)
    assert mean[0] == pytest.approx(h.mean(), abs=0.005)
    assert second[0] == pytest.approx(np.mean(h**2), abs=0.005)


def _nsb_quad_reference(counts, k):
    """Slow reference: the NSB integrals over log beta with adaptive quadrature, one beta at a
    time, from the same formulas written directly over all K symbols."""
    n_i = np.concatenate([counts, np.zeros(int(k) - len(counts))]).astype(float)
    n = n_i.sum()

    def weight(t):
        b = math.exp(t)
        log_ev = (
            special.gammaln(k * b)
            - special.gammaln(n + k * b)
            + np.sum(special.gammaln(n_i + b) - special.gammaln(b))
        )
        dxi = k * special.polygamma(1, k * b + 1) - special.polygamma(1, b + 1)
        return math.exp(log_ev + t) * dxi

    def mean_h(t):
        b = math.exp(t)
        a = n_i + b
        return special.digamma(a.sum() + 1) - np.sum(a * special.digamma(a + 1)) / a.sum()

    z = integrate.quad(weight, -30, 20, limit=500, points=[-5, 0, 5])[0]
    return (
        integrate.quad(lambda t: weight(t) * mean_h(t), -30, 20, limit=500, points=[-5, 0, 5])[0]
        / z
    )


def test_nsb_integral_matches_quadrature_reference():
    # The gridded Simpson integral against scipy.quad: both are accurate to ~1e-8 here, so
    # 1e-6 nats leaves room without hiding a wrong formula (which would be off by > 1e-3).
    counts = np.array([7, 4, 2, 2, 1, 1, 1])
    mean, _ = _nsb_nats(counts, 20.0)
    assert mean == pytest.approx(_nsb_quad_reference(counts, 20), abs=1e-6)


def test_nsb_well_sampled_agrees_with_truth():
    # 20000 draws of a 4-symbol distribution: the posterior is narrow, and the truth must lie
    # within 4 posterior standard deviations (a miss would be a 6e-5 chance if calibrated).
    p = np.array([0.5, 0.25, 0.15, 0.1])
    x = np.random.default_rng(5).choice(4, size=20_000, p=p)
    est = discrete_entropy(x, method="nsb", alphabet_size=4)
    truth = -np.sum(p * np.log2(p))
    assert est.stderr is not None and 0 < est.stderr < 0.02
    assert abs(est.value - truth) < 4 * est.stderr
    assert est.settings["alphabet_size_source"] == "given"


def test_nsb_edge_cases():
    assert discrete_entropy(np.zeros(10, int), method="nsb").value == 0.0
    est = discrete_entropy(np.arange(20), method="nsb", alphabet_size=1000)
    assert any("no symbol occurs twice" in w for w in est.warnings)
    default = discrete_entropy(np.array([[0, 0], [0, 1], [0, 1], [1, 0]]), method="nsb")
    assert default.settings["alphabet_size"] == 4.0  # 2 x 2 observed per-column values


def test_saturation_and_negative_warnings():
    est = discrete_entropy(np.arange(64))
    assert est.value == pytest.approx(6.0, abs=EXACT)
    assert any("saturated" in w for w in est.warnings)
    # exactly independent: plug-in MI is 0, Miller-Madow adds (1 + 1 - 3) / (2n) nats < 0
    x, y = np.array([0, 0, 1, 1] * 5), np.array([0, 1, 0, 1] * 5)
    mm = discrete_mutual_information(x, y, method="miller_madow", unit="nats")
    assert mm.value == pytest.approx(-1 / 40, abs=EXACT)
    assert any("negative" in w for w in mm.warnings)


# ---------------------------------------------------------------- divergences and losses


def test_kl_and_cross_entropy_identities():
    rng = np.random.default_rng(8)
    p = rng.dirichlet(np.ones(5), size=(3, 4))
    q = rng.dirichlet(np.ones(5), size=(3, 4))
    kl_pp = kl_divergence(p, p)
    assert kl_pp.value.shape == (3, 4) and kl_pp.n == 12
    np.testing.assert_allclose(kl_pp.value, 0.0, atol=EXACT)
    h_p = -np.sum(p * np.log2(p), axis=-1)
    np.testing.assert_allclose(
        cross_entropy(p, q).value, h_p + kl_divergence(p, q).value, atol=EXACT
    )
    assert np.all(kl_divergence(p, q).value > 0)  # Gibbs' inequality, p != q


def test_kl_textbook_value_and_zeros():
    # KL([1/2, 1/2] || [1/4, 3/4]) = 1/2 log2 2 + 1/2 log2(2/3) = 1 - 1/2 log2 3 bits.
    assert kl_divergence([0.5, 0.5], [0.25, 0.75]).value == pytest.approx(
        1 - 0.5 * math.log2(3), abs=EXACT
    )
    # p_i = 0 contributes nothing, whatever q_i is.
    assert kl_divergence([1.0, 0.0], [1.0, 0.0]).value == 0.0
    inf = kl_divergence([0.5, 0.5], [1.0, 0.0])
    assert math.isinf(inf.value) and any("inf" in w for w in inf.warnings)
    assert math.isinf(cross_entropy([0.5, 0.5], [1.0, 0.0]).value)


def test_cross_entropy_loss_logits_and_probabilities():
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    labels = np.array([0, 2])
    log_sm = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    want_nats = -np.mean(log_sm[[0, 1], labels])
    est = cross_entropy_loss(logits, labels, unit="nats")
    assert est.quantity == "cross_entropy_loss" and est.settings["from_logits"] is True
    assert est.value == pytest.approx(want_nats, abs=EXACT)
    probs = np.exp(log_sm)
    by_probs = cross_entropy_loss(probs, np.eye(3)[labels], unit="nats")
    assert by_probs.settings["from_logits"] is False
    assert by_probs.value == pytest.approx(want_nats, abs=1e-10)
    # the loss of a perfect fair-coin guess is 1 bit
    assert cross_entropy_loss(np.full((4, 2), 0.5), [0, 1, 1, 0]).value == pytest.approx(1.0)
    zero = cross_entropy_loss(np.array([[1.0, 0.0]]), [1], from_logits=False)
    assert math.isinf(zero.value) and zero.warnings


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: discrete_entropy([0, 1], method="mle"), "unknown entropy method"),
        (lambda: discrete_entropy([0, 1], unit="dits"), "unknown unit"),
        (lambda: discrete_entropy(np.zeros((2, 2, 2))), "shape"),
        (lambda: discrete_entropy([0.0, np.nan]), "NaN"),
        (lambda: discrete_entropy([]), "empty"),
        (lambda: discrete_entropy([0, 1, 2], method="nsb", alphabet_size=2), "smaller than"),
        (lambda: discrete_entropy([0, 1], alphabet_size=4), "only by"),
        (lambda: discrete_mutual_information([0, 1], [0, 1, 1]), "same number of samples"),
        (lambda: discrete_mutual_information([0, 1], [0, 1], alphabet_sizes=4), "one entry"),
        (lambda: kl_divergence([0.5, 0.6], [0.5, 0.5]), "sum to 1"),
        (lambda: kl_divergence([1.5, -0.5], [0.5, 0.5]), "non-negative"),
        (lambda: kl_divergence([0.5, 0.5], [1 / 3] * 3), "same shape"),
        (lambda: cross_entropy_loss(np.ones(3), [0]), "shape"),
        (lambda: cross_entropy_loss(np.ones((2, 3)), [0, 3]), r"\[0, 3\)"),
        (lambda: cross_entropy_loss(np.ones((2, 3)), [0.0, 1.0]), "integers"),
        (lambda: cross_entropy_loss(np.ones((2, 3)), [0, 1], from_logits=False), "not prob"),
        (lambda: cross_entropy_loss(np.ones((2, 3)), [0]), "samples"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(InfoplaneError, match=match):
        call()
