"""An Equinox module as an infoplane :class:`~infoplane.Model`.

::

    import equinox as eqx
    from infoplane.integrations.equinox import from_equinox

    model = from_equinox(lambda key: MyNet(key), forward)  # forward(module, x, *, key, train)
    ip.train(config, "runs/eqx", model=model)

The module's array leaves (``eqx.is_array``) are the trained parameters; everything else
(activation functions, sizes) is static. Equinox layers act on one example, so ``forward``
usually maps over the batch with ``jax.vmap``. Requires ``equinox`` (in the ``dev`` extra).
"""

from __future__ import annotations

from collections.abc import Callable

import jax

from .._errors import InfoplaneError

try:
    import equinox as eqx
except ImportError:  # pragma: no cover - exercised where equinox is absent
    raise InfoplaneError("infoplane.integrations.equinox needs Equinox; install it with "
                         "`pip install equinox`") from None

from ..training.model import Model


def from_equinox(make: Callable, forward: Callable | None = None, *, name: str = "equinox"
                 ) -> Model:
    """Wrap an Equinox module as a Model.

    Args:
        make: ``make(key) -> eqx.Module``.
        forward: ``forward(module, x, *, key, train) -> (logits, {name: activations})`` on a
            batch x (n, ...); by default ``module(x)``, which must return that pair.
        name: the model's name in the run's config.json.
    """
    _, static = eqx.partition(make(jax.random.key(0)), eqx.is_array)

    def init(key, x):
        return eqx.partition(make(key), eqx.is_array)[0]

    def apply(params, x, *, key=None, train=False):
        module = eqx.combine(params, static)
        return forward(module, x, key=key, train=train) if forward else module(x)

    return Model(init, apply, name)
