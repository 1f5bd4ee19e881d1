"""What the compiled program needs of a network, whatever its architecture.

A ``Network`` is a record of pure functions over one flat float32 parameter vector per seed
(``jax.flatten_util.ravel_pytree`` of the parameter pytree): the optimiser then updates one
array, not one per layer, which is measurably faster for networks this small, and a checkpoint
is one array per seed. The training loss sees only ``group_logits`` and the measurement only
``forward`` and ``weights``, so another model (issue 10's ``Model(init, apply)``, vmapped over
seeds) slots in as another constructor beside ``mlp_network``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from .config import RunConfig
from .models import forward, group_logits, init_mlp, resolve_activation


class Network(NamedTuple):
    """A network as functions of its flat parameters.

    Attributes:
        init: ``init(key) -> flat`` (P,), one seed's initial parameters.
        unravel: ``unravel(flat) -> params``, the parameter pytree of one seed.
        forward: ``forward(flat, x) -> (logits, hidden)`` for one seed on inputs x (n, d):
            logits (n, classes) and a tuple of (n, width) hidden-layer activations.
        group_logits: ``group_logits(flat, x, keys) -> (S, classes, B)`` for S seeds in
            training mode (dropout, unit noise): flat (S, P), x (B, d) shared or (S, B, d),
            keys (S,) one typed key per seed.
        weights: ``weights(flat) -> (w_1, ..., w_L)``, one weight array per layer, whose norms
            and gradient statistics are recorded.
    """

    init: Callable
    unravel: Callable
    forward: Callable
    group_logits: Callable
    weights: Callable


def perturb(li: int, h: jax.Array, keys: jax.Array, *, dropout: float, unit_noise: float
            ) -> jax.Array:
    """Gaussian unit noise, then inverted dropout, on hidden layer ``li`` during training.

    Args:
        li: the hidden layer's index (folded into each seed's key, so layers draw apart).
        h: (S, width, B) the layer's activations for S seeds, feature-major.
        keys: (S,) each seed's typed key for this batch.
        dropout: the probability of dropping a unit (kept units are scaled by 1/(1 - dropout)).
        unit_noise: the standard deviation of the added noise.

    Returns:
        (S, width, B) perturbed activations.
    """
    return jax.vmap(partial(_perturb_one, li, dropout=dropout, unit_noise=unit_noise))(h, keys)


def _perturb_one(li: int, h: jax.Array, key: jax.Array, *, dropout: float, unit_noise: float
                 ) -> jax.Array:
    k_drop, k_noise = jax.random.split(jax.random.fold_in(key, li))
    if unit_noise:
        h = h + unit_noise * jax.random.normal(k_noise, h.shape)
    if dropout:
        keep = jax.random.bernoulli(k_drop, 1.0 - dropout, h.shape)
        h = jnp.where(keep, h / (1.0 - dropout), 0.0)
    return h


def mlp_network(config: RunConfig, widths: tuple[int, ...]) -> Network:
    """The multi-layer perceptron of a configuration, with layer sizes ``widths`` (input,
    ``config.hidden``..., classes)."""
    _, unravel = ravel_pytree(init_mlp(jax.random.key(0), widths, "zeros"))
    activation = resolve_activation(config.activation)
    regularised = bool(config.dropout or config.unit_noise)

    def init(key):
        return ravel_pytree(init_mlp(key, widths, config.init, config.init_std))[0]

    def one_forward(flat, x):
        return forward(unravel(flat), x, activation)

    def many_logits(flat, x, keys):
        hook = None
        if regularised:
            hook = partial(perturb, keys=keys, dropout=config.dropout,
                           unit_noise=config.unit_noise)
        return group_logits(jax.vmap(unravel)(flat), x, activation, hook)

    def weights(flat):
        return tuple(layer.w for layer in unravel(flat))

    return Network(init, unravel, one_forward, many_logits, weights)

