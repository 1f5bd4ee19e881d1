"""A forward pass for a group of S networks at once, packed into block-diagonal matrices.

On a CPU, XLA runs a batched (vmapped) product of tiny matrices as a loop of small kernels,
which is slower than training the networks one by one. Packing S networks side by side makes
each layer one ordinary matrix product: the hidden states of all S networks are concatenated,
(B, S * width), and the weights form a block-diagonal (S * fan_in, S * fan_out) matrix. The
off-diagonal blocks are exact zeros that receive no update (their gradient is discarded when the
blocks are taken back), so each network trains exactly as alone, up to float summation order.
The work grows as S^2 in the zero blocks, so a small S (about 4) is fastest for narrow nets.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from .models import Params


def block_diagonal(w: jax.Array) -> jax.Array:
    """(S, i, o) -> the (S * i, S * o) block-diagonal matrix with w[s] as block s."""
    s, i, o = w.shape
    eye = jnp.eye(s, dtype=w.dtype)
    return jnp.einsum("sio,st->sito", w, eye).reshape(s * i, s * o)


def packed_logits(
    params: Params,
    x: jax.Array,
    activation: Callable[[jax.Array], jax.Array],
    perturb: Callable[[int, jax.Array], jax.Array] | None = None,
) -> jax.Array:
    """Logits of S networks.

    Args:
        params: Dense layers whose w and b carry a leading axis S.
        x: (B, d) inputs shared by all networks, or (S, B, d) inputs of each network.
        activation: the hidden activation.
        perturb: optional ``perturb(layer_index, h)`` applied to each hidden layer's output
            h (S, B, width), e.g. dropout or noise drawn with each network's own key.

    Returns:
        (S, B, classes) logits.
    """
    s = params[0].w.shape[0]
    w0 = params[0].w
    if x.ndim == 2:  # shared inputs: one product with the weights side by side
        z = x @ jnp.transpose(w0, (1, 0, 2)).reshape(w0.shape[1], -1)
    else:
        z = jnp.transpose(x, (1, 0, 2)).reshape(x.shape[1], -1) @ block_diagonal(w0)
    b = x.shape[-2]
    last = len(params) - 1
    for li, layer in enumerate(params):
        z = z + layer.b.reshape(-1)
        if li == last:
            break
        h = activation(z)
        if perturb is not None:
            h3 = jnp.transpose(h.reshape(b, s, -1), (1, 0, 2))
            h = jnp.transpose(perturb(li, h3), (1, 0, 2)).reshape(b, -1)
        z = h @ block_diagonal(params[li + 1].w)
    return jnp.transpose(z.reshape(b, s, -1), (1, 0, 2))
