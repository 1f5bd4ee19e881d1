"""The information-bottleneck curve against closed forms, a slow reference and invariants."""

import math
import time

import numpy as np
import pytest
from scipy.optimize import brentq

from infoplane import InfoplaneError
from infoplane.data.datasets import tishby12
from infoplane.ib import (
    IBCurve,
    IBSolution,
    deterministic_ib_bound,
    ib_curve,
    iterative_ib,
    merge_equivalent_inputs,
    noisy_labels_joint,
    upper_envelope,
)
from infoplane.ib.iterative import check_joint, default_clusters

# Identities that only rounding separates (sums of a few thousand float64 terms): 1e-9 bits.
EXACT = 1e-9
# A converged point (encoder moves < 1e-10 in total variation per step) sits on the closed-form
# curve to about the same order; 1e-6 bits leaves room for slower convergence near the corners.
ON_CURVE = 1e-6
H_Y_TISHBY12 = 0.99916  # 2118 ones in 4096 labels (docs/protocols.md), to 5 decimals


def h2(p):
    """Binary entropy in bits."""
    return 0.0 if p in (0.0, 1.0) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def h2_inv(v):
    """The inverse of h2 on [0, 1/2]."""
    if v <= 0.0:
        return 0.0
    if v >= 1.0:
        return 0.5
    return brentq(lambda q: h2(q) - v, 0.0, 0.5, xtol=1e-15)


def star(a, b):
    """Binary convolution: P(A xor B = 1) for independent Bern(a), Bern(b)."""
    return a * (1 - b) + b * (1 - a)


def gerber_bound(h_u, h_y, eps, r):
    """Upper bound on I(T;Y) at I(U;T) = r when Y = U xor Bern(eps), noise independent of (U, T).

    Mrs. Gerber's lemma (Wyner & Ziv 1973): H(Y|T) >= h(eps * h^-1(H(U|T))), and
    H(U|T) = H(U) - r, so I(T;Y) <= H(Y) - h(eps * h^-1(H(U) - r)). For U ~ Bern(1/2) (the
    doubly symmetric binary source) it is the IB curve, reached by T = U xor Bern(d).
    """
    return h_y - h2(star(eps, h2_inv(max(h_u - r, 0.0))))


def dsbs(eps):
    """p(x, y) of X ~ Bern(1/2), Y = X xor Bern(eps)."""
    return np.array([[0.5 * (1 - eps), 0.5 * eps], [0.5 * eps, 0.5 * (1 - eps)]])


def mi_bits(p):
    """I of a 2-D joint by the textbook double loop, in bits."""
    px, py = p.sum(axis=1), p.sum(axis=0)
    return sum(
        p[i, j] * math.log2(p[i, j] / (px[i] * py[j]))
        for i in range(p.shape[0])
        for j in range(p.shape[1])
        if p[i, j] > 0
    )


def reference_step(p_xy, enc, beta):
    """One IB update in the probability domain with plain loops (the slow reference)."""
    n_x, n_y = p_xy.shape
    n_t = enc.shape[1]
    p_x = p_xy.sum(axis=1)
    p_t = [sum(p_x[x] * enc[x, t] for x in range(n_x)) for t in range(n_t)]
    p_y_t = [
        [sum(p_xy[x, y] * enc[x, t] for x in range(n_x)) / p_t[t] for y in range(n_y)]
        for t in range(n_t)
    ]
    new = np.zeros_like(enc)
    for x in range(n_x):
        for t in range(n_t):
            kl = sum(
                p_xy[x, y] / p_x[x] * math.log(p_xy[x, y] / p_x[x] / p_y_t[t][y])
                for y in range(n_y)
                if p_xy[x, y] > 0
            )
            new[x, t] = p_t[t] * math.exp(-beta * kl)
        new[x] /= new[x].sum()
    return new


def random_joint(seed, shape=(6, 3)):
    return np.random.default_rng(seed).dirichlet(np.ones(shape[0] * shape[1])).reshape(shape)


# ---------------------------------------------------------------- a small known curve


FOUR = np.array([[0.25, 0.0], [0.25, 0.0], [0.25, 0.0], [0.0, 0.25]])  # Y = [X == 3]


def test_four_inputs_deterministic_label_reaches_both_corners():
    h_y = h2(0.25)
    for beta in (0.1, 0.5, 0.9):  # beta < 1: the Lagrangian is >= (1 - beta) I(T;Y) >= 0
        sol = iterative_ib(FOUR, beta)
        assert isinstance(sol, IBSolution) and sol.converged
        assert sol.I_XT == pytest.approx(0.0, abs=EXACT)
        assert sol.I_TY == pytest.approx(0.0, abs=EXACT)
    for beta in (5.0, 50.0):  # beta > 1: T = Y, the corner (H(Y), H(Y))
        sol = iterative_ib(FOUR, beta)
        assert sol.converged and sol.encoder.shape == (4, 3)
        assert sol.I_TY == pytest.approx(h_y, abs=EXACT)
        assert sol.I_XT == pytest.approx(h_y, abs=EXACT)


def test_four_inputs_curve_lies_on_min_r_hy():
    curve = ib_curve(FOUR, np.geomspace(0.05, 100, 15))
    assert isinstance(curve, IBCurve)
    assert curve.I_XY == pytest.approx(h2(0.25), abs=EXACT)
    bound = deterministic_ib_bound(h2(0.25), curve.I_XT)
    np.testing.assert_allclose(curve.I_TY, bound, atol=ON_CURVE)
    assert curve.I_TY[curve.beta < 1].max() < EXACT
    assert curve.I_TY[curve.beta > 2].min() == pytest.approx(h2(0.25), abs=EXACT)


# ---------------------------------------------------------------- closed form: DSBS


@pytest.mark.parametrize("eps", [0.05, 0.1, 0.25])
@pytest.mark.parametrize("n_clusters", [2, None])
def test_dsbs_points_lie_on_the_gerber_curve(eps, n_clusters):
    beta_c = 1.0 / (1.0 - 2.0 * eps) ** 2  # the trivial encoder loses stability here
    betas = beta_c * np.geomspace(1.1, 20.0, 12)
    curve = ib_curve(dsbs(eps), betas, n_clusters=n_clusters)
    assert curve.converged.all()
    bound = np.array([gerber_bound(1.0, 1.0, eps, r) for r in curve.I_XT])
    # on or below (rounding only), and on it: every beta > beta_c gives an optimal point
    assert (curve.I_TY <= bound + EXACT).all()
    np.testing.assert_allclose(curve.I_TY, bound, atol=ON_CURVE)
    assert curve.I_XT.min() > 0.05  # the points are spread along the curve, not at a corner
    assert curve.I_XT.max() == pytest.approx(1.0, abs=1e-3)
    assert curve.I_TY.max() == pytest.approx(1.0 - h2(eps), abs=1e-3)


def test_dsbs_trivial_below_the_critical_beta():
    eps = 0.1
    beta_c = 1.0 / (1.0 - 2.0 * eps) ** 2
    below = iterative_ib(dsbs(eps), 0.9 * beta_c, 2)
    above = iterative_ib(dsbs(eps), 1.3 * beta_c, 2)
    assert below.converged and above.converged
    assert below.I_XT < EXACT and below.I_TY < EXACT
    assert above.I_XT > 0.1


# ---------------------------------------------------------------- slow reference, fixed point


@pytest.mark.parametrize("seed", [0, 1])
def test_log_domain_step_matches_the_slow_reference(seed):
    p = random_joint(seed, (5, 3))
    init = np.random.default_rng(seed + 10).dirichlet(np.ones(4), size=5)
    enc = init
    for _ in range(20):
        enc = reference_step(p, enc, 3.0)
    # tol far below any change: exactly 20 iterations are run
    sol = iterative_ib(p, 3.0, 4, init=init, max_iter=20, tol=1e-300)
    assert sol.n_iter == 20 and not sol.converged
    np.testing.assert_allclose(sol.encoder, enc, atol=1e-12)  # float64 rounding over 20 steps
    p_tx = sol.encoder * p.sum(axis=1)[:, None]
    assert sol.I_XT == pytest.approx(mi_bits(p_tx), abs=EXACT)
    assert sol.I_TY == pytest.approx(mi_bits(sol.encoder.T @ p), abs=EXACT)


def test_converged_encoder_is_a_fixed_point():
    p = random_joint(3)
    sol = iterative_ib(p, 4.0)
    assert sol.converged
    np.testing.assert_allclose(reference_step(p, sol.encoder, 4.0), sol.encoder, atol=1e-8)
    np.testing.assert_allclose(sol.encoder.sum(axis=1), 1.0, atol=1e-12)


# ---------------------------------------------------------------- invariants


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_invariants_on_random_joints(seed):
    p = random_joint(seed)
    curve = ib_curve(p, np.geomspace(0.1, 200, 20), seed=seed)
    i_xy, h_x = mi_bits(p), -np.sum(p.sum(axis=1) * np.log2(p.sum(axis=1)))
    assert curve.I_XY == pytest.approx(i_xy, abs=EXACT)
    assert (curve.I_XT >= 0).all() and (curve.I_TY >= 0).all()
    assert (curve.I_TY <= curve.I_XT + EXACT).all()  # data processing, Y - X - T
    assert (curve.I_TY <= i_xy + EXACT).all()
    assert (curve.I_XT <= h_x + EXACT).all()
    assert (curve.I_XT <= math.log2(default_clusters(p)) + EXACT).all()
    assert (np.diff(curve.I_XT) >= 0).all()
    env_xt, env_ty = curve.I_XT[curve.on_envelope], curve.I_TY[curve.on_envelope]
    assert (np.diff(env_xt) >= 0).all() and (np.diff(env_ty) > 0).all()
    assert env_ty.max() == pytest.approx(i_xy, abs=1e-3)  # beta = 200 is near saturation


def test_upper_envelope_drops_dominated_points():
    i_xt = np.array([0.0, 0.5, 0.6, 1.0, 1.2, 1.2])
    i_ty = np.array([0.0, 0.4, 0.3, 0.7, 0.7, 0.7 + 1e-15])
    assert upper_envelope(i_xt, i_ty).tolist() == [True, True, False, True, False, False]


def test_zero_probability_rows_and_columns_change_nothing():
    p = random_joint(4, (4, 2))
    padded = np.zeros((6, 3))
    padded[[0, 2, 3, 5], :2] = p
    a, b = iterative_ib(p, 5.0, 3), iterative_ib(padded, 5.0, 3)
    assert np.isfinite(b.encoder).all()
    assert b.I_XT == pytest.approx(a.I_XT, abs=1e-6)  # different random inits, same optimum
    assert b.I_TY == pytest.approx(a.I_TY, abs=1e-6)


# ---------------------------------------------------------------- merging equivalent inputs


def test_merging_inputs_with_equal_conditionals_gives_the_same_curve():
    cond = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    which = np.array([0, 1, 1, 2, 0, 1, 2, 2])
    p_x = np.random.default_rng(5).dirichlet(np.ones(8))
    p = p_x[:, None] * cond[which]
    p_sy, groups = merge_equivalent_inputs(p)
    assert p_sy.shape == (3, 2) and p_sy.sum() == pytest.approx(1.0, abs=1e-15)
    assert len(set(zip(groups.tolist(), which.tolist(), strict=True))) == 3
    betas = np.geomspace(0.5, 50, 10)
    full, merged = ib_curve(p, betas), ib_curve(p, betas, merge_inputs=True)
    np.testing.assert_allclose(full.I_XT, merged.I_XT, atol=1e-8)
    np.testing.assert_allclose(full.I_TY, merged.I_TY, atol=1e-8)


# ---------------------------------------------------------------- tishby12


@pytest.fixture(scope="module")
def data():
    return tishby12()


def test_noisy_labels_joint_of_tishby12(data):
    p0 = noisy_labels_joint(data, flip_prob=0.0)
    assert p0.shape == (4096, 2) and p0.sum() == pytest.approx(1.0, abs=1e-12)
    h_y = -sum(q * math.log2(q) for q in p0.sum(axis=0))
    assert h_y == pytest.approx(H_Y_TISHBY12, abs=5e-6)  # the value is given to 5 decimals
    assert mi_bits(p0) == pytest.approx(h_y, abs=EXACT)  # Y is a function of X
    p1 = noisy_labels_joint(data.x, data.y, 0.1)
    np.testing.assert_allclose(p1.sum(axis=1), 1 / 4096, rtol=1e-12)
    assert set(np.round(p1.max(axis=1) * 4096, 12)) == {0.9}


def test_noisy_labels_joint_duplicates_and_classes():
    p = noisy_labels_joint([0, 0, 1], [0, 1, 2], 0.2)  # 2 distinct inputs, 3 classes
    np.testing.assert_allclose(p, [[0.45, 0.45, 0.1], [0.1, 0.1, 0.8]] * np.array([[0.5]]))


@pytest.mark.parametrize("merge", [False, True])
def test_tishby12_deterministic_curve_is_min_r_hy(data, merge):
    p = noisy_labels_joint(data, flip_prob=0.0)
    h_y = -np.sum(p.sum(axis=0) * np.log2(p.sum(axis=0)))
    curve = ib_curve(p, [0.3, 0.8, 2.0, 10.0, 100.0], merge_inputs=merge)
    assert curve.converged.all()
    np.testing.assert_allclose(curve.I_TY, deterministic_ib_bound(h_y, curve.I_XT), atol=ON_CURVE)
    assert curve.I_TY.max() == pytest.approx(h_y, abs=ON_CURVE)


@pytest.mark.slow
def test_tishby12_noisy_curve_is_strictly_inside(data):
    eps = 0.1
    p = noisy_labels_joint(data, flip_prob=eps)
    start = time.perf_counter()
    curve = ib_curve(p)  # 30 betas, 0.1 .. 1000, on the full 4096 x 2 joint
    print(f"tishby12 flip 0.1, 30 betas, full joint: {time.perf_counter() - start:.2f} s")
    h_y = -np.sum(p.sum(axis=0) * np.log2(p.sum(axis=0)))
    h_u = h2(2118 / 4096)  # the clean label U; Y = U xor Bern(eps)
    inside = curve.I_XT > 0.05
    assert inside.sum() >= 10
    r, t = curve.I_XT[inside], curve.I_TY[inside]
    assert (t > 0.1).all()
    assert (t < deterministic_ib_bound(h_y, r) - 0.1).all()  # strictly below min(r, H(Y))
    assert (t <= curve.I_XY + EXACT).all()
    assert curve.I_XY == pytest.approx(h_y - h2(eps), abs=EXACT)
    # The encoder factors through U, so Mrs. Gerber's lemma bounds the curve; the points reach it.
    bound = np.array([gerber_bound(h_u, h_y, eps, ri) for ri in r])
    assert (t <= bound + EXACT).all()
    np.testing.assert_allclose(t, bound, atol=ON_CURVE)


# ---------------------------------------------------------------- closed-form bound, bad input


def test_deterministic_bound():
    assert deterministic_ib_bound(1.0, 0.3) == 0.3
    np.testing.assert_array_equal(deterministic_ib_bound(0.5, [0.0, 0.4, 2.0]), [0.0, 0.4, 0.5])


def test_joint_within_tolerance_is_normalised():
    p = dsbs(0.1) * (1 + 1e-10)
    assert check_joint(p).sum() == pytest.approx(1.0, abs=1e-15)


GOOD = dsbs(0.1)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: iterative_ib(np.array([0.5, 0.5]), 1.0), "2-D"),
        (lambda: iterative_ib(np.zeros((0, 2)), 1.0), "2-D"),
        (lambda: iterative_ib(np.array([[0.6, -0.1], [0.3, 0.2]]), 1.0), "non-negative"),
        (lambda: iterative_ib(np.array([[np.nan, 0.5], [0.25, 0.25]]), 1.0), "NaN"),
        (lambda: iterative_ib(2 * GOOD, 1.0), "sum to 1"),
        (lambda: iterative_ib(GOOD, 0.0), "beta"),
        (lambda: iterative_ib(GOOD, -1.0), "beta"),
        (lambda: iterative_ib(GOOD, float("inf")), "beta"),
        (lambda: iterative_ib(GOOD, 1.0, 0), "n_clusters"),
        (lambda: iterative_ib(GOOD, 1.0, 2.5), "n_clusters"),
        (lambda: iterative_ib(GOOD, 1.0, max_iter=0), "max_iter"),
        (lambda: iterative_ib(GOOD, 1.0, tol=0.0), "tol"),
        (lambda: iterative_ib(GOOD, 1.0, 2, init=np.ones((2, 3))), "init"),
        (lambda: iterative_ib(GOOD, 1.0, 2, init=np.zeros((2, 2))), "init"),
        (lambda: ib_curve(GOOD, []), "betas"),
        (lambda: ib_curve(GOOD, [1.0, -2.0]), "beta"),
        (lambda: ib_curve(GOOD, perturbation=1.0), "perturbation"),
        (lambda: ib_curve(GOOD, tol=-1.0), "tol"),
        (lambda: ib_curve(GOOD, [[1.0, 2.0]]), "betas"),
        (lambda: deterministic_ib_bound(-1.0, 0.5), "h_y"),
        (lambda: deterministic_ib_bound(1.0, -0.5), "r"),
        (lambda: noisy_labels_joint([0, 1], [0, 1], 1.5), "flip_prob"),
        (lambda: noisy_labels_joint([0, 1], [0, 1, 1], 0.1), "same n"),
        (lambda: noisy_labels_joint([0, 1], None, 0.1), "labels y"),
        (lambda: noisy_labels_joint([0, 1], [0.5, 1], 0.1), "integer"),
        (lambda: noisy_labels_joint(tishby12(), [0, 1], 0.1), "not both"),
    ],
)
def test_bad_input_raises_a_clear_error(call, match):
    with pytest.raises(InfoplaneError, match=match):
        call()
