"""One training epoch of a group of seeds: the loss, the mini-batches, the optimiser, and the
per-layer gradient statistics IDNNs records.

Everything here is a pure function of its arguments; ``Trainer`` gathers the parts that do not
change during a run (the network, the optimiser, the training rows) so that ``program.py`` binds
them once. The loss sees only the logits of the group, never the architecture.
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..data import Dataset, Split
from .config import RunConfig
from .network import Network


def make_optimiser(config: RunConfig) -> optax.GradientTransformation:
    """The optax optimiser of a configuration: "adam", "sgd" or "momentum" (SGD with momentum
    ``config.momentum``), at ``config.learning_rate``.

    ``config.weight_decay`` adds ``weight_decay * w`` to the gradient before the optimiser,
    which is L2 regularisation (penalty weight_decay/2 * ||w||^2) for SGD.
    """
    learning_rate = config.learning_rate
    base = {
        "adam": lambda: optax.adam(learning_rate),
        "sgd": lambda: optax.sgd(learning_rate),
        "momentum": lambda: optax.sgd(learning_rate, momentum=config.momentum),
    }[config.optimiser]()
    if config.weight_decay:
        return optax.chain(optax.add_decayed_weights(config.weight_decay), base)
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


class TrainingRows(NamedTuple):
    """The training rows and their mini-batches, as device arrays.

    Attributes:
        x: (n_train, d) inputs; y: (n_train,) integer labels.
        index, mask: (n_batches, batch_size) the contiguous batches (see ``Batches``).
    """

    x: jax.Array
    y: jax.Array
    index: jax.Array
    mask: jax.Array


def training_rows(data: Dataset, split: Split, batch_size: int) -> TrainingRows:
    """The training rows of ``split`` in batches of ``batch_size``."""
    train = np.asarray(split.train)
    batches = contiguous_batches(int(train.shape[0]), batch_size)
    # the rows picked on the host: no small program to compile
    return TrainingRows(jnp.asarray(np.asarray(data.x)[train]),
                        jnp.asarray(np.asarray(data.y)[train]),
                        jnp.asarray(batches.index), jnp.asarray(batches.mask))


class Trainer(NamedTuple):
    """What training needs that stays fixed during a run."""

    network: Network
    optimiser: optax.GradientTransformation
    rows: TrainingRows
    shuffle: bool  # reshuffle the training rows every epoch (config.batch_order "shuffle")


def group_loss(flat, xb, yb, mb, keys, group_logits) -> jax.Array:
    """The sum over a group of S seeds of each seed's mean cross-entropy (nats) on its batch.

    Args:
        flat: (S, P) the seeds' flat parameters (the argument differentiated).
        xb: (B, d) inputs shared by the group, or (S, B, d) each seed's own.
        yb: (B,) or (S, B) integer labels; mb: (B,) 1 for real rows, 0 for padding.
        keys: (S,) each seed's key for this batch (dropout, unit noise).
        group_logits: ``Network.group_logits``, giving (S, classes, B) logits.
    """
    lp = jax.nn.log_softmax(group_logits(flat, xb, keys), axis=1)  # (S, C, B)
    onehot = jnp.moveaxis(jax.nn.one_hot(yb, lp.shape[1], dtype=lp.dtype), -1, -2)
    nll = -jnp.sum(lp * onehot, axis=1)  # (S, B)
    return jnp.sum(nll * mb) / jnp.sum(mb)


def train_step(trainer: Trainer, with_stats: bool, keys: jax.Array, carry, batch):
    """One optimiser step of every seed on one batch (the body of the epoch's ``lax.scan``).

    ``carry`` is (flat, opt_state, gradient sum, gradient square sum); ``batch`` is (index into
    the training rows (B,) or (S, B), mask (B,), batch number). The sums grow only when
    ``with_stats``.
    """
    flat, opt_state, g_sum, g_sq = carry
    idx, mb, i = batch
    batch_keys = jax.vmap(jax.random.fold_in, in_axes=(0, None))(keys, i + 1)
    g = jax.grad(group_loss)(flat, trainer.rows.x[idx], trainer.rows.y[idx], mb, batch_keys,
                             trainer.network.group_logits)
    # Per seed: optimiser states (Adam's step count) carry a seed axis.
    updates, opt_state = jax.vmap(trainer.optimiser.update)(g, opt_state, flat)
    flat = optax.apply_updates(flat, updates)
    if with_stats:
        g_sum, g_sq = g_sum + g, g_sq + g**2
    return (flat, opt_state, g_sum, g_sq), None


def train_epoch(trainer: Trainer, flat: jax.Array, opt_state: Any, keys: jax.Array,
                epoch: jax.Array, with_stats: bool):
    """Train S seeds for one epoch, every batch in turn.

    Args:
        trainer: the fixed parts of training.
        flat: (S, P) parameters; opt_state: the optimiser states, seed axis first.
        keys: (S,) each seed's run key; the epoch and batch numbers are folded into it.
        epoch: the epoch's number (int32 scalar).
        with_stats: also return the gradient statistics of the epoch.

    Returns:
        ``(flat, opt_state)``, and with ``with_stats`` also the (S, layers) norm of the mean
        batch gradient and spread of the batch gradients (see ``gradient_statistics``).
    """
    epoch_keys = jax.vmap(jax.random.fold_in, in_axes=(0, None))(keys, epoch)
    index = trainer.rows.index
    if trainer.shuffle:
        n_train = trainer.rows.x.shape[0]
        perms = jax.vmap(partial(_permutation, n=n_train))(epoch_keys)
        index = jnp.transpose(perms[:, index], (1, 0, 2))  # (n_batches, S, batch)
    zeros = jnp.zeros_like(flat)
    n_batches = trainer.rows.index.shape[0]
    step = partial(train_step, trainer, with_stats, epoch_keys)
    (flat, opt_state, g_sum, g_sq), _ = jax.lax.scan(
        step, (flat, opt_state, zeros, zeros), (index, trainer.rows.mask, jnp.arange(n_batches))
    )
    if not with_stats:
        return flat, opt_state
    stats = jax.vmap(partial(gradient_statistics, trainer.network.weights))
    return flat, opt_state, *stats(g_sum / n_batches, g_sq / n_batches)


def _permutation(key: jax.Array, n: int) -> jax.Array:
    return jax.random.permutation(jax.random.fold_in(key, 0), n)


def gradient_statistics(weights, g_mean: jax.Array, g_sq_mean: jax.Array
                        ) -> tuple[jax.Array, jax.Array]:
    """Per weight matrix, as IDNNs records them: the norm of the mean batch gradient, and the
    root of the trace of the covariance of the batch gradients (population variance).

    Args:
        weights: ``Network.weights``, the weight arrays of a flat vector.
        g_mean, g_sq_mean: (P,) the mean over an epoch's batches of the gradient and of its
            square, element-wise (nats per parameter).

    Returns:
        Two (layers,) arrays: ||E[g]|| and sqrt(sum(E[g^2] - E[g]^2)).
    """
    means, squares = weights(g_mean), weights(g_sq_mean)
    norm = jnp.stack([jnp.sqrt(jnp.sum(m**2)) for m in means])
    spread = jnp.stack([jnp.sqrt(jnp.sum(jnp.maximum(q - m**2, 0.0)))
                        for q, m in zip(squares, means, strict=True)])
    return norm, spread
