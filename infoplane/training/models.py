"""Multi-layer perceptrons as plain pytrees: initialisers, activations and a forward pass that
returns every layer.

Parameters are a tuple of ``Dense(w, b)`` records, one per layer, so they vmap over seeds and
pass through optax unchanged. The last layer is a softmax over classes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp

from .._errors import InfoplaneError, check_choice, check_positive_int

ACTIVATIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
    "sigmoid": jax.nn.sigmoid,
    "softsign": jax.nn.soft_sign,
    "softplus": jax.nn.softplus,
    "linear": lambda z: z,
}
# Activations whose outputs lie in [-1, 1], so fixed bins on [-1, 1] cover them.
BOUNDED = frozenset({"tanh", "sigmoid", "softsign"})

INITIALISERS = ("idnns", "zeros", "normal", "glorot_uniform", "glorot_normal", "he_normal",
                "he_uniform")


class Dense(NamedTuple):
    """One fully connected layer: outputs = inputs @ w + b, w of shape (fan_in, fan_out)."""

    w: jax.Array
    b: jax.Array


Params = tuple[Dense, ...]


def resolve_activation(activation: str | Callable) -> Callable[[jax.Array], jax.Array]:
    """The activation function for a name in ``ACTIVATIONS``, or a user callable as given."""
    if callable(activation):
        return activation
    check_choice("activation", activation, ACTIVATIONS)
    return ACTIVATIONS[activation]


def init_weight(key: jax.Array, fan_in: int, fan_out: int, scheme: str, std: float) -> jax.Array:
    """A (fan_in, fan_out) float32 weight matrix drawn by ``scheme``.

    Schemes: "idnns" truncated normal (at 2 std) with std 1/sqrt(fan_in), as in IDNNs;
    "zeros"; "normal" with the given ``std``; "glorot_uniform" U(+-sqrt(6/(fan_in+fan_out)));
    "glorot_normal" std sqrt(2/(fan_in+fan_out)); "he_normal" std sqrt(2/fan_in);
    "he_uniform" U(+-sqrt(6/fan_in)).
    """
    shape = (fan_in, fan_out)
    if scheme == "idnns":
        # jax.random.truncated_normal has unit std before truncation, like tf.truncated_normal.
        return jax.random.truncated_normal(key, -2.0, 2.0, shape) / jnp.sqrt(fan_in)
    if scheme == "zeros":
        return jnp.zeros(shape)
    if scheme == "normal":
        return std * jax.random.normal(key, shape)
    if scheme == "glorot_uniform":
        limit = jnp.sqrt(6.0 / (fan_in + fan_out))
        return jax.random.uniform(key, shape, minval=-limit, maxval=limit)
    if scheme == "glorot_normal":
        return jnp.sqrt(2.0 / (fan_in + fan_out)) * jax.random.normal(key, shape)
    if scheme == "he_normal":
        return jnp.sqrt(2.0 / fan_in) * jax.random.normal(key, shape)
    if scheme == "he_uniform":
        limit = jnp.sqrt(6.0 / fan_in)
        return jax.random.uniform(key, shape, minval=-limit, maxval=limit)
    check_choice("initialiser", scheme, INITIALISERS)
    raise AssertionError("unreachable")


def check_widths(widths: Sequence[int]) -> tuple[int, ...]:
    """Validate layer widths (input, hidden..., classes); return them as a tuple of ints."""
    widths = tuple(widths)
    if len(widths) < 2:
        raise InfoplaneError(f"widths need an input and an output size, got {widths}")
    return tuple(check_positive_int(f"width {i}", w) for i, w in enumerate(widths))


def init_mlp(key: jax.Array, widths: Sequence[int], init: str = "idnns", std: float = 0.01
             ) -> Params:
    """Parameters of an MLP with layer sizes ``widths`` (input first, classes last).

    Biases start at zero. Returns a tuple of ``Dense`` layers.
    """
    widths = check_widths(widths)
    check_choice("initialiser", init, INITIALISERS)
    keys = jax.random.split(key, len(widths) - 1)
    return tuple(
        Dense(init_weight(k, a, b, init, std), jnp.zeros((b,)))
        for k, a, b in zip(keys, widths[:-1], widths[1:], strict=True)
    )


def forward(params: Params, x: jax.Array, activation: Callable) -> tuple[jax.Array, ...]:
    """All layers' outputs for inputs x (n, d): hidden activations, then the softmax output.

    Returns:
        A tuple with one (n, width) array per layer; the last is the softmax probabilities.
    """
    outputs = []
    h = x
    for layer in params[:-1]:
        h = activation(h @ layer.w + layer.b)
        outputs.append(h)
    logits = h @ params[-1].w + params[-1].b
    outputs.append(jax.nn.softmax(logits))
    return tuple(outputs)


def logits(params: Params, x: jax.Array, activation: Callable) -> jax.Array:
    """The pre-softmax outputs (n, classes)."""
    h = x
    for layer in params[:-1]:
        h = activation(h @ layer.w + layer.b)
    return h @ params[-1].w + params[-1].b
