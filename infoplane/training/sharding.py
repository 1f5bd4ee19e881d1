"""Seeds spread over devices, and over groups within a device.

A chunk function ``fn(state, schedule)`` written for a group of seeds (every leaf of ``state``
has a leading seed axis) becomes one for all seeds: ``in_groups`` runs a device's seeds as
groups one after another (``lax.map``), ``over_devices`` splits the seed axis across devices
with ``shard_map`` (several CPU devices or a GPU). The schedule is the same for every seed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import numpy as np
from jax.sharding import Mesh, PartitionSpec


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
    mesh = Mesh(np.array(devices), ("seeds",))
    seeds = PartitionSpec("seeds")
    return jax.shard_map(fn, mesh=mesh, in_specs=(seeds, PartitionSpec()), out_specs=seeds,
                         check_vma=False)
