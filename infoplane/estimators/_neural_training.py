"""The machinery of the variational MI bounds: the critic, the bounds on a score matrix, and
the compiled optax training loop.

The formulas and references are in ``neural.py``, which checks the input, splits and
standardises the samples and calls :func:`_fit_and_evaluate`. All values are in nats.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import optax

# Defined here because its order is the lax.switch index in _fit_and_evaluate.
METHODS = ("infonce", "nwj", "mine")


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
