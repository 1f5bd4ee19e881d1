"""What the compiled program needs of a network, whatever its architecture.

A ``Network`` is a record of pure functions over one flat float32 parameter vector per seed
(``jax.flatten_util.ravel_pytree`` of the parameter pytree): the optimiser then updates one
array, not one per layer, which is measurably faster for networks this small, and a checkpoint
is one array per seed. The training loss sees only ``group_logits`` and the measurement only
``forward`` and ``weights``. Two constructors: ``mlp_network``, the built-in perceptron on its
fast grouped path, and ``model_network``, any :class:`Model` (the built-in convolutional
networks and the user's own), vmapped over seeds. ``make_network`` picks one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from .._errors import InfoplaneError
from ..data import Dataset
from .cnn import cnn
from .config import RunConfig
from .model import Model, check_model
from .models import forward, forward_features, group_logits, init_mlp, resolve_activation
from .quantisation import quantise, quantise_activation, quantise_weights


class Network(NamedTuple):
    """A network as functions of its flat parameters.

    Attributes:
        init: ``init(key) -> flat`` (P,), one seed's initial parameters.
        unravel: ``unravel(flat) -> params``, the parameter pytree of one seed.
        forward: ``forward(flat, x) -> (logits, layers)`` for one seed on inputs x (n, d) in
            evaluation mode: logits (n, classes) and the layers of the information plane, a
            tuple of (n, width) arrays (the MLP: its hidden layers, then softmax(logits)).
        group_logits: ``group_logits(flat, x, keys) -> (S, classes, B)`` for S seeds in
            training mode (dropout, unit noise): flat (S, P), x (B, d) shared or (S, B, d),
            keys (S,) one typed key per seed.
        weights: ``weights(flat) -> (w_1, ..., w_L)``, the weight arrays (matrices and
            convolution kernels) whose norms and gradient statistics are recorded.
        layer_names, layer_widths: the plane's layers, e.g. "L1 (10)", and their units.
        weight_names: a name per entry of ``weights``.
        over_seeds: ``over_seeds(f)`` maps a function of one seed's arrays over a leading
            seed axis of every argument: ``jax.vmap``, or ``seeds_unrolled`` where vmapping is
            slow (convolutions on a CPU).
        forward_features: None, or ``forward`` laid out feature-major, the measurement's fast
            path: logits (classes, n) and layers (width, n) (the MLP's,
            ``models.forward_features``).
    """

    init: Callable
    unravel: Callable
    forward: Callable
    group_logits: Callable
    weights: Callable
    layer_names: tuple[str, ...]
    layer_widths: tuple[int, ...]
    weight_names: tuple[str, ...]
    over_seeds: Callable = jax.vmap
    forward_features: Callable | None = None


def unravel_of(make_params: Callable) -> Callable:
    """``ravel_pytree``'s ``unravel`` for the parameters ``make_params()`` returns, found
    from their shapes alone (``jax.eval_shape``): none of its operations runs, so none is
    compiled on its own before training (about 25 small programs for the MLP)."""
    found = []

    def flat():
        out, unravel = ravel_pytree(make_params())
        found.append(unravel)  # closes over shapes and dtypes only, never over a value
        return out

    jax.eval_shape(flat)
    return found[0]


def seeds_unrolled(f: Callable) -> Callable:
    """``f`` mapped over a leading seed axis of all its arguments by writing it out once per
    seed in the compiled program (the seed axis is static), the alternative to ``jax.vmap``.

    Vmapping a convolution over seeds whose inputs and kernels both differ makes it a grouped
    convolution, which XLA's CPU backend runs slowly. Measured on this 2-core machine (5 seeds
    of the mnist1d_cnn network, 40 training steps, 3 alternating repeats under load): vmapped
    1.4-2.4 s, unrolled 0.7-1.1 s, a ``lax.map`` loop 3.7-5.5 s.
    """
    def unrolled(*args):
        outs = [f(*(a[i] for a in args)) for i in range(args[0].shape[0])]
        return jax.tree.map(lambda *xs: jnp.stack(xs), *outs)

    return unrolled


def _has_convolutions(fn: Callable, *args) -> bool:
    """Whether ``fn(*args)`` computes a convolution (read from its jaxpr, not run)."""
    return "conv_general_dilated" in str(jax.make_jaxpr(fn)(*args))


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
    ``config.hidden``..., classes). With ``config.quantize_bits`` its weights and every layer's
    output are quantised (``quantise``): the hidden layers after the activation, the output
    layer of the plane as softmax(logits) on [0, 1]; the loss sees the logits."""
    unravel = unravel_of(lambda: init_mlp(jax.random.key(0), widths, "zeros"))
    activation = resolve_activation(config.activation)
    bits = config.quantize_bits
    regularised = bool(config.dropout or config.unit_noise)

    def init(key):
        return ravel_pytree(init_mlp(key, widths, config.init, config.init_std))[0]

    def params_of(flat):
        return unravel(flat) if bits is None else quantise_weights(unravel(flat), bits)

    def one_activation(z):
        h = activation(z)
        return h if bits is None else quantise_activation(h, bits, config.activation)

    def one_forward(flat, x, major=forward, classes=-1):
        logits, hidden = major(params_of(flat), x, one_activation)
        out = jax.nn.softmax(logits, axis=classes)
        return logits, (*hidden, out if bits is None else quantise(out, bits, 0.0, 1.0))

    def many_logits(flat, x, keys):
        hooks = []
        if bits is not None:  # each seed's layer on its own range: vmapped over seeds
            hooks.append(lambda li, h: jax.vmap(partial(quantise_activation, bits=bits,
                                                        activation=config.activation))(h))
        if regularised:
            hooks.append(partial(perturb, keys=keys, dropout=config.dropout,
                                 unit_noise=config.unit_noise))
        hook = None if not hooks else (hooks[0] if len(hooks) == 1 else
                                       lambda li, h: hooks[1](li, hooks[0](li, h)))
        return group_logits(jax.vmap(params_of)(flat), x, activation, hook)

    def weights(flat):
        return tuple(layer.w for layer in unravel(flat))

    names = (*(f"L{i + 1} ({w})" for i, w in enumerate(widths[1:-1])), f"out ({widths[-1]})")
    return Network(init, unravel, one_forward, many_logits, weights, names, widths[1:], names,
                   forward_features=partial(one_forward, major=forward_features, classes=0))


def model_network(model: Model, x_sample: jax.Array, n_classes: int) -> Network:
    """Any :class:`Model` as a ``Network``, its seeds vmapped (written out one by one for a
    model that calls XLA's convolution on a CPU: ``seeds_unrolled``; the built-in
    convolutional networks do not, see ``cnn.conv_same``).

    The model is traced once on ``x_sample`` (a few inputs) to check what ``apply`` returns
    (``check_model``). In training ``apply`` gets ``train=True`` and each seed's key for the
    batch; when the layers are measured it gets ``train=False`` and a fixed key (used only by
    noise the model keeps at evaluation), so every logged epoch sees the same draw.
    """
    names, widths = check_model(model, x_sample, n_classes)
    template = jax.eval_shape(model.init, jax.random.key(0), x_sample)
    zeros = jax.tree.map(lambda a: jnp.zeros(a.shape, a.dtype), template)
    _, unravel = ravel_pytree(zeros)
    paths = [(jax.tree_util.keystr(path, simple=True, separator="."), leaf) for path, leaf in
             jax.tree_util.tree_flatten_with_path(zeros)[0]]
    weight_names = tuple(path for path, leaf in paths if leaf.ndim >= 2)

    def init(key):
        return ravel_pytree(model.init(key, x_sample))[0]

    def one_forward(flat, x):
        logits, layers = model.apply(unravel(flat), x, key=jax.random.key(0), train=False)
        return logits, tuple(a.reshape(a.shape[0], -1) for a in layers.values())

    # Seeds are vmapped, except for a model with XLA convolutions on a CPU (seeds_unrolled).
    convolutional = _has_convolutions(one_forward, ravel_pytree(zeros)[0], x_sample)
    over_seeds = (seeds_unrolled if convolutional and jax.default_backend() == "cpu"
                  else jax.vmap)

    def many_logits(flat, x, keys):
        def one(f, key, xb=x):
            return model.apply(unravel(f), xb, key=key, train=True)[0].T  # (classes, B)
        if x.ndim == 2:  # inputs shared by the seeds
            return over_seeds(one)(flat, keys)
        return over_seeds(lambda f, key, xb: one(f, key, xb))(flat, keys, x)

    def weights(flat):
        return tuple(leaf for leaf in jax.tree.leaves(unravel(flat)) if leaf.ndim >= 2)

    labels = tuple(f"{n} ({w})" for n, w in zip(names, widths, strict=True))
    return Network(init, unravel, one_forward, many_logits, weights, labels, tuple(widths),
                   weight_names, over_seeds)


def check_quantised(network: Network, x: jax.Array, bits: int) -> None:
    """Raise unless every layer of ``network`` (at a fresh initialisation, on inputs ``x``)
    takes at most 2**bits values per unit: a model of one's own must quantise its layers
    itself (``quantise``) for ``quantize_bits`` to make its plane exact."""
    _, layers = network.forward(network.init(jax.random.key(0)), x)
    for name, layer in zip(network.layer_names, layers, strict=True):
        values = np.asarray(layer)
        most = max(len(np.unique(values[:, j])) for j in range(values.shape[1]))
        if most > 2**bits:
            raise InfoplaneError(
                f"quantize_bits={bits}: layer {name} of the model takes {most} values in one "
                f"unit (more than 2**{bits}); quantise every recorded layer inside apply with "
                f"infoplane.quantise(h, {bits}) (see docs/guide/quantised.md)", usage=True)


def make_network(config: RunConfig, data: Dataset, model: Model | None = None) -> Network:
    """The network of a run: ``model`` if given, else the built-in one ``config.model`` names,
    for inputs of ``data`` (its example shape) and its classes."""
    x_sample = jnp.asarray(data.x[:2])
    if model is not None:
        network = model_network(model, x_sample, data.n_classes)
        if config.quantize_bits is not None:
            check_quantised(network, jnp.asarray(data.x[:1024]), config.quantize_bits)
        return network
    if config.model == "mlp":
        return mlp_network(config, (data.x.shape[1], *config.hidden, data.n_classes))
    dims = 1 if config.model == "cnn1d" else 2
    shape = data.example_shape
    if len(shape) != dims:
        raise InfoplaneError(
            f"model {config.model!r} needs examples of {dims} dimension(s), but the data set "
            f"{data.name!r} has examples of shape {shape}; use "
            f"{'cnn2d' if len(shape) == 2 else 'cnn1d'} or a data set of that shape")
    net = cnn(shape, data.n_classes, channels=config.channels, kernel_size=config.kernel_size,
              pool=config.pool, hidden=config.hidden,
              activation=resolve_activation(config.activation), noise=config.unit_noise,
              noise_eval=config.noise_eval, dropout=config.dropout,
              quantize_bits=config.quantize_bits,
              activation_name=config.activation if isinstance(config.activation, str) else None)
    return model_network(net, x_sample, data.n_classes)

