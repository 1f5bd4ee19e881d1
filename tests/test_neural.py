"""Variational MI lower bounds (InfoNCE, NWJ, MINE) against closed-form Gaussian truth.

Most tests share one configuration (GAUSS) so that they share one compilation: the method is a
traced switch, and shapes and static settings are the same. Numbers quoted in comments were
measured on CPU with these exact settings.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from infoplane import InfoplaneError
from infoplane.estimators._interface import LN2
from infoplane.estimators._neural_training import METHODS, _bound, _init_critic, _scores
from infoplane.estimators.neural import neural_mutual_information

N = 4000
GAUSS = {"steps": 400, "batch_size": 128, "hidden": (32, 32), "learning_rate": 2e-3}


def gaussian_pair(rho: float, seed: int, n: int = N, d: int = 1):
    """n samples of (X, Y) with d independent components each correlated by rho."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = rho * x + math.sqrt(1 - rho**2) * rng.normal(size=(n, d))
    return x, y


def gaussian_mi_nats(rho: float, d: int = 1) -> float:
    return -0.5 * d * math.log(1 - rho**2)


# ---------------------------------------------------------------- the bounds by hand


def test_bounds_on_a_hand_made_score_matrix():
    # f = c on the diagonal, 0 elsewhere (B = 4, c = 2). By hand, in nats:
    #   InfoNCE = c - log(e^c + B - 1) + log B,   NWJ = c - e^(0 - 1),   DV = c - log 1 = c.
    b, c = 4, 2.0
    f = jnp.where(jnp.eye(b, dtype=bool), c, 0.0)
    want = {
        "infonce": c - math.log(math.exp(c) + b - 1) + math.log(b),
        "nwj": c - math.exp(-1.0),
        "mine": c,
    }
    for method in METHODS:
        # float32 arithmetic on O(1) numbers: 1e-6 is a few ulps
        assert float(_bound(f, method)) == pytest.approx(want[method], abs=1e-6)


def test_infonce_never_exceeds_log_batch():
    rng = np.random.default_rng(0)
    for scale in (1.0, 10.0, 100.0):
        f = jnp.asarray(rng.normal(size=(16, 16)) * scale, dtype=jnp.float32)
        f = f + jnp.eye(16) * 10 * scale  # a critic that is very sure of the true pairs
        assert float(_bound(f, "infonce")) <= math.log(16) + 1e-6


# ---------------------------------------------------------------- closed-form truth


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_correlated_gaussians(method):
    # d = 1, rho = 0.8: I = -1/2 log(1 - 0.64) = 0.5108 nats. 400 Adam steps, batch 128,
    # 3000 training / 1000 held-out samples. Measured errors over data seeds 0..3 lie in
    # [-0.03, +0.005] nats with stderr 0.02 nats; the tolerance 0.1 nats is 5 stderr and about
    # 3 times the worst measured error, while a broken bound (e.g. a sign error or a missing
    # log B) misses by more than 0.3 nats.
    x, y = gaussian_pair(0.8, seed=0)
    est = neural_mutual_information(x, y, method=method, unit="nats", **GAUSS)
    assert est.quantity == "mutual_information" and est.method == method and est.unit == "nats"
    assert est.value == pytest.approx(gaussian_mi_nats(0.8), abs=0.1)
    assert est.stderr is not None and 0 < est.stderr < 0.05
    assert est.settings["n_eval_batches"] == 7 and est.settings["n_train"] == 3000
    assert not any("InfoNCE cannot exceed" in w for w in est.warnings)


@pytest.mark.slow
def test_independence_is_near_zero():
    # rho = 0: I = 0. Measured |value| about 0.001 nats with stderr 0.001 for every method;
    # 0.03 nats (0.04 bit) is well beyond that noise yet far below the 0.5 nats of the
    # correlated case, so it catches a critic that invents dependence.
    x, y = gaussian_pair(0.0, seed=1)
    for method in METHODS:
        est = neural_mutual_information(x, y, method=method, unit="nats", seed=1, **GAUSS)
        assert abs(est.value) < 0.03, method


@pytest.mark.slow
def test_infonce_ceiling_warning():
    # d = 10 components with rho = 0.999: I = 10 * 3.1 = 31 nats, far above the ceiling
    # log2(16) = 4 bits of InfoNCE with batch 16. (With d = 1 even the optimal critic reaches
    # only 3.34 bits at batch 16, measured by Monte Carlo, so the ceiling would not show.)
    # Measured: 3.94 bits for seeds 0 and 1, i.e. 0.06 bit below the ceiling, inside the
    # 0.1-bit band that triggers the warning.
    x, y = gaussian_pair(0.999, seed=0, d=10)
    est = neural_mutual_information(
        x, y, method="infonce", steps=800, batch_size=16, hidden=(32, 32), learning_rate=1e-3
    )
    assert est.value <= 4.0 + 1e-6
    assert any("InfoNCE cannot exceed log(batch size) = 4.00 bits" in w for w in est.warnings)


def _mlp_reference(params, v):
    """The critic MLP on one example, in numpy: ReLU hidden layers, linear output."""
    for w, b in params[:-1]:
        v = np.maximum(v @ np.asarray(w) + np.asarray(b), 0.0)
    w, b = params[-1]
    return v @ np.asarray(w) + np.asarray(b)


@pytest.mark.slow
def test_critic_score_layout():
    # Entry [i, j] must be f(x_i, y_j) for both critics; checked against a numpy MLP applied
    # one pair at a time. float32 against float64 on O(1) values: 1e-5.
    xs, ys = gaussian_pair(0.5, seed=4, n=3, d=2)
    x, y = jnp.asarray(xs, dtype=jnp.float32), jnp.asarray(ys, dtype=jnp.float32)
    rng = np.random.default_rng(5)

    def mlp_params(*sizes):  # the layout _init_critic makes, filled from numpy (fast)
        return [
            (
                jnp.asarray(rng.normal(size=(a, b)), jnp.float32),
                jnp.asarray(rng.normal(size=b), jnp.float32),
            )
            for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        ]

    sep = {"g": mlp_params(2, 8, 4), "h": mlp_params(2, 8, 4)}
    cat = {"f": mlp_params(4, 8, 1)}
    made = jax.eval_shape(  # traced only: no random numbers drawn, nothing compiled
        lambda k: _init_critic(k, "separable", 2, 2, (8,), 4), jax.random.PRNGKey(0)
    )
    assert jax.tree_util.tree_structure(sep) == jax.tree_util.tree_structure(made)
    s_sep = np.asarray(_scores(sep, x, y, "separable"))
    s_cat = np.asarray(_scores(cat, x, y, "concat"))
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    for i in range(3):
        for j in range(3):
            g, h = _mlp_reference(sep["g"], xs[i]), _mlp_reference(sep["h"], ys[j])
            assert s_sep[i, j] == pytest.approx(g @ h / 2.0, abs=1e-5)  # 1/sqrt(4)
            pair = _mlp_reference(cat["f"], np.concatenate([xs[i], ys[j]]))[0]
            assert s_cat[i, j] == pytest.approx(pair, abs=1e-5)


# ---------------------------------------------------------------- determinism and units


@pytest.mark.slow
def test_same_seed_same_result_and_units():
    x, y = gaussian_pair(0.8, seed=3)
    a = neural_mutual_information(x, y, method="nwj", seed=7, **GAUSS)
    b = neural_mutual_information(x, y, method="nwj", seed=7, unit="nats", **GAUSS)
    c = neural_mutual_information(x, y, method="nwj", seed=8, **GAUSS)
    assert a.value == pytest.approx(b.value / LN2, rel=1e-12)  # identical run, unit only
    assert a.stderr == pytest.approx(b.stderr / LN2, rel=1e-12)
    assert a.value != c.value
    assert a.settings["seed"] == 7 and a.settings["method"] == "nwj"
    assert a.to_dict()["settings"]["hidden"] == [32, 32]


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"method": "dv"}, "unknown method"),
        ({"critic": "bilinear"}, "unknown critic"),
        ({"unit": "dits"}, "unknown unit"),
        ({"steps": 0}, "steps must be a positive integer"),
        ({"batch_size": 1}, "at least 2"),
        ({"batch_size": 100}, "cannot fill a batch"),
        ({"hidden": (8, 0)}, "hidden width"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"eval_fraction": 1.0}, "eval_fraction"),
        ({"seed": 1.5}, "seed must be an integer"),
    ],
)
def test_bad_settings_raise(kwargs, match):
    x, y = gaussian_pair(0.5, seed=0, n=200)
    with pytest.raises(InfoplaneError, match=match):
        neural_mutual_information(x, y, **kwargs)


def test_bad_data_raise():
    x, y = gaussian_pair(0.5, seed=0, n=200)
    with pytest.raises(InfoplaneError, match="same number of samples"):
        neural_mutual_information(x, y[:-1])
    with pytest.raises(InfoplaneError, match="NaN"):
        neural_mutual_information(np.where(np.arange(200)[:, None] == 3, np.nan, x), y)
    with pytest.raises(InfoplaneError, match="shape"):
        neural_mutual_information(x[:, :, None], y)
