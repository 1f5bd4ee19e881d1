"""The forward pass of a group of S networks at once, laid out feature-major.

Each hidden state is held as (S, width, B): for every network, one row of B batch values per
unit. A layer is then the batched product ``einsum("sio,sib->sob")``, whose inner loops run
along the long batch axis. With the usual (B, width) layout the rows are as short as the layer
(2 to 12 values here) and XLA's CPU kernels vectorise poorly; on this 2-core machine the
feature-major group trains the 12-10-7-5-4-3-2 network about 1.6x faster than block-diagonal
packing of the same seeds, and twice as fast as one (B, width) network at a time.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from .models import Params


def group_logits(
    params: Params,
    x: jax.Array,
    activation: Callable[[jax.Array], jax.Array],
    perturb: Callable[[int, jax.Array], jax.Array] | None = None,
) -> jax.Array:
    """Logits of S networks, feature-major.

    Args:
        params: Dense layers whose w (S, fan_in, fan_out) and b (S, fan_out) carry a leading
            network axis.
        x: (B, d) inputs shared by all networks, or (S, B, d) inputs of each network.
        activation: the hidden activation.
        perturb: optional ``perturb(layer_index, h)`` applied to each hidden layer's output
            h (S, width, B), e.g. dropout or noise drawn with each network's own key.

    Returns:
        (S, classes, B) logits.
    """
    w0 = params[0].w
    z = jnp.einsum("sio,bi->sob", w0, x) if x.ndim == 2 else jnp.einsum("sio,sbi->sob", w0, x)
    last = len(params) - 1
    for li, layer in enumerate(params):
        z = z + layer.b[:, :, None]
        if li == last:
            break
        h = activation(z)
        if perturb is not None:
            h = perturb(li, h)
        z = jnp.einsum("sio,sib->sob", params[li + 1].w, h)
    return z
