"""The data stream and the three learners of the ``online_drift`` study, in a compact optax loop.

Two streams of 2-D inputs and binary labels drift gradually through a half turn (angle
theta from 0 to pi):

* "rule" (concept drift): x ~ N(0, I); the label rule rotates. With u = R(-theta) x,
  y = 1 iff u_1 > 0.5 sin(2 u_2), a wavy boundary through the origin. At theta = pi every
  label is the opposite of the first one's (u = -x).
* "inputs" (covariate drift): the rule is fixed, y = 1 iff |x| > 2 (outside a ring), and the
  inputs move round it: x ~ N(mu, 0.6^2 I), mu = 2 (cos theta, sin theta). The ring passes
  through every centre, so the classes stay about balanced, while the boundary the data see
  turns with them: at theta = 0 it is about x_1 = 2 (class 1 to the right), at a half turn
  about x_1 = -2 (class 1 to the left), where the first stretch's boundary says nothing.

Every seed has its own draws (``numpy.random.default_rng((seed, stream))``) and its own
initial weights. The learners, one pass each over batches of ``batch`` samples as they arrive:
"online" is updated on every batch; "frozen" is the online model at the end of the warm-up
(``warmup`` batches at theta = 0), never updated again; "retrained" is a fresh network trained
from scratch, ``epochs`` epochs over the last ``window`` stretches of samples, every
``retrain_every`` stretches of the drift, and frozen in between.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..estimators.binning import binned_information
from ..records import InformationPlane

STREAMS = ("rule", "inputs")


class Stream(NamedTuple):
    """The stream's length and the learners' schedule, in batches and stretches."""

    warmup: int  # batches at theta = 0 before the drift starts
    stretches: int  # the drift: theta rises from 0 to pi over this many stretches
    stretch: int  # batches per stretch; everything is measured after each stretch
    retrain_every: int  # stretches between retrainings from scratch
    window: int  # stretches of the newest samples a retrained model learns from
    n_eval: int  # fresh samples of the current distribution per measurement


def sample(kind: str, theta: np.ndarray, rng: np.random.Generator) -> tuple:
    """Inputs (n, 2) float32 and labels (n,) int32 drawn at angles ``theta`` (n,)."""
    c, s = np.cos(theta), np.sin(theta)
    if kind == "rule":
        x = rng.normal(size=(theta.size, 2))
        u1, u2 = c * x[:, 0] + s * x[:, 1], -s * x[:, 0] + c * x[:, 1]
        y = u1 > 0.5 * np.sin(2.0 * u2)
    elif kind == "inputs":
        x = 2.0 * np.stack([c, s], axis=1) + 0.6 * rng.normal(size=(theta.size, 2))
        y = np.hypot(x[:, 0], x[:, 1]) > 2.0
    else:
        raise ValueError(f"unknown stream {kind!r}; streams are {STREAMS}")
    return x.astype(np.float32), y.astype(np.int32)


def draw(kind: str, stream: Stream, batch: int, seeds: np.ndarray) -> dict:
    """Every seed's stream: training batches [seed, batch, B, ...] (warm-up first) and the
    evaluation samples [seed, checkpoint, n_eval, ...] at the angle of each checkpoint (0 after
    the warm-up, then after each stretch), with those angles."""
    n_drift = stream.stretches * stream.stretch * batch
    theta_train = np.concatenate([np.zeros(stream.warmup * batch),
                                  np.pi * np.arange(1, n_drift + 1) / n_drift])
    theta_eval = np.pi * np.arange(stream.stretches + 1) / stream.stretches
    xs, ys, xe, ye = [], [], [], []
    for seed in seeds:
        rng = np.random.default_rng((int(seed), STREAMS.index(kind)))
        x, y = sample(kind, theta_train, rng)
        xs.append(x.reshape(-1, batch, 2))
        ys.append(y.reshape(-1, batch))
        ev = [sample(kind, np.full(stream.n_eval, t), rng) for t in theta_eval]
        xe.append(np.stack([e[0] for e in ev]))
        ye.append(np.stack([e[1] for e in ev]))
    return {"x": np.stack(xs), "y": np.stack(ys), "x_eval": np.stack(xe),
            "y_eval": np.stack(ye), "theta": theta_eval}


def init_mlp(key: jax.Array, widths: tuple[int, ...]) -> list:
    """[(W, b)] of an MLP with ``widths`` (input, hidden..., classes): truncated normal
    weights of std 1/sqrt(fan_in) (as IDNNs), zero biases."""
    keys = jax.random.split(key, len(widths) - 1)
    return [(jax.random.truncated_normal(k, -2.0, 2.0, (a, b)) / jnp.sqrt(a), jnp.zeros(b))
            for k, a, b in zip(keys, widths[:-1], widths[1:], strict=True)]


def forward(params: list, x: jax.Array, activation) -> tuple:
    """Logits (n, classes) and the plane's layers: each hidden layer, then the softmax."""
    layers, h = [], x
    for w, b in params[:-1]:
        h = activation(h @ w + b)
        layers.append(h)
    logits = h @ params[-1][0] + params[-1][1]
    return logits, [*layers, jax.nn.softmax(logits)]


class Learner(NamedTuple):
    """The fixed parts of learning: the network's widths, activation and optimiser."""

    widths: tuple[int, ...]
    activation: object
    optimiser: optax.GradientTransformation


def _loss(params, x, y, activation):
    logits = forward(params, x, activation)[0]
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def updates(learner: Learner, params, opt_state, xb, yb):
    """One pass over batches xb [n, B, d], yb [n, B]: one optimiser step per batch."""
    def step(carry, batch):
        p, s = carry
        g = jax.grad(_loss)(p, *batch, learner.activation)
        u, s = learner.optimiser.update(g, s, p)
        return (optax.apply_updates(p, u), s), None
    return jax.lax.scan(step, (params, opt_state), (xb, yb))[0]


def from_scratch(learner: Learner, key, xb, yb, epochs: int):
    """A fresh network trained ``epochs`` epochs over the batches xb [n, B, d], reshuffled
    (whole samples) every epoch."""
    k_init, k_perm = jax.random.split(key)
    params = init_mlp(k_init, learner.widths)
    state = (params, learner.optimiser.init(params))
    x, y = xb.reshape(-1, xb.shape[-1]), yb.reshape(-1)

    def epoch(carry, k):
        perm = jax.random.permutation(k, x.shape[0])
        return updates(learner, *carry, x[perm].reshape(xb.shape), y[perm].reshape(yb.shape)), None
    return jax.lax.scan(epoch, state, jax.random.split(k_perm, epochs))[0][0]


def evaluate(learner: Learner, bins, params, x, y) -> dict:
    """Accuracy on (x, y), and the binned I(X;T), I(T;Y) (bits) of every layer on them."""
    logits, layers = forward(params, x, learner.activation)
    pairs = [binned_information(h, y, bins, 2) for h in layers]
    return {"acc": jnp.mean(jnp.argmax(logits, axis=1) == y),
            "I_XT": jnp.stack([p[0] for p in pairs]), "I_TY": jnp.stack([p[1] for p in pairs])}


def compile_learner(learner: Learner, bins, epochs: int) -> dict:
    """The learner's functions, vmapped over seeds and compiled."""
    return {"init": jax.jit(jax.vmap(lambda k: init_mlp(k, learner.widths))),
            "opt_init": jax.jit(jax.vmap(learner.optimiser.init)),
            "updates": jax.jit(jax.vmap(partial(updates, learner))),
            "scratch": jax.jit(jax.vmap(partial(from_scratch, learner, epochs=epochs))),
            "evaluate": jax.jit(jax.vmap(partial(evaluate, learner, bins)))}


@dataclass(frozen=True, eq=False)
class StreamRun:
    """One stream through the three learners.

    Attributes:
        acc: [model, seed, checkpoint] accuracy on the current data (``MODELS`` order).
        plane: the online model's plane over the checkpoints (its epochs are the checkpoint
            numbers; bits; H(X) = log2 of the evaluation points, H(Y) the mean over
            checkpoints of the labels' entropy).
        theta: [checkpoint] the rotation of each checkpoint (radians).
        samples: [checkpoint] the samples seen by then.
    """

    acc: np.ndarray
    plane: InformationPlane
    theta: np.ndarray
    samples: np.ndarray

    def arrays(self) -> dict[str, np.ndarray]:
        """The members of ``stream.npz``."""
        return {"acc": self.acc, "theta": self.theta, "samples": self.samples,
                "n_eval": np.int64(round(2 ** (self.plane.H_X or 0.0))),
                "I_XT": self.plane.I_XT, "I_TY": self.plane.I_TY,
                "H_Y": np.float64(self.plane.H_Y)}

    @classmethod
    def from_arrays(cls, a: Mapping[str, np.ndarray]) -> StreamRun:
        """The run of ``stream.npz``'s members."""
        plane = InformationPlane(a["I_XT"], a["I_TY"], np.arange(a["I_XT"].shape[1]),
                                 H_X=math.log2(int(a["n_eval"])), H_Y=float(a["H_Y"]),
                                 method="binning")
        return cls(np.asarray(a["acc"]), plane, np.asarray(a["theta"]),
                   np.asarray(a["samples"]))
