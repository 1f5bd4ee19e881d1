import jax
import jax.numpy as jnp
import numpy as np
import pytest

from infoplane import InfoplaneError
from infoplane.training.config import ACTIVATIONS
from infoplane.training.models import (
    ACTIVATION_FUNCTIONS,
    forward,
    init_mlp,
    init_weight,
    resolve_activation,
)

FAN_IN, FAN_OUT = 400, 300  # 120,000 weights: sample std within ~0.5% of the target


@pytest.mark.parametrize(
    ("scheme", "std"),
    [
        # truncated at 2 sd: the std of a unit normal truncated to [-2, 2] is 0.8796
        ("idnns", 0.8796 / np.sqrt(FAN_IN)),
        ("normal", 0.05),
        ("glorot_uniform", np.sqrt(6 / (FAN_IN + FAN_OUT)) / np.sqrt(3)),
        ("glorot_normal", np.sqrt(2 / (FAN_IN + FAN_OUT))),
        ("he_normal", np.sqrt(2 / FAN_IN)),
        ("he_uniform", np.sqrt(6 / FAN_IN) / np.sqrt(3)),
    ],
)
@pytest.mark.slow
def test_initialiser_statistics(scheme, std):
    w = np.asarray(init_weight(jax.random.key(0), FAN_IN, FAN_OUT, scheme, 0.05))
    assert w.shape == (FAN_IN, FAN_OUT)
    # Sampling error of a std estimate from 120k draws is ~0.2%; 2% leaves room for the
    # truncation constant's rounding.
    assert w.std() == pytest.approx(std, rel=0.02)
    assert abs(w.mean()) < 3 * std / np.sqrt(w.size)
    if scheme == "idnns":
        assert np.abs(w).max() <= 2.0 / np.sqrt(FAN_IN) + 1e-6


def test_zero_init_and_zero_biases():
    params = init_mlp(jax.random.key(1), (12, 10, 2), "zeros")
    assert all(float(jnp.abs(layer.w).sum()) == 0 for layer in params)
    params = init_mlp(jax.random.key(1), (12, 10, 2))
    assert all(float(jnp.abs(layer.b).sum()) == 0 for layer in params)


@pytest.mark.slow
def test_forward_returns_the_logits_and_every_hidden_layer():
    params = init_mlp(jax.random.key(2), (12, 10, 7, 2))
    x = jnp.asarray(np.random.default_rng(0).normal(size=(5, 12)), dtype=jnp.float32)
    logits, hidden = forward(params, x, jnp.tanh)
    assert [h.shape for h in hidden] == [(5, 10), (5, 7)] and logits.shape == (5, 2)
    # By hand, with numpy.
    h = np.asarray(x)
    for layer in params[:-1]:
        h = np.tanh(h @ np.asarray(layer.w) + np.asarray(layer.b))
    np.testing.assert_allclose(np.asarray(hidden[1]), h, rtol=1e-5, atol=1e-6)
    z = h @ np.asarray(params[-1].w) + np.asarray(params[-1].b)
    np.testing.assert_allclose(np.asarray(logits), z, rtol=1e-5, atol=1e-6)


def test_activations_and_user_callable():
    z = jnp.linspace(-3, 3, 7)
    assert set(ACTIVATIONS) == {"tanh", "relu", "sigmoid", "softsign", "softplus", "linear"}
    assert set(ACTIVATION_FUNCTIONS) == set(ACTIVATIONS)  # every name has its function
    np.testing.assert_allclose(resolve_activation("softsign")(z), z / (1 + jnp.abs(z)), rtol=1e-6)
    np.testing.assert_allclose(resolve_activation("softplus")(z), np.log1p(np.exp(z)), rtol=1e-5)
    f = resolve_activation(lambda v: 2 * v)
    np.testing.assert_allclose(f(z), 2 * z)


def test_bad_model_input():
    with pytest.raises(InfoplaneError, match="unknown activation 'swish'.*relu"):
        resolve_activation("swish")
    with pytest.raises(InfoplaneError, match="unknown initialiser"):
        init_mlp(jax.random.key(0), (3, 2), "orthogonal")
    with pytest.raises(InfoplaneError, match="positive integer"):
        init_mlp(jax.random.key(0), (3, 0, 2))
