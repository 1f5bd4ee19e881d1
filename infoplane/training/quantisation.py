# Named "quantisation" rather than "quantise": with the package's lazy public names, a submodule
# of the same name as its function would shadow the function once imported.
"""Uniform quantisation with a straight-through gradient: quantisation-aware training.

A b-bit quantiser maps a real x onto one of 2**b evenly spaced levels covering a range
[low, high] (Jacob et al., CVPR 2018; TensorFlow's ``fake_quant_with_min_max_vars``, which the
quantised networks of Lorenzen, Igel & Nielsen, ICLR 2022, use):

    scale = (high - low) / (2**b - 1)
    z     = clip(round(-low / scale), 0, 2**b - 1)        (the level that is exactly 0)
    lo    = -z * scale,  hi = lo + (2**b - 1) * scale      (the range nudged to put 0 on a level)
    Q(x)  = lo + scale * round((clip(x, lo, hi) - lo) / scale)

The range is first widened to contain 0, so a ReLU's zeros stay exactly zero. In the backward
pass Q is the identity inside [lo, hi] and flat outside (the straight-through estimator of
Bengio et al. 2013, as in TensorFlow): ``Q(x) = c + stop_gradient(Q(c) - c)`` with
``c = clip(x, lo, hi)``.

Where the range comes from (``activation_range``): a bounded activation gives it (tanh and
softsign [-1, 1], sigmoid and the softmax output [0, 1]); an unbounded one (ReLU, softplus,
linear, a user callable) takes the minimum and maximum of the values being quantised, over the
whole batch (held constant for the gradient). Lorenzen et al. track a ReLU layer's range as an
exponential moving average of the batch extremes; here it is the extremes of the batch itself,
so a forward pass needs no state: in training the batch is a mini-batch, when the plane is
measured it is every input. Weights are quantised per tensor on their own [min, max]; biases
stay in float, as in Jacob et al. (32-bit integer biases), which changes nothing downstream
because every layer's output is quantised after them.

``quantise`` is the public helper for a :class:`Model` of one's own: call it on a layer's
output inside ``apply`` (and ``quantise_weights`` on the parameters first) to make that layer
take at most 2**b values per unit, so the run's plane is exact (``RunConfig.quantize_bits``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._errors import InfoplaneError
from .config import QUANTIZE_BITS

# The range of each bounded activation of config.ACTIVATIONS (and of the softmax output).
BOUNDED_RANGES = {"tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0), "sigmoid": (0.0, 1.0),
                  "softmax": (0.0, 1.0)}


def _check_bits(bits) -> int:
    low, high = QUANTIZE_BITS
    if isinstance(bits, bool) or not isinstance(bits, int) or not low <= bits <= high:
        raise InfoplaneError(f"bits must be an integer from {low} to {high}, got {bits!r}")
    return bits


def quantise(x: jax.Array, bits: int, low: float | jax.Array | None = None,
             high: float | jax.Array | None = None) -> jax.Array:
    """``x`` uniformly quantised to ``bits`` bits, with a straight-through gradient.

    Args:
        x: an array of any shape (a batch of a layer's outputs, or a weight tensor).
        bits: from 2 to 16; the result takes at most 2**bits distinct values.
        low, high: the range; None (the default) takes the minimum and maximum of all of
            ``x`` (held constant for the gradient). The range is widened to contain 0.

    Returns:
        An array like ``x`` whose values lie on the 2**bits levels of the (nudged) range.

    Example, a layer of one's own inside ``Model.apply``::

        h = quantise(jnp.tanh(h @ w + b), 8, -1.0, 1.0)   # bounded: the activation's range
        h = quantise(jax.nn.relu(h @ w + b), 8)           # unbounded: the batch's range
    """
    bits = _check_bits(bits)
    x = jnp.asarray(x)
    if low is None:
        low = jax.lax.stop_gradient(jnp.min(x))
    if high is None:
        high = jax.lax.stop_gradient(jnp.max(x))
    levels = 2**bits - 1
    low = jnp.minimum(jnp.asarray(low, x.dtype), 0.0)
    high = jnp.maximum(jnp.asarray(high, x.dtype), 0.0)
    span = high - low
    # A range of zero width (a dead layer: every value 0) quantises to 0 with any scale.
    scale = jnp.where(span > 0, span / levels, 1.0)
    zero = jnp.clip(jnp.round(-low / scale), 0, levels)
    lo = -zero * scale
    hi = lo + levels * scale
    clipped = jnp.clip(x, lo, hi)
    q = lo + scale * jnp.round((clipped - lo) / scale)
    return clipped + jax.lax.stop_gradient(q - clipped)


def activation_range(activation) -> tuple[float, float] | tuple[None, None]:
    """The fixed quantisation range of a bounded activation (a name of ``BOUNDED_RANGES``),
    else (None, None): the batch's own range (see the module docstring)."""
    if isinstance(activation, str):
        return BOUNDED_RANGES.get(activation, (None, None))
    return None, None


def quantise_activation(h: jax.Array, bits: int, activation) -> jax.Array:
    """A layer's output ``h`` quantised on the range its ``activation`` (name or callable)
    implies: fixed for a bounded one, the batch's min..max for an unbounded one."""
    return quantise(h, bits, *activation_range(activation))


def quantise_weights(params, bits: int):
    """Every weight tensor (leaf of two or more dimensions) of a parameter pytree quantised on
    its own [min, max], with a straight-through gradient; biases (1-D leaves) unchanged."""
    return jax.tree.map(lambda a: quantise(a, bits) if a.ndim >= 2 else a, params)
