"""Seeds spread over devices, in groups of a fixed size that no layout changes.

A chunk function ``fn(state, schedule)`` written for a group of seeds (every leaf of ``state``
has a leading seed axis) becomes one for a device's seeds with ``in_groups``: groups of
``SEED_GROUP`` seeds one after another (``lax.map``). Each device then runs that one program on
its own block of seeds (``blocks``, ``on_devices``), all devices at once through JAX's
asynchronous dispatch; over several processes, each runs its own devices' blocks and the
records meet on the host (``distributed.gather``). The schedule is the same for every seed.

Why so: XLA compiles a batched operation for its shape, and the float32 result of a seed can
depend on how many seeds share the batch (a summation order, a vector lane) and on how the
program was partitioned (the same run split with ``shard_map`` over two devices gave losses and
weight norms a few ulps apart from one device). With every seed in a group of ``SEED_GROUP``
and every device running the same single-device program, a seed's numbers depend only on the
configuration and the seed, whatever the number of seeds, devices or processes
(``seed_layout``). The seeds are padded to whole groups, and the groups to a whole number per
device; the padding seeds are trained and dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import InfoplaneError

# Seeds trained together as one batched group. 5 divides the protocol's 20 and 50 seeds, and
# small groups let few seeds use several devices; on the 12-10-7-5-4-3-2 network, 50 seeds in
# groups of 5 trained as fast as in one group of 25 per device, within the noise of a loaded
# machine (benchmarks/results/seed_layout.md). Changing it changes every seed's float32 numbers.
SEED_GROUP = 5


class SeedLayout(NamedTuple):
    """How the seeds of a run are laid out: ``per_device`` groups of ``group`` seeds on each of
    ``devices``; ``n_run`` seeds in all, the real ones first, then padding."""

    devices: list
    per_device: int
    group: int

    @property
    def n_run(self) -> int:
        return len(self.devices) * self.per_device * self.group

    @property
    def block(self) -> int:
        """The seeds of one device."""
        return self.per_device * self.group

    def local(self) -> list[tuple[int, object]]:
        """(first seed row, device) of this process's devices, in order."""
        me = jax.process_index()
        return [(i * self.block, d) for i, d in enumerate(self.devices)
                if d.process_index == me]


def seed_layout(n_seeds: int, devices: list, group: int = SEED_GROUP) -> SeedLayout:
    """The devices a run of ``n_seeds`` seeds uses and how many groups each runs.

    One process uses at most one device per group (a device without a group of its own would
    train only padding). A run over several processes uses the same number of devices in each
    (the first of each process's own), at least one: each process must hold a group.

    Raises:
        InfoplaneError: a distributed run with fewer groups than processes.
    """
    n_groups = -(-n_seeds // group)
    processes = sorted({d.process_index for d in devices})
    if len(processes) > n_groups:
        raise InfoplaneError(
            f"{n_seeds} seeds train as {n_groups} group(s) of {group}, fewer than the "
            f"{len(processes)} processes of the distributed run, so a process would train "
            f"only padding: run at least {len(processes) * group} seeds, or fewer processes",
            usage=True)
    mine = {p: [d for d in devices if d.process_index == p] for p in processes}
    each = min(min(len(m) for m in mine.values()), -(-n_groups // len(processes)))
    used = [d for p in processes for d in mine[p][:each]]
    return SeedLayout(used, -(-n_groups // len(used)), group)


def seed_keys(first_seed: int, n_run: int) -> jax.Array:
    """Raw keys (n_run, 2) uint32 of seeds first_seed, first_seed + 1, ..."""
    return jax.random.key_data(jax.vmap(jax.random.key)(
        jnp.arange(first_seed, first_seed + n_run)))


def in_groups(fn: Callable, group: int | None = SEED_GROUP) -> Callable:
    """``fn(seeded, *rest)`` over all seeds of one device in groups of ``group`` seeds (None:
    one group); every leaf of ``seeded`` has a leading seed axis, ``rest`` is shared.

    The number of seeds must be a multiple of ``group``. Each seed has its own random stream,
    so the groups change no seed's mathematics; a fixed ``group`` also keeps its float32
    arithmetic (see the module's docstring).
    """
    return partial(_map_groups, fn, group)


def _map_groups(fn: Callable, group: int | None, seeded, *rest):
    n_local = jax.tree.leaves(seeded)[0].shape[0]
    size = n_local if group is None else group
    grouped = jax.tree.map(lambda a: a.reshape(n_local // size, size, *a.shape[1:]), seeded)
    out = jax.lax.map(lambda one: fn(one, *rest), grouped)
    return jax.tree.map(lambda a: a.reshape(n_local, *a.shape[2:]), out)


def blocks(tree, layout: SeedLayout) -> list:
    """Host arrays with a leading axis of all ``layout.n_run`` seeds as one tree per local
    device, each on its device holding that device's block of seeds."""
    return [jax.device_put(jax.tree.map(lambda a, s=first: np.asarray(a)[s:s + layout.block],
                                        tree), device)
            for first, device in layout.local()]


def on_devices(fns: list[Callable], states: list, *shared) -> tuple[list, list]:
    """``fns[i](states[i], *shared)`` on each local device at once (JAX dispatches them
    asynchronously; ``shared`` is copied to each state's device first): the new states and the
    outputs, one per device, still on the devices."""
    outs = []
    for fn, state in zip(fns, states, strict=True):
        device = jax.tree.leaves(state)[0].devices().pop()
        outs.append(fn(state, *jax.device_put(shared, device)))
    return [o[0] for o in outs], [o[1] for o in outs]


def joined(trees: list):
    """The host arrays of per-device trees (``on_devices``' outputs) joined along the seed
    axis, in device order."""
    return jax.tree.map(lambda *a: np.concatenate(a), *jax.device_get(trees))
