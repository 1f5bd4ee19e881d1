"""Seeds spread over devices, and over groups within a device.

A chunk function ``fn(state, schedule)`` written for a group of seeds (every leaf of ``state``
has a leading seed axis) becomes one for all seeds: ``in_groups`` runs a device's seeds as
groups one after another (``lax.map``), ``over_devices`` splits the seed axis across devices
with ``shard_map`` (several CPU devices or a GPU, in one process or over many: see
``distributed.py``). The schedule is the same for every seed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .config import RunConfig


def seed_keys(config: RunConfig, n_devices: int) -> jax.Array:
    """Raw keys (n, 2) uint32 of seeds config.seed, config.seed + 1, ...

    Each device trains all of its seeds as one batched group (on a 2-core CPU, groups of 5 and
    of 25 seeds ran within 10% of each other). The seeds are padded to a multiple of
    ``n_devices``; the extra seeds are dropped from the records.
    """
    n_run = -(-config.seeds // n_devices) * n_devices
    return jax.random.key_data(jax.vmap(jax.random.key)(
        jnp.arange(config.seed, config.seed + n_run)))


def in_groups(fn: Callable, group: int | None = None) -> Callable:
    """``fn`` over all seeds of one device in groups of ``group`` seeds (None: one group).

    The number of seeds must be a multiple of ``group``. Grouping is only a layout: each seed
    has its own random stream, so the result does not depend on it (up to float summation
    order).
    """
    return partial(_map_groups, fn, group)


def _map_groups(fn: Callable, group: int | None, state, schedule):
    n_local = state.key.shape[0]
    size = n_local if group is None else group
    grouped = jax.tree.map(lambda a: a.reshape(n_local // size, size, *a.shape[1:]), state)
    out_state, records = jax.lax.map(lambda st: fn(st, schedule), grouped)
    return jax.tree.map(lambda a: a.reshape(n_local, *a.shape[2:]), (out_state, records))


def over_devices(fn: Callable, devices: list) -> Callable:
    """``fn(state, schedule)`` with the seed axis of ``state`` and of its outputs split evenly
    across ``devices`` (the number of seeds must be a multiple of their number); ``fn`` itself
    on a single device."""
    if len(devices) == 1:
        return fn
    seeds = PartitionSpec("seeds")
    return jax.shard_map(fn, mesh=seed_mesh(devices), in_specs=(seeds, PartitionSpec()),
                         out_specs=seeds, check_vma=False)


def seed_mesh(devices: list) -> Mesh:
    """The one-axis mesh ("seeds") of ``devices``: with several processes, all processes'
    devices in ``jax.devices()`` order (process by process), so that each process holds one
    contiguous block of seeds."""
    return Mesh(np.array(devices), ("seeds",))


def on_mesh(tree, devices: list):
    """Host arrays (the same on every process) as global arrays split over ``devices`` along
    their leading seed axis; each process places only the rows its own devices hold."""
    sharding = NamedSharding(seed_mesh(devices), PartitionSpec("seeds"))
    return jax.tree.map(partial(_place, sharding), tree)


def _place(sharding: NamedSharding, a) -> jax.Array:
    a = np.asarray(a)
    return jax.make_array_from_callback(a.shape, sharding, a.__getitem__)


def packable(a, first) -> bool:
    """Whether ``a`` can travel in ``packed_whole`` beside ``first``: a global array of a 4-byte
    type with a leading seed axis, split over the devices as ``first`` is."""
    return (isinstance(a, jax.Array) and a.ndim >= 1 and np.dtype(a.dtype).itemsize == 4
            and isinstance(a.sharding, NamedSharding) and a.sharding == first.sharding)


def packed_whole(leaves: list[jax.Array]) -> np.ndarray:
    """``leaves`` (``packable``) as one host array (seeds, columns) of uint32, every seed of every
    process: a single all-gather, however many leaves (each one costs a round trip through
    gloo). ``unpack`` splits it again."""
    mesh = leaves[0].sharding.mesh
    out = _pack_jit(NamedSharding(mesh, PartitionSpec()))(leaves)
    return np.asarray(out.addressable_data(0))


@cache
def _pack_jit(replicated: NamedSharding):
    def pack(leaves):
        cols = [a.reshape(a.shape[0], -1) for a in leaves]
        cols = [c if c.dtype == jnp.uint32 else jax.lax.bitcast_convert_type(c, jnp.uint32)
                for c in cols]
        # Joined while still split, then replicated: one all-gather of the joined array.
        return jax.lax.with_sharding_constraint(
            jnp.concatenate(cols, axis=1), NamedSharding(replicated.mesh, PartitionSpec("seeds")))

    return jax.jit(pack, out_shardings=replicated)


def unpack(whole: np.ndarray, like: list) -> list[np.ndarray]:
    """The arrays ``packed_whole`` joined, with the shapes and dtypes of ``like``."""
    blocks, start = [], 0
    for a in like:
        width = int(np.prod(a.shape[1:], dtype=np.int64))
        block = np.ascontiguousarray(whole[:, start:start + width]).view(np.dtype(a.dtype))
        blocks.append(block.reshape(a.shape))
        start += width
    return blocks
