"""The model interface: any network written as two pure JAX functions.

    init(key, x) -> params
    apply(params, x, *, key=None, train=False) -> (logits, {layer_name: activations})

``x`` is a batch (n, ...) of inputs; ``logits`` are (n, classes); each activation array is
(n, ...) and is flattened per example for estimation, so a convolutional feature map is one
layer of channels x positions units. ``key`` (a JAX PRNG key, or None) drives dropout and noise
when ``train`` is True, and noise kept at evaluation time when the model says so; ``apply``
must not depend on any other randomness. The layers are recorded in the dict's order.

A Flax NNX module, an Equinox module or a hand-written function become a ``Model`` with a few
lines (see docs/guide/your-network.md); ``ip.train(config, out, model=model)`` trains it
many seeds at once, vmapped over seeds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from .._errors import InfoplaneError


class Model(NamedTuple):
    """A network as a pair of pure functions (see the module docstring).

    Attributes:
        init: ``init(key, x) -> params``, a pytree of arrays.
        apply: ``apply(params, x, *, key=None, train=False) -> (logits, {name: activations})``.
        name: a short name for configs and figures.
    """

    init: Callable[..., Any]
    apply: Callable[..., tuple[jax.Array, dict[str, jax.Array]]]
    name: str = "model"


def check_model(model, x, n_classes: int) -> tuple[list[str], list[int]]:
    """Trace ``model`` on inputs ``x`` (n, ...) without running it, and check what it returns.

    Returns:
        The layer names and each layer's number of units (features per example).

    Raises:
        InfoplaneError: ``model`` is not a Model, ``init`` fails, or ``apply`` does not return
            ``(logits (n, n_classes), {name: (n, ...) arrays})``.
    """
    if not isinstance(model, Model):
        raise InfoplaneError(f"model must be an infoplane Model(init, apply), got "
                             f"{type(model).__name__}")
    x = jnp.asarray(x)
    try:
        params = jax.eval_shape(model.init, jax.random.key(0), x)
        out = jax.eval_shape(lambda p, xb: model.apply(p, xb, key=jax.random.key(0),
                                                       train=False), params, x)
    except InfoplaneError:
        raise
    except Exception as err:  # the user's code: say where it failed, in one line
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InfoplaneError(f"model {model.name!r} failed on inputs of shape {x.shape}: "
                             f"{type(err).__name__}: {first}") from None
    n = x.shape[0]
    if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict)):
        raise InfoplaneError(f"model {model.name!r}: apply must return (logits, "
                             f"{{layer_name: activations}}), got {type(out).__name__}")
    logits, layers = out
    if getattr(logits, "shape", None) != (n, n_classes):
        raise InfoplaneError(f"model {model.name!r}: logits must have shape ({n}, {n_classes}) "
                             f"for {n} inputs and {n_classes} classes, got "
                             f"{getattr(logits, 'shape', type(logits).__name__)}")
    if not layers:
        raise InfoplaneError(f"model {model.name!r}: apply returned no layers to record")
    widths = []
    for name, a in layers.items():
        shape = getattr(a, "shape", None)
        if shape is None or len(shape) < 1 or shape[0] != n:
            raise InfoplaneError(f"model {model.name!r}: layer {name!r} must be (n, ...) with "
                                 f"n = {n} inputs first, got {shape}")
        widths.append(math.prod(shape[1:]))
    return [str(k) for k in layers], widths
