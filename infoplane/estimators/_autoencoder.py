"""The autoencoder compressor of "compressed": a small MLP trained with optax (Adam).

Encoder D -> h -> m, decoder m -> h -> D, ReLU hidden layers of h = min(256, max(32, 4 m))
units, linear code, trained for ``steps`` steps of Adam (learning rate 1e-3) on minibatches of
256 rows of the centred data divided by its overall s.d., with the mean squared reconstruction
error as loss. The whole loop is one ``lax.scan`` under ``jax.jit``. The code dimension m is the
PCA rule's (``_compress``). The reported loss is the mean squared reconstruction error of all
rows relative to the total variance, beside PCA's at the same m; the codes are then whitened by
their own covariance. An autoencoder whose loss is not finite raises; one worse than PCA by more
than 10 % gives a warning (PCA is the optimal linear compression, so a trained autoencoder
should not lose to it).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._errors import InfoplaneError
from ._compress import Compression

_BATCH, _LEARNING_RATE = 256, 1e-3


def _init(key, sizes):
    keys = jax.random.split(key, len(sizes) - 1)
    return [(jax.random.normal(k, (a, b)) / math.sqrt(a), jnp.zeros(b))
            for k, a, b in zip(keys, sizes[:-1], sizes[1:], strict=True)]


def _mlp(params, x):
    for w, b in params[:-1]:
        x = jax.nn.relu(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def _loss(params, x):
    return jnp.mean((_mlp(params["dec"], _mlp(params["enc"], x)) - x) ** 2)


def _train(x: jax.Array, m: int, steps: int, seed: int):
    n, d = x.shape
    h = min(256, max(32, 4 * m))
    kenc, kdec, kdata = jax.random.split(jax.random.PRNGKey(seed), 3)
    params = {"enc": _init(kenc, (d, h, m)), "dec": _init(kdec, (m, h, d))}
    opt = optax.adam(_LEARNING_RATE)

    def step(carry, key):
        params, state = carry
        rows = jax.random.randint(key, (min(_BATCH, n),), 0, n)
        grads = jax.grad(_loss)(params, x[rows])
        updates, state = opt.update(grads, state, params)
        return (optax.apply_updates(params, updates), state), None

    (params, _), _ = jax.lax.scan(step, (params, opt.init(params)),
                                  jax.random.split(kdata, steps))
    return _mlp(params["enc"], x), _loss(params, x)


_train_jit = jax.jit(_train, static_argnames=("m", "steps"))


def autoencoder_compress(x: np.ndarray, pca: Compression, *, seed: int, steps: int,
                         name: str) -> tuple[Compression, tuple[str, ...]]:
    """Compress x (n, D) by a trained autoencoder to ``pca.dim`` whitened dimensions.

    Returns the Compression (its loss relative to the total variance, ``pca_loss`` PCA's) and
    warnings. Raises InfoplaneError when training diverges or the codes are degenerate.
    """
    xc = x - x.mean(axis=0)
    scale = float(np.sqrt(np.mean(xc.var(axis=0))))
    codes, mse = _train_jit(jnp.asarray(xc / scale, jnp.float32), m=pca.dim, steps=steps,
                            seed=seed)
    # x / scale has mean per-entry variance 1, so the MSE is already relative to the variance
    codes, loss = np.asarray(codes, np.float64), float(mse)
    if not (math.isfinite(loss) and np.all(np.isfinite(codes))):
        raise InfoplaneError(f"the autoencoder of {name} failed to train (loss {loss}); "
                             "use compressor='pca' or more steps")
    vals, vecs = np.linalg.eigh(np.atleast_2d(np.cov(codes, rowvar=False)))
    if vals[0] <= 1e-10 * vals[-1]:
        raise InfoplaneError(f"the autoencoder codes of {name} are degenerate (collapsed "
                             "dimensions); use compressor='pca' or more steps")
    z = (codes - codes.mean(axis=0)) @ vecs / np.sqrt(vals)
    warnings = ()
    if loss > 1.1 * pca.loss + 1e-3:
        warnings = (f"the autoencoder of {name} reconstructs worse than PCA at the same "
                    f"dimension ({loss:.3g} vs {pca.loss:.3g} of the variance): it did not "
                    "train well; more steps, or compressor='pca'",)
    return Compression(z, pca.dim, 1.0 - loss, loss, pca.capped, pca.loss), warnings
