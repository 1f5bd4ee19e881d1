"""Variational lower bounds on mutual information with a trained critic, in JAX and optax.

A critic f(x, y) scores pairs. On a minibatch of B joint samples (x_i, y_i) it is evaluated on
all B x B pairs: the diagonal stands for the joint distribution p(x, y) and the B(B-1)
off-diagonal pairs for the product of marginals p(x)p(y). In nats:

- "infonce" (van den Oord et al. 2018):
      I >= 1/B sum_i [f_ii - log 1/B sum_j f_ij]   (logsumexp), which cannot exceed log B.
- "nwj" (Nguyen, Wainwright & Jordan 2010; "MINE-f" in Belghazi et al. 2018):
      I >= E_p[f] - E_q[exp(f - 1)].
- "mine" (Donsker-Varadhan, Belghazi et al. 2018): I >= E_p[f] - log E_q[exp f]. Trained with
  the paper's bias correction: the gradient of log E_q[e^f] is taken as grad E_q[e^f] / m, with m
  an exponential moving average (rate ``ema_rate``) of the minibatch values of E_q[e^f].

Critics (``critic``): "separable" f(x, y) = g(x) . h(y) / sqrt(E), two MLPs with E =
``embedding_dim`` outputs, O(B) network evaluations per batch; "concat" f(x, y) = MLP([x, y]),
more flexible but B^2 evaluations per batch. MLPs: ReLU hidden layers, LeCun-normal weights,
zero biases.

Protocol: the samples are shuffled with the seed and split into a training part and a held-out
part (``eval_fraction``). Each column is standardised with the training mean and std (MI is
invariant to this). The critic is trained by Adam for ``steps`` minibatches of ``batch_size``,
consecutive slices of successive random permutations of the training part (epochs; a batch that
straddles two epochs may repeat a sample), the whole loop compiled as one ``jax.lax.scan``.
The reported value is the bound averaged over the disjoint held-out batches of ``batch_size``
(a remainder smaller than one batch is dropped); the stderr is their standard deviation over
sqrt(number of batches). Held-out evaluation keeps the critic from scoring the samples it
memorised. The three methods share one compilation for given shapes and static settings.
"""

from __future__ import annotations

import math
import numbers

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import InfoplaneError, check_choice, check_positive_int, check_positive_real
from ..defaults import SEED
from ._interface import (
    Estimate,
    as_samples,
    check_same_n,
    check_unit,
    from_nats,
    negative_warning,
)
from ._neural_training import METHODS, _fit_and_evaluate

CRITICS = ("separable", "concat")


# ---------------------------------------------------------------- public


def _check_fraction(name: str, value) -> float:
    if not isinstance(value, numbers.Real) or not 0.0 < float(value) < 1.0:
        raise InfoplaneError(f"{name} must be a number strictly between 0 and 1, got {value!r}")
    return float(value)


def _standardise(train: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)  # a constant column carries no information anyway
    return ((train - mean) / std).astype(np.float32), ((other - mean) / std).astype(np.float32)


def _check_settings(steps, batch_size, hidden, embedding_dim, learning_rate, eval_fraction,
                    ema_rate, seed) -> dict:
    """The training settings, validated and normalised (hidden as a tuple), by name."""
    steps = check_positive_int("steps", steps)
    batch_size = check_positive_int("batch_size", batch_size)
    embedding_dim = check_positive_int("embedding_dim", embedding_dim)
    if isinstance(hidden, numbers.Integral):
        hidden = (hidden,)
    hidden = tuple(check_positive_int("each hidden width", h) for h in hidden)
    check_positive_real("learning_rate", learning_rate)
    eval_fraction = _check_fraction("eval_fraction", eval_fraction)
    ema_rate = _check_fraction("ema_rate", ema_rate)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InfoplaneError(f"seed must be an integer, got {seed!r}")
    if batch_size < 2:
        raise InfoplaneError("batch_size must be at least 2: the bounds need off-diagonal pairs")
    return {"steps": steps, "batch_size": batch_size, "hidden": hidden,
            "embedding_dim": embedding_dim, "learning_rate": learning_rate,
            "eval_fraction": eval_fraction, "ema_rate": ema_rate, "seed": seed}


def _split(x, y, eval_fraction: float, batch_size: int, key) -> tuple:
    """Shuffle with ``key``, split into training and held-out parts, standardise both with the
    training statistics (float32).

    Returns:
        (x_train, y_train), (x_held, y_held) with a whole number of batches held out, and n.
    """
    x = as_samples(x, "x").astype(np.float64)
    y = as_samples(y, "y").astype(np.float64)
    n = check_same_n(x=x, y=y)
    n_eval = int(round(eval_fraction * n))
    n_train = n - n_eval
    n_batches = n_eval // batch_size
    if n_batches < 1 or n_train < batch_size:
        raise InfoplaneError(
            f"{n} samples split {n_train} train / {n_eval} held out cannot fill a batch of "
            f"{batch_size} on both sides; use more samples, a smaller batch_size, or change "
            "eval_fraction"
        )
    order = np.asarray(jax.random.permutation(key, n))
    train, held = order[:n_train], order[n_train : n_train + n_batches * batch_size]
    x_train, x_held = _standardise(x[train], x[held])
    y_train, y_held = _standardise(y[train], y[held])
    return (x_train, y_train), (x_held, y_held), n


def _warnings(value: float, nats: float, method: str, batch_size: int) -> tuple[str, ...]:
    """A negative value, or InfoNCE within 0.1 bit of its ceiling log2 B."""
    warnings = negative_warning(value, method)
    ceiling_bits = math.log2(batch_size)
    if method == "infonce" and from_nats(nats, "bits") >= ceiling_bits - 0.1:
        warnings += (
            f"InfoNCE cannot exceed log(batch size) = {ceiling_bits:.2f} bits; the estimate is "
            "within 0.1 bit of it, so the true MI may be larger: increase batch_size",
        )
    return warnings


def _record(method: str, critic: str, v: dict, n_train: int, n_batches: int,
            final_train_bound: float) -> dict:
    """The settings of the Estimate: every one used, and the split."""
    return {
        "method": method,
        "critic": critic,
        "steps": v["steps"],
        "batch_size": v["batch_size"],
        "hidden": list(v["hidden"]),
        "embedding_dim": v["embedding_dim"] if critic == "separable" else None,
        "activation": "relu",
        "optimiser": "adam",
        "learning_rate": float(v["learning_rate"]),
        "ema_rate": v["ema_rate"] if method == "mine" else None,
        "seed": int(v["seed"]),
        "eval_fraction": v["eval_fraction"],
        "n_train": n_train,
        "n_eval": n_batches * v["batch_size"],
        "n_eval_batches": n_batches,
        "standardised": True,
        "evaluation": "mean bound over disjoint held-out batches",
        "final_train_bound": final_train_bound,
    }


def neural_mutual_information(
    x, y, *, method: str = "infonce", critic: str = "separable", steps: int = 2000,
    batch_size: int = 128, hidden: tuple[int, ...] = (64, 64), embedding_dim: int = 32,
    learning_rate: float = 1e-3, eval_fraction: float = 0.25, ema_rate: float = 0.01,
    seed: int = SEED, unit: str = "bits",
) -> Estimate:
    """Variational lower bound on I(X;Y) from a critic trained on paired samples.

    Args:
        x: samples (n,) or (n, dx), numeric.
        y: samples (n,) or (n, dy), same n.
        method: "infonce", "nwj" or "mine" (see the module docstring for the formulas).
        critic: "separable" (default, g(x).h(y)) or "concat" (MLP on [x, y]; B^2 evaluations
            per batch, much slower).
        steps: Adam steps.
        batch_size: B, the minibatch size for training and for held-out evaluation. InfoNCE
            cannot exceed log B.
        hidden: hidden-layer widths of each MLP.
        embedding_dim: output width of g and h for the separable critic.
        learning_rate: Adam learning rate.
        eval_fraction: the share of samples held out for evaluation; it must hold at least one
            batch, and the training part too.
        ema_rate: moving-average rate for "mine" (Belghazi et al. use 0.01); unused otherwise.
        seed: seeds the split, the initialisation and the minibatches; same seed, same result.
        unit: "bits" (default) or "nats".

    Returns:
        An Estimate with quantity "mutual_information": the mean held-out bound, its stderr over
        held-out batches (None for a single batch), every setting used, and warnings for a
        negative value or for InfoNCE within 0.1 bit of its ceiling log2 B.

    Raises:
        InfoplaneError: for bad input, or when training diverged (non-finite bound).
    """
    check_choice("method", method, METHODS)
    check_choice("critic", critic, CRITICS)
    check_unit(unit)
    v = _check_settings(steps, batch_size, hidden, embedding_dim, learning_rate, eval_fraction,
                        ema_rate, seed)
    k_split, k_fit = jax.random.split(jax.random.PRNGKey(int(seed)))
    train, held, n = _split(x, y, v["eval_fraction"], v["batch_size"], k_split)
    n_batches = held[0].shape[0] // v["batch_size"]
    bounds, trace = _fit_and_evaluate(
        k_fit, *train, *(h.reshape(n_batches, v["batch_size"], -1) for h in held),
        jnp.int32(METHODS.index(method)), jnp.float32(learning_rate), jnp.float32(v["ema_rate"]),
        critic=critic, steps=v["steps"], batch_size=v["batch_size"], hidden=v["hidden"],
        embedding=v["embedding_dim"])
    bounds = np.asarray(bounds, dtype=np.float64)
    if not np.all(np.isfinite(bounds)):
        raise InfoplaneError(
            f"{method} training diverged (the held-out bound is not finite); lower "
            f"learning_rate (now {learning_rate}) or use method='infonce', which is the most stable"
        )
    nats = float(bounds.mean())
    stderr = float(bounds.std(ddof=1) / math.sqrt(n_batches)) if n_batches > 1 else None
    value = from_nats(nats, unit)
    tail = np.asarray(trace[-max(1, v["steps"] // 10) :], dtype=np.float64)
    settings = _record(method, critic, v, train[0].shape[0], n_batches,
                       from_nats(float(tail.mean()), unit))
    stderr = None if stderr is None else from_nats(stderr, unit)
    # InfoNCE (van den Oord et al. 2018) and NWJ (Nguyen, Wainwright & Jordan 2010) are
    # variational lower bounds, evaluated on held-out batches; MINE's moving-average gradient
    # makes its Donsker-Varadhan value biased, so it is reported as an estimate.
    return Estimate(value, unit, method, "mutual_information", n, settings, stderr,
                    _warnings(value, nats, method, v["batch_size"]),
                    bound="lower" if method in ("infonce", "nwj") else None)
