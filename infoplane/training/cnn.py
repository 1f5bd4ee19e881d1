"""Convolutional networks as a :class:`Model`: 1-D convolutions for sequences (MNIST-1D) and
2-D ones for images (digits, MNIST), with pooling, and optional dropout and additive Gaussian
noise layers.

The network: for each entry of ``channels`` a convolution ("same" padding, stride 1), the
activation, optional noise, and a max-pooling of ``pool`` (window and stride); then the
flattened feature maps pass through dense layers of ``hidden`` widths (activation, optional
noise and dropout) to the logits. Every convolutional block and dense layer is a recorded
layer ("conv1", "conv2", ..., "dense1", ...), and so is the softmax output ("out"): the
information plane has one point per block.

Noise (``noise`` > 0) is additive Gaussian noise of standard deviation ``noise`` times the
root mean square of the layer's activations on the batch (held constant for the gradient), a
relative scale that keeps the signal-to-noise ratio fixed as activations grow or shrink. It
makes I(X;T) finite for a continuous layer (Goldfeld et al., ICML 2019). During training it is
always on; with ``noise_eval`` it is also on when the layers are measured (the noisy networks of
Goldfeld et al. 2019 and Butakov et al. 2024, where the noise is part of the network), else
measurement sees the clean layers. Dropout acts in training only.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp

from .._errors import InfoplaneError, check_positive_int
from .model import Model
from .quantisation import quantise, quantise_activation, quantise_weights


def conv_same(h: jax.Array, w: jax.Array) -> jax.Array:
    """A stride-1 convolution with "same" padding (cross-correlation, as
    ``lax.conv_general_dilated`` computes it), written as a sum over the kernel's offsets.

    For every offset of the kernel, the shifted input is contracted over the input channels
    with that offset's kernel slice (one matrix product), and the products are added in a
    fixed order. Two reasons not to call XLA's convolution: its CPU kernel splits the sums
    between threads, so a seed's numbers changed with the cores a process may use (1e-7 in the
    loss, 2e-3 in the activations after two epochs of mnist1d_cnn); and its vmapped (grouped)
    form is slow on CPUs. This form gives the same numbers on 1 or 2 cores and, vmapped over 5
    seeds, trained mnist1d_cnn about twice as fast (``benchmarks/results/seed_layout.md``).
    Padding as XLA's "SAME": (k - 1) // 2 before, the rest after.

    Args:
        h: (n, c_in, *spatial) inputs, 1 or 2 spatial axes.
        w: (c_out, c_in, *kernel) kernels.

    Returns:
        (n, c_out, *spatial) outputs.
    """
    kernel, spatial = w.shape[2:], h.shape[2:]
    pads = [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in kernel]
    padded = jnp.pad(h, [(0, 0), (0, 0), *pads])
    out = None
    for offset in itertools.product(*(range(k) for k in kernel)):
        window = (slice(None), slice(None),
                  *(slice(o, o + size) for o, size in zip(offset, spatial, strict=True)))
        term = jnp.einsum("nc...,oc->no...", padded[window], w[(slice(None), slice(None),
                                                                 *offset)])
        out = term if out is None else out + term
    return out


def _he(key, shape, fan_in: int) -> jax.Array:
    return jnp.sqrt(2.0 / fan_in) * jax.random.normal(key, shape)


def _perturb(h, key, index: int, *, noise: float, dropout: float, train: bool, noisy: bool):
    """Relative Gaussian noise (when ``noisy``) and dropout (when ``train``) on a layer."""
    if key is None:
        return h
    k_noise, k_drop = jax.random.split(jax.random.fold_in(key, index))
    if noise and noisy:
        scale = jax.lax.stop_gradient(jnp.sqrt(jnp.mean(h**2)))
        h = h + noise * scale * jax.random.normal(k_noise, h.shape)
    if dropout and train:
        keep = jax.random.bernoulli(k_drop, 1.0 - dropout, h.shape)
        h = jnp.where(keep, h / (1.0 - dropout), 0.0)
    return h


def cnn(input_shape: Sequence[int], n_classes: int, *, channels: Sequence[int] = (16, 32),
        kernel_size: int = 5, pool: int = 2, hidden: Sequence[int] = (64,),
        activation: Callable[[jax.Array], jax.Array] = jax.nn.relu, noise: float = 0.0,
        noise_eval: bool = False, dropout: float = 0.0, quantize_bits: int | None = None,
        activation_name: str | None = None) -> Model:
    """A convolutional network for inputs of ``input_shape`` ((length,) or (height, width),
    one channel; inputs may come flattened, (n, prod(input_shape))).

    With ``quantize_bits`` = b the kernels and weights and every recorded layer are quantised
    to b bits (``quantise``): each block after its activation (before noise and pooling, which
    keeps values on the grid), each dense layer after its activation, the softmax output on
    [0, 1]; the range of a layer is that of ``activation_name`` where it is bounded (e.g.
    "tanh"), else the batch's.

    Returns:
        A :class:`Model` whose ``apply(params, x, key=None, train=False)`` returns the logits
        (n, n_classes) and ``{"conv1": (n, c1 * l1), ..., "dense1": ..., "out": softmax}``.
    """
    shape = tuple(int(s) for s in input_shape)
    dims = len(shape)
    if dims not in (1, 2):
        raise InfoplaneError(f"input_shape must be (length,) or (height, width), got {shape}")
    for name, values in (("channels", channels), ("hidden", hidden)):
        for v in values:
            check_positive_int(name, v)
    kernel_size, pool = check_positive_int("kernel_size", kernel_size), check_positive_int(
        "pool", pool)
    sizes = [shape]
    for _ in channels:
        sizes.append(tuple(s // pool for s in sizes[-1]))
    if min(sizes[-1]) < 1:
        raise InfoplaneError(f"{len(channels)} poolings of {pool} shrink inputs of shape {shape} "
                             "to nothing; use fewer channels entries or pool=1")
    flat = channels[-1] * math.prod(sizes[-1]) if channels else math.prod(shape)

    def init(key, x=None):
        keys = iter(jax.random.split(key, len(channels) + len(hidden) + 1))
        convs, c_in = [], 1
        for c in channels:
            k_shape = (c, c_in) + (kernel_size,) * dims
            convs.append({"w": _he(next(keys), k_shape, c_in * kernel_size**dims),
                          "b": jnp.zeros((c,))})
            c_in = c
        dense, d_in = [], flat
        for w in (*hidden, n_classes):
            dense.append({"w": _he(next(keys), (d_in, w), d_in), "b": jnp.zeros((w,))})
            d_in = w
        return {"conv": convs, "dense": dense}

    def act(z):
        h = activation(z)
        return h if quantize_bits is None else quantise_activation(h, quantize_bits,
                                                                   activation_name)

    def apply(params, x, *, key=None, train=False):
        if quantize_bits is not None:
            params = quantise_weights(params, quantize_bits)
        h = jnp.reshape(x, (x.shape[0], 1) + shape)
        noisy = train or noise_eval
        layers, index = {}, 0
        for i, p in enumerate(params["conv"]):
            h = conv_same(h, p["w"])
            h = act(h + p["b"].reshape((1, -1) + (1,) * dims))
            h = _perturb(h, key, index, noise=noise, dropout=0.0, train=train, noisy=noisy)
            window = (1, 1) + (pool,) * dims
            h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, window, window, "VALID")
            layers[f"conv{i + 1}"] = h.reshape(h.shape[0], -1)
            index += 1
        h = h.reshape(h.shape[0], -1)
        for i, p in enumerate(params["dense"][:-1]):
            h = act(h @ p["w"] + p["b"])
            h = _perturb(h, key, index, noise=noise, dropout=dropout, train=train, noisy=noisy)
            layers[f"dense{i + 1}"] = h
            index += 1
        logits = h @ params["dense"][-1]["w"] + params["dense"][-1]["b"]
        out = jax.nn.softmax(logits)
        layers["out"] = out if quantize_bits is None else quantise(out, quantize_bits, 0.0, 1.0)
        return logits, layers

    return Model(init, apply, name=f"cnn{dims}d")
