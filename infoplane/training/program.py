"""Training many seeds at once while recording the information plane, compiled end to end.

One compiled program runs a *chunk* of logged epochs for all seeds: for each logged epoch it
measures (before that epoch's updates, as IDNNs does) every layer's binned I(X;T) and I(T;Y) on
all inputs, the losses and accuracies and the weight norms (``measure.py``); then it trains that
epoch while collecting per-layer gradient statistics over its batches, and trains on, without
measuring, up to the next logged epoch (``epoch.py``, a ``lax.while_loop``). Seeds are a vmapped
axis, in groups of a fixed size; each device runs the program on its own block of groups
(``sharding.py``). Memory does not grow with samples x epochs: each
chunk returns only a few numbers per seed and logged epoch.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from ..data import Dataset, Split
from .config import RunConfig
from .epoch import Trainer, make_optimiser, train_epoch, training_rows
from .measure import measure, probe_rows
from .model import Model
from .network import Network, make_network
from .schedules import Schedule
from .sharding import SEED_GROUP, in_groups


class RunState(NamedTuple):
    """What a run carries from one chunk to the next, with a leading seed axis on every leaf.

    The parameters are one flat float32 vector per seed (see ``network.Network``).
    """

    params: jax.Array
    opt_state: Any
    key: jax.Array  # (seeds, 2) uint32 raw keys, one stream per seed


class Program(NamedTuple):
    """The compiled functions of a run.

    Attributes:
        init: ``init(keys) -> RunState`` for raw keys (seeds, 2) uint32, a whole number of
            groups.
        chunk: ``chunk(state, schedule) -> (state, records)`` for one device's seeds, a whole
            number of groups; records is a dict of arrays with leading axes (seeds, K). The
            state is donated.
        unravel: ``unravel(flat) -> params``, one seed's parameter pytree.
        network: the network trained (its layer and weight names among others).
    """

    init: Callable
    chunk: Callable
    unravel: Callable
    network: Network


def build_program(config: RunConfig, data: Dataset, split: Split,
                  group: int | None = SEED_GROUP, model: Model | None = None) -> Program:
    """Build the compiled programs of a run of ``config`` on ``data``, training on ``split``.

    Seeds are trained in groups of ``group`` seeds, one group after another; a group is one
    batched, feature-major forward and backward pass (``models.group_logits``; a ``model`` of
    one's own, or a built-in convolutional network, is vmapped over the group's seeds
    instead). ``group=None`` makes all seeds given one group; keep the default for results that
    no layout changes (``sharding.py``).
    """
    network = make_network(config, data, model)
    trainer = Trainer(network, make_optimiser(config),
                      training_rows(data, split, config.batch_size),
                      config.batch_order == "shuffle")
    measure_seed = partial(measure, network, probe_rows(data, split, config.bracket),
                           config)
    return Program(
        init=jax.jit(in_groups(partial(init_group, network, trainer.optimiser), group)),
        chunk=jax.jit(in_groups(partial(group_chunk, trainer, measure_seed), group),
                      donate_argnums=0),
        unravel=network.unravel,
        network=network,
    )


def init_group(network: Network, optimiser, raw_keys: jax.Array) -> RunState:
    """Fresh parameters and optimiser states for seeds with raw keys (S, 2) uint32."""
    flat = jax.vmap(lambda k: network.init(jax.random.fold_in(jax.random.wrap_key_data(k), 0))
                    )(raw_keys)
    return RunState(flat, jax.vmap(optimiser.init)(flat), raw_keys)


def group_chunk(trainer: Trainer, measure_seed: Callable, state: RunState, schedule: Schedule
                ) -> tuple[RunState, dict[str, jax.Array]]:
    """One chunk for a group of S seeds (every leaf of ``state`` has a leading S axis).

    Returns:
        The state after the chunk, and the records: ``measure_seed``'s and the gradient
        statistics ``grad_mean``, ``grad_std`` (S, K, layers), all with leading axes (S, K).
    """
    keys = jax.vmap(lambda k: jax.random.fold_in(jax.random.wrap_key_data(k), 1))(state.key)
    measure_all = trainer.network.over_seeds(measure_seed)
    empty = jax.tree.map(jnp.zeros_like, jax.eval_shape(measure_all, state.params))
    one_seed = jax.ShapeDtypeStruct(state.params.shape[1:], state.params.dtype)
    n_layers = len(jax.eval_shape(trainer.network.weights, one_seed))
    body = partial(logged_epoch, trainer, measure_all, keys, empty, n_layers)
    (flat, opt_state), records = jax.lax.scan(body, (state.params, state.opt_state), schedule)
    # scan stacks along the logged axis first: put the seeds first, (S, K, ...).
    records = jax.tree.map(lambda a: jnp.swapaxes(a, 0, 1), records)
    return RunState(flat, opt_state, state.key), records


def logged_epoch(trainer: Trainer, measure_all: Callable, keys: jax.Array, empty: dict,
                 n_layers: int, carry, entry):
    """One logged epoch (the body of the chunk's ``lax.scan``): measure every seed, then train
    up to the next logged epoch. A padding entry (``valid`` False) records ``empty``."""
    flat, opt_state = carry
    epoch, length, valid = entry
    rec = jax.lax.cond(valid, measure_all, lambda _: empty, flat)
    flat, opt_state, g_mean, g_std = jax.lax.cond(
        valid & (length > 0),
        partial(train_until_next_log, trainer, keys, epoch, length),
        partial(_untrained, n_layers),
        (flat, opt_state),
    )
    return (flat, opt_state), dict(rec, grad_mean=g_mean, grad_std=g_std)


def train_until_next_log(trainer: Trainer, keys: jax.Array, epoch: jax.Array,
                         length: jax.Array, carry):
    """Train the logged ``epoch`` with gradient statistics, then the ``length - 1`` epochs
    after it without; return (flat, opt_state, grad_mean, grad_std)."""
    flat, opt_state = carry
    flat, opt_state, g_mean, g_std = train_epoch(trainer, flat, opt_state, keys, epoch, True)
    _, flat, opt_state = jax.lax.while_loop(
        partial(_before_next_log, epoch, length), partial(_next_epoch, trainer, keys),
        (epoch + 1, flat, opt_state),
    )
    return flat, opt_state, g_mean, g_std


def _before_next_log(epoch, length, carry) -> jax.Array:
    return carry[0] < epoch + length


def _next_epoch(trainer: Trainer, keys: jax.Array, carry):
    e, flat, opt_state = carry
    flat, opt_state = train_epoch(trainer, flat, opt_state, keys, e, False)
    return e + 1, flat, opt_state


def _untrained(n_layers: int, carry):
    flat, opt_state = carry
    z = jnp.zeros((flat.shape[0], n_layers))
    return flat, opt_state, z, z
