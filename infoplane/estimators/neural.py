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

import functools
import math
import numbers

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._errors import InfoplaneError, check_choice, check_positive_int, check_positive_real
from ._interface import (
    Estimate,
    as_samples,
    check_same_n,
    check_unit,
    from_nats,
    negative_warning,
)

METHODS = ("infonce", "nwj", "mine")
CRITICS = ("separable", "concat")


# ---------------------------------------------------------------- critic


def _init_mlp(key: jax.Array, sizes: tuple[int, ...]) -> list[tuple[jax.Array, jax.Array]]:
    """Weights (LeCun normal) and zero biases of an MLP with layer widths ``sizes``."""
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        (jax.random.normal(k, (a, b), jnp.float32) / math.sqrt(a), jnp.zeros((b,), jnp.float32))
        for k, a, b in zip(keys, sizes[:-1], sizes[1:], strict=True)
    ]


def _mlp(params, x: jax.Array) -> jax.Array:
    """The MLP on one example x (d,); batch it with jax.vmap."""
    for w, b in params[:-1]:
        x = jax.nn.relu(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def _init_critic(key, critic: str, dx: int, dy: int, hidden: tuple[int, ...], embedding: int):
    if critic == "separable":
        kg, kh = jax.random.split(key)
        return {
            "g": _init_mlp(kg, (dx, *hidden, embedding)),
            "h": _init_mlp(kh, (dy, *hidden, embedding)),
        }
    return {"f": _init_mlp(key, (dx + dy, *hidden, 1))}


def _scores(params, x: jax.Array, y: jax.Array, critic: str) -> jax.Array:
    """Critic values (B, B) with entry [i, j] = f(x_i, y_j)."""
    if critic == "separable":
        # scaled like attention so that initial scores are O(1): exp(f) enters every bound
        g = jax.vmap(lambda xi: _mlp(params["g"], xi))(x)
        h = jax.vmap(lambda yj: _mlp(params["h"], yj))(y)
        return g @ h.T / math.sqrt(g.shape[1])

    def pair(xi, yj):
        return _mlp(params["f"], jnp.concatenate([xi, yj]))[0]

    return jax.vmap(lambda xi: jax.vmap(lambda yj: pair(xi, yj))(y))(x)


# ---------------------------------------------------------------- bounds on a score matrix


def _log_mean_exp_marginal(f: jax.Array) -> jax.Array:
    """log of the mean of exp(f_ij) over the B(B-1) off-diagonal (product-of-marginals) pairs."""
    b = f.shape[0]
    off = jnp.where(jnp.eye(b, dtype=bool), -jnp.inf, f)
    return jax.scipy.special.logsumexp(off) - jnp.log(b * (b - 1.0))


def _bound(f: jax.Array, method: str) -> jax.Array:
    """The lower bound in nats for a score matrix f (B, B)."""
    joint = jnp.mean(jnp.diag(f))
    if method == "infonce":
        b = f.shape[0]
        return joint - jnp.mean(jax.scipy.special.logsumexp(f, axis=1)) + jnp.log(float(b))
    if method == "nwj":
        return joint - jnp.exp(_log_mean_exp_marginal(f) - 1.0)
    return joint - _log_mean_exp_marginal(f)  # Donsker-Varadhan


# ---------------------------------------------------------------- compiled training


def _objective(method: str):
    """(f, log_ma, first) -> (training objective, bound, new log_ma) for one method."""

    def plain(f, log_ma, first, ema_rate):
        bound = _bound(f, method)
        return bound, bound, log_ma

    def mine(f, log_ma, first, ema_rate):
        # Belghazi et al. 2018, sec. 3.2: divide grad E_q[e^f] by a moving average of E_q[e^f]
        # instead of the minibatch value, which biases the gradient of log E_q[e^f].
        lme = jax.lax.stop_gradient(_log_mean_exp_marginal(f))
        averaged = jnp.logaddexp(jnp.log1p(-ema_rate) + log_ma, jnp.log(ema_rate) + lme)
        log_ma = jnp.where(first, lme, averaged)
        surrogate = jnp.mean(jnp.diag(f)) - jnp.exp(_log_mean_exp_marginal(f) - log_ma)
        return surrogate, _bound(f, "mine"), log_ma

    return mine if method == "mine" else plain


# The method is a traced index chosen by lax.switch (only the chosen branch runs and is
# differentiated), so the three methods share one compilation for given shapes and settings.
@functools.partial(
    jax.jit, static_argnames=("critic", "steps", "batch_size", "hidden", "embedding")
)
def _fit_and_evaluate(
    key,
    x_train,
    y_train,
    x_eval,
    y_eval,
    method_id,
    learning_rate,
    ema_rate,
    *,
    critic,
    steps,
    batch_size,
    hidden,
    embedding,
):
    """Train the critic by Adam in one scan; return (held-out bounds per batch, training trace).

    method_id indexes METHODS. x_eval, y_eval have shape (n_batches, batch_size, d). All values
    in nats.
    """
    k_init, k_train = jax.random.split(key)
    params = _init_critic(k_init, critic, x_train.shape[1], y_train.shape[1], hidden, embedding)
    optimiser = optax.adam(learning_rate)
    n_train = x_train.shape[0]
    objectives = [_objective(m) for m in METHODS]
    bounds = [functools.partial(_bound, method=m) for m in METHODS]

    def loss(params, x, y, log_ma, first):
        f = _scores(params, x, y, critic)
        objective, bound, log_ma = jax.lax.switch(method_id, objectives, f, log_ma, first, ema_rate)
        return -objective, (bound, log_ma)

    def step(carry, inputs):
        params, opt_state, log_ma = carry
        idx, i = inputs
        grads, (bound, log_ma) = jax.grad(loss, has_aux=True)(
            params, x_train[idx], y_train[idx], log_ma, i == 0
        )
        updates, opt_state = optimiser.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state, log_ma), bound

    # Minibatches are consecutive slices of fresh permutations of the training set (epochs),
    # drawn before the loop so that no random-number code sits in the scanned step.
    epochs = -(-steps * batch_size // n_train)
    perms = jax.vmap(lambda k: jax.random.permutation(k, n_train))(
        jax.random.split(k_train, epochs)
    )
    batches = perms.reshape(-1)[: steps * batch_size].reshape(steps, batch_size)
    carry = (params, optimiser.init(params), jnp.zeros((), jnp.float32))
    inputs = (batches, jnp.arange(steps))
    (params, _, _), trace = jax.lax.scan(step, carry, inputs)
    evaluate = jax.vmap(
        lambda x, y: jax.lax.switch(method_id, bounds, _scores(params, x, y, critic))
    )
    return evaluate(x_eval, y_eval), trace


# ---------------------------------------------------------------- public


def _check_fraction(name: str, value) -> float:
    if not isinstance(value, numbers.Real) or not 0.0 < float(value) < 1.0:
        raise InfoplaneError(f"{name} must be a number strictly between 0 and 1, got {value!r}")
    return float(value)


def _standardise(train: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)  # a constant column carries no information anyway
    return ((train - mean) / std).astype(np.float32), ((other - mean) / std).astype(np.float32)


def neural_mutual_information(
    x,
    y,
    *,
    method: str = "infonce",
    critic: str = "separable",
    steps: int = 2000,
    batch_size: int = 128,
    hidden: tuple[int, ...] = (64, 64),
    embedding_dim: int = 32,
    learning_rate: float = 1e-3,
    eval_fraction: float = 0.25,
    ema_rate: float = 0.01,
    seed: int = 0,
    unit: str = "bits",
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

    key = jax.random.PRNGKey(int(seed))
    k_split, k_fit = jax.random.split(key)
    order = np.asarray(jax.random.permutation(k_split, n))
    train, held = order[:n_train], order[n_train : n_train + n_batches * batch_size]
    x_train, x_eval = _standardise(x[train], x[held])
    y_train, y_eval = _standardise(y[train], y[held])
    bounds, trace = _fit_and_evaluate(
        k_fit,
        x_train,
        y_train,
        x_eval.reshape(n_batches, batch_size, -1),
        y_eval.reshape(n_batches, batch_size, -1),
        jnp.int32(METHODS.index(method)),
        jnp.float32(learning_rate),
        jnp.float32(ema_rate),
        critic=critic,
        steps=steps,
        batch_size=batch_size,
        hidden=hidden,
        embedding=embedding_dim,
    )
    bounds = np.asarray(bounds, dtype=np.float64)
    if not np.all(np.isfinite(bounds)):
        raise InfoplaneError(
            f"{method} training diverged (the held-out bound is not finite); lower "
            f"learning_rate (now {learning_rate}) or use method='infonce', which is the most stable"
        )
    nats = float(bounds.mean())
    stderr = float(bounds.std(ddof=1) / math.sqrt(n_batches)) if n_batches > 1 else None
    value = from_nats(nats, unit)
    warnings = negative_warning(value, method)
    ceiling_bits = math.log2(batch_size)
    if method == "infonce" and from_nats(nats, "bits") >= ceiling_bits - 0.1:
        warnings += (
            f"InfoNCE cannot exceed log(batch size) = {ceiling_bits:.2f} bits; the estimate is "
            "within 0.1 bit of it, so the true MI may be larger: increase batch_size",
        )
    tail = np.asarray(trace[-max(1, steps // 10) :], dtype=np.float64)
    settings = {
        "method": method,
        "critic": critic,
        "steps": steps,
        "batch_size": batch_size,
        "hidden": list(hidden),
        "embedding_dim": embedding_dim if critic == "separable" else None,
        "activation": "relu",
        "optimiser": "adam",
        "learning_rate": float(learning_rate),
        "ema_rate": ema_rate if method == "mine" else None,
        "seed": int(seed),
        "eval_fraction": eval_fraction,
        "n_train": n_train,
        "n_eval": n_batches * batch_size,
        "n_eval_batches": n_batches,
        "standardised": True,
        "evaluation": "mean bound over disjoint held-out batches",
        "final_train_bound": from_nats(float(tail.mean()), unit),
    }
    stderr = None if stderr is None else from_nats(stderr, unit)
    return Estimate(value, unit, method, "mutual_information", n, settings, stderr, warnings)
