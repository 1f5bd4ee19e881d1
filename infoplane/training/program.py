"""Training many seeds at once while recording the information plane, compiled end to end.

One compiled program runs a *chunk* of logged epochs for all seeds: for each logged epoch it
measures (before that epoch's updates, as IDNNs does) the binned I(X;T) and I(T;Y) of every
layer on all inputs, the losses and accuracies and the weight norms; then it trains that epoch
while collecting per-layer gradient statistics over its batches, and trains on, without
measuring, up to the next logged epoch (a ``lax.while_loop``). Seeds are a ``vmap`` axis, split
across all devices with ``shard_map`` (several CPU devices or a GPU). Memory does not grow with
samples x epochs: each chunk returns only a few numbers per seed and logged epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.flatten_util import ravel_pytree
from jax.sharding import Mesh, PartitionSpec

from ..data.datasets import Dataset, Split
from ..estimators.binning import Bins, binned_information
from ._grouped import group_logits
from .models import forward, init_mlp, logits, resolve_activation

OPTIMISERS = ("adam", "sgd", "momentum")
LN2 = math.log(2.0)


class RunState(NamedTuple):
    """What a run carries from one chunk to the next, with a leading seed axis on every leaf.

    The parameters are one flat float32 vector per seed (``jax.flatten_util.ravel_pytree`` of
    the ``Dense`` layers): the optimiser then updates one array, not twelve, which is measurably
    faster for networks this small, and the state is trivial to save.
    """

    params: jax.Array
    opt_state: Any
    key: jax.Array  # (seeds, 2) uint32 raw keys, one stream per seed


class Schedule(NamedTuple):
    """A chunk of logged epochs, padded to a fixed length so that one program serves all chunks.

    Attributes:
        epochs: (K,) int32 logged epochs.
        lengths: (K,) int32 epochs to train after each logged epoch, up to the next one.
        valid: (K,) bool, False for padding entries (nothing is measured or trained).
    """

    epochs: jax.Array
    lengths: jax.Array
    valid: jax.Array


def make_optimiser(name: str, learning_rate: float, momentum: float = 0.9,
                   weight_decay: float = 0.0) -> optax.GradientTransformation:
    """An optax optimiser: "adam", "sgd" or "momentum" (SGD with momentum).

    ``weight_decay`` adds ``weight_decay * w`` to the gradient before the optimiser, which is
    L2 regularisation (penalty weight_decay/2 * ||w||^2) for SGD.
    """
    base = {
        "adam": lambda: optax.adam(learning_rate),
        "sgd": lambda: optax.sgd(learning_rate),
        "momentum": lambda: optax.sgd(learning_rate, momentum=momentum),
    }[name]()
    if weight_decay:
        return optax.chain(optax.add_decayed_weights(weight_decay), base)
    return base


class Batches(NamedTuple):
    """Mini-batches as padded index arrays into the training rows."""

    index: np.ndarray  # (n_batches, batch_size) int32 positions in the training set
    mask: np.ndarray  # (n_batches, batch_size) float32, 0 for padding


def contiguous_batches(n_train: int, batch_size: int) -> Batches:
    """Contiguous fixed batches over the training rows; the last one may be short (masked)."""
    n_batches = -(-n_train // batch_size)
    pos = np.arange(n_batches * batch_size)
    return Batches(
        np.minimum(pos, n_train - 1).reshape(n_batches, batch_size).astype(np.int32),
        (pos < n_train).astype(np.float32).reshape(n_batches, batch_size),
    )


def make_chunk_program(
    *,
    data: Dataset,
    split: Split,
    widths: tuple[int, ...],
    activation: str | Callable,
    optimiser: optax.GradientTransformation,
    batch_size: int,
    shuffle: bool,
    bins: Bins,
    dropout: float = 0.0,
    unit_noise: float = 0.0,
    record_layers: tuple[int, ...] = (),
    record_dtype: str = "float16",
    init: str = "idnns",
    init_std: float = 0.01,
    devices: list | None = None,
    group: int | None = None,
) -> tuple[Callable, Callable, Callable]:
    """Build the compiled programs of a run.

    Seeds are spread over ``devices`` (default: all) with ``shard_map``. On each device they are
    trained in groups of ``group`` seeds, one group after another (``lax.map``); a group is one
    batched, feature-major forward and backward pass (``_grouped.py``). ``group=None`` means
    all local seeds.

    Returns:
        ``init(keys) -> RunState`` for keys (seeds, 2), and
        ``chunk(state, schedule) -> (state, records)`` where records is a dict of arrays with
        leading axes (seeds, K), and ``unravel(flat) -> Params`` for one seed's vector.
        The seed axis must be a multiple of the number of devices.
    """
    template = init_mlp(jax.random.key(0), widths, "zeros")
    _, unravel = ravel_pytree(template)
    act = resolve_activation(activation)
    n_layers = len(widths) - 1
    x_all = jnp.asarray(data.x)
    y_all = jnp.asarray(data.y)
    n_classes = int(data.n_classes)
    train_idx = jnp.asarray(split.train)
    train_mask = jnp.zeros(x_all.shape[0]).at[train_idx].set(1.0)
    test_mask = jnp.zeros(x_all.shape[0]).at[jnp.asarray(split.test, dtype=jnp.int32)].set(1.0)
    x_train, y_train = x_all[train_idx], y_all[train_idx]
    batches = contiguous_batches(int(train_idx.shape[0]), batch_size)
    b_index, b_mask = jnp.asarray(batches.index), jnp.asarray(batches.mask)
    n_train = int(train_idx.shape[0])
    store = jnp.dtype(record_dtype)

    def perturb(li, h, keys):
        """Dropout and Gaussian unit noise on hidden layer li, h (S, width, B), per-seed keys."""
        def one(h1, key):
            k_drop, k_noise = jax.random.split(jax.random.fold_in(key, li))
            if unit_noise:
                h1 = h1 + unit_noise * jax.random.normal(k_noise, h1.shape)
            if dropout:
                keep = jax.random.bernoulli(k_drop, 1.0 - dropout, h1.shape)
                h1 = jnp.where(keep, h1 / (1.0 - dropout), 0.0)
            return h1

        return jax.vmap(one)(h, keys)

    def group_loss(flat, xb, yb, mb, keys):
        """Sum over the group of each seed's mean cross-entropy (nats) on its batch.

        flat (S, P); xb (B, d) shared or (S, B, d); yb and mb (B,) shared or (S, B).
        """
        params = jax.vmap(unravel)(flat)
        hook = (lambda li, h: perturb(li, h, keys)) if dropout or unit_noise else None
        lp = jax.nn.log_softmax(group_logits(params, xb, act, hook), axis=1)  # (S, C, B)
        onehot = jnp.moveaxis(jax.nn.one_hot(yb, n_classes, dtype=lp.dtype), -1, -2)
        nll = -jnp.sum(lp * onehot, axis=1)  # (S, B)
        return jnp.sum(nll * mb) / jnp.sum(mb)

    grad_fn = jax.grad(group_loss)

    def train_epoch(flat, opt_state, keys, epoch, with_stats: bool):
        ekeys = jax.vmap(lambda k: jax.random.fold_in(k, epoch))(keys)
        if shuffle:
            perms = jax.vmap(lambda k: jax.random.permutation(jax.random.fold_in(k, 0),
                                                              n_train))(ekeys)
            index = jnp.transpose(perms[:, b_index], (1, 0, 2))  # (n_batches, S, batch)
        else:
            index = b_index
        zeros = jnp.zeros_like(flat)

        def step(carry, batch):
            flat, opt_state, g_sum, g_sq = carry
            idx, mb, i = batch
            bkeys = jax.vmap(lambda k: jax.random.fold_in(k, i + 1))(ekeys)
            g = grad_fn(flat, x_train[idx], y_train[idx], mb, bkeys)
            # Per seed: optimiser states (Adam's step count) carry a seed axis.
            updates, opt_state = jax.vmap(optimiser.update)(g, opt_state, flat)
            flat = optax.apply_updates(flat, updates)
            if with_stats:
                g_sum, g_sq = g_sum + g, g_sq + g**2
            return (flat, opt_state, g_sum, g_sq), None

        n_batches = b_index.shape[0]
        carry = (flat, opt_state, zeros, zeros)
        (flat, opt_state, g_sum, g_sq), _ = jax.lax.scan(
            step, carry, (index, b_mask, jnp.arange(n_batches))
        )
        if not with_stats:
            return flat, opt_state
        return flat, opt_state, *jax.vmap(gradient_statistics)(g_sum / n_batches,
                                                               g_sq / n_batches)

    def gradient_statistics(g_mean, g_sq_mean):
        """Per weight matrix (as IDNNs): the norm of the mean batch gradient, and the root of
        the trace of the covariance of the batch gradients (population variance)."""
        means = [layer.w for layer in unravel(g_mean)]
        squares = [layer.w for layer in unravel(g_sq_mean)]
        norm = jnp.stack([jnp.sqrt(jnp.sum(m**2)) for m in means])
        spread = jnp.stack([jnp.sqrt(jnp.sum(jnp.maximum(q - m**2, 0.0)))
                            for q, m in zip(squares, means, strict=True)])
        return norm, spread

    def measure(flat):
        params = unravel(flat)
        layers = forward(params, x_all, act)
        pairs = [binned_information(h, y_all, bins, n_classes) for h in layers]
        i_xt = jnp.stack([p[0] for p in pairs])
        i_ty = jnp.stack([p[1] for p in pairs])
        lp = jax.nn.log_softmax(logits(params, x_all, act))
        nll = -jnp.take_along_axis(lp, y_all[:, None], axis=1)[:, 0] / LN2
        correct = (jnp.argmax(lp, axis=1) == y_all).astype(jnp.float32)

        def masked_mean(v, m):
            return jnp.sum(v * m) / jnp.maximum(jnp.sum(m), 1.0)

        rec = {
            "I_XT": i_xt,
            "I_TY": i_ty,
            "train_loss": masked_mean(nll, train_mask),
            "test_loss": masked_mean(nll, test_mask),
            "train_acc": masked_mean(correct, train_mask),
            "test_acc": masked_mean(correct, test_mask),
            "weight_norm": jnp.stack([jnp.sqrt(jnp.sum(layer.w**2)) for layer in params]),
        }
        for li in record_layers:
            rec[f"act_{li}"] = layers[li].astype(store)
        return rec

    def empty_record(params):
        return jax.tree.map(jnp.zeros_like, jax.eval_shape(measure, params))

    def group_chunk(state: RunState, schedule: Schedule):
        """One chunk for a group of S seeds (every leaf of ``state`` has a leading S axis)."""
        keys = jax.vmap(lambda k: jax.random.fold_in(jax.random.wrap_key_data(k), 1))(state.key)
        empty = jax.tree.map(jnp.zeros_like, jax.eval_shape(jax.vmap(measure), state.params))

        def body(carry, entry):
            flat, opt_state = carry
            epoch, length, valid = entry
            rec = jax.lax.cond(valid, jax.vmap(measure), lambda _: empty, flat)

            def trained(args):
                flat, opt_state = args
                flat, opt_state, g_mean, g_std = train_epoch(flat, opt_state, keys, epoch, True)

                def more(c):
                    e, f, o = c
                    f, o = train_epoch(f, o, keys, e, False)
                    return e + 1, f, o

                _, flat, opt_state = jax.lax.while_loop(
                    lambda c: c[0] < epoch + length, more, (epoch + 1, flat, opt_state)
                )
                return flat, opt_state, g_mean, g_std

            def skipped(args):
                z = jnp.zeros((flat.shape[0], n_layers))
                return *args, z, z

            flat, opt_state, g_mean, g_std = jax.lax.cond(
                valid & (length > 0), trained, skipped, (flat, opt_state)
            )
            rec = dict(rec, grad_mean=g_mean, grad_std=g_std)
            return (flat, opt_state), rec

        (flat, opt_state), records = jax.lax.scan(
            body, (state.params, state.opt_state), schedule
        )
        # scan stacks along the logged axis first: put the seeds first, (S, K, ...).
        records = jax.tree.map(lambda a: jnp.swapaxes(a, 0, 1), records)
        return RunState(flat, opt_state, state.key), records

    devices = devices or jax.devices()

    def local(state, schedule):
        """All seeds of one device: groups of ``group`` seeds, one group after another."""
        n_local = state.key.shape[0]
        size = n_local if group is None else group
        grouped = jax.tree.map(lambda a: a.reshape(n_local // size, size, *a.shape[1:]), state)
        out_state, records = jax.lax.map(lambda st: group_chunk(st, schedule), grouped)
        return jax.tree.map(lambda a: a.reshape(n_local, *a.shape[2:]), (out_state, records))

    def init_group(raw_keys):
        flat = jax.vmap(lambda k: ravel_pytree(init_mlp(
            jax.random.fold_in(jax.random.wrap_key_data(k), 0), widths, init, init_std))[0]
        )(raw_keys)
        return RunState(flat, jax.vmap(optimiser.init)(flat), raw_keys)

    batched = local
    if len(devices) > 1:
        mesh = Mesh(np.array(devices), ("seeds",))
        seeds_spec = PartitionSpec("seeds")
        batched = jax.shard_map(
            local, mesh=mesh, in_specs=(seeds_spec, PartitionSpec()), out_specs=seeds_spec,
            check_vma=False,
        )
    chunk = jax.jit(batched, donate_argnums=0)
    return jax.jit(init_group), chunk, unravel

