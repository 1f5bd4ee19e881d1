"""A Flax NNX module as an infoplane :class:`~infoplane.Model`.

::

    from flax import nnx
    from infoplane.integrations.flax import from_nnx

    model = from_nnx(lambda rngs: MyNet(rngs=rngs))   # MyNet(x) -> (logits, {name: layer})
    ip.train(config, "runs/flax", model=model)

The module's ``nnx.Param`` variables are the trained parameters (one pytree per seed, vmapped);
any other state (batch statistics, stored RNG streams) stays as the module was built. Requires
``flax`` (in the ``dev`` extra).
"""

from __future__ import annotations

from collections.abc import Callable

from .._errors import InfoplaneError

try:
    from flax import nnx
except ImportError:  # pragma: no cover - exercised where flax is absent
    raise InfoplaneError("infoplane.integrations.flax needs Flax; install it with "
                         "`pip install flax`") from None

from ..training.model import Model


def from_nnx(make: Callable, forward: Callable | None = None, *, name: str = "flax_nnx"
             ) -> Model:
    """Wrap a Flax NNX module as a Model.

    Args:
        make: ``make(rngs) -> nnx.Module``, building the module from an ``nnx.Rngs``.
        forward: ``forward(module, x, *, key, train) -> (logits, {name: activations})``; by
            default the module is called, ``module(x)``, and must return that pair.
        name: the model's name in the run's config.json.
    """
    graphdef, _, rest = nnx.split(make(nnx.Rngs(0)), nnx.Param, ...)

    def init(key, x):
        return nnx.split(make(nnx.Rngs(key)), nnx.Param, ...)[1]

    def apply(params, x, *, key=None, train=False):
        module = nnx.merge(graphdef, params, rest)
        return forward(module, x, key=key, train=train) if forward else module(x)

    return Model(init, apply, name)
