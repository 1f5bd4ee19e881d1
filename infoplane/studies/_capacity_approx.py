"""The universal approximation theorem made visible: one-hidden-layer tanh networks of growing
width fitted to a smooth function of one variable, and their error against width.

Barron (1993), "Universal approximation bounds for superpositions of a sigmoidal function":
for f with a finite first moment C_f of its Fourier transform, some network of n sigmoidal
units has squared L2 error ||f - f_n||^2 <= (2 r C_f)^2 / n on a ball of radius r, whatever the
input dimension: the O(1/width) rate. It is an upper bound on the best network of that width;
a smooth 1-D function is usually approximated faster, and gradient descent need not find the
best network, so the measured error can lie above or below the line.

Every (width, seed) network is one slice of a network of ``max(widths)`` units whose units past
its width are masked to zero, so that all of them train in one compiled, vmapped call
(full-batch Adam with a cosine-decayed step, optax).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

WIDTHS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
N_TRAIN = 256
N_TEST = 2001


def target(x):
    """The smooth function fitted on [-1, 1]: sin(3 pi x) exp(-x^2) + 0.5 x."""
    return jnp.sin(3 * jnp.pi * x) * jnp.exp(-(x ** 2)) + 0.5 * x


def _init(key, n_max: int) -> dict:
    k1, k2, k3 = jax.random.split(key, 3)
    # Input weights wide enough that tanh units can place their steps across [-1, 1].
    return {"w": 4.0 * jax.random.normal(k1, (n_max,)),
            "b": jax.random.uniform(k2, (n_max,), minval=-4.0, maxval=4.0),
            "v": jax.random.normal(k3, (n_max,)) / jnp.sqrt(n_max), "c": jnp.zeros(())}


def _predict(params: dict, mask, x):
    """f_n(x) = c + sum_k mask_k v_k tanh(w_k x + b_k) for x (m,); mask (n_max,) of 0/1."""
    h = jnp.tanh(x[:, None] * params["w"] + params["b"])
    return h @ (params["v"] * mask) + params["c"]


def _fit_one(key, width, *, n_max: int, steps: int, lr: float):
    """Train one masked network of ``width`` units; its test MSE against ``target`` and its
    predictions on the test points."""
    x = jnp.linspace(-1.0, 1.0, N_TRAIN)
    x_test = jnp.linspace(-1.0, 1.0, N_TEST)
    mask = (jnp.arange(n_max) < width).astype(jnp.float32)
    opt = optax.adam(optax.cosine_decay_schedule(lr, steps, alpha=0.01))

    def loss(p):
        return jnp.mean((_predict(p, mask, x) - target(x)) ** 2)

    def step(carry, _):
        p, s = carry
        g = jax.grad(loss)(p)
        upd, s = opt.update(g, s, p)
        return (optax.apply_updates(p, upd), s), None

    params = _init(key, n_max)
    (params, _), _ = jax.lax.scan(step, (params, opt.init(params)), None, length=steps)
    pred = _predict(params, mask, x_test)
    return jnp.mean((pred - target(x_test)) ** 2), pred


def approximation_errors(widths=WIDTHS, seeds: int = 5, steps: int = 4000, lr: float = 0.01,
                         seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One-hidden-layer tanh networks fitted to ``target`` on ``N_TRAIN`` even points of
    [-1, 1] (full-batch Adam, ``steps`` steps from ``lr`` decayed to lr / 100).

    Returns:
        ``(mse, predictions)``: the test mean squared error [seed, width] on ``N_TEST`` even
        points (the squared L2 error on the interval, up to the factor 2 of its length), and
        the networks' outputs there [seed, width, N_TEST].
    """
    n_max = int(max(widths))
    keys = jax.random.split(jax.random.key(seed), seeds)
    w = jnp.asarray(widths, dtype=jnp.int32)

    def fit(key, width):
        return _fit_one(key, width, n_max=n_max, steps=steps, lr=lr)

    fit_all = jax.jit(jax.vmap(jax.vmap(fit, in_axes=(None, 0)), in_axes=(0, None)))
    mse, pred = fit_all(keys, w)
    return np.asarray(mse, dtype=np.float64), np.asarray(pred, dtype=np.float64)


def loglog_slope(widths, errors) -> float:
    """Least-squares slope of log(median error over seeds) against log(width)."""
    med = np.median(np.asarray(errors), axis=0)
    return float(np.polyfit(np.log(np.asarray(widths, float)), np.log(med), 1)[0])
