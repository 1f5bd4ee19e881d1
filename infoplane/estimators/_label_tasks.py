"""Ground-truth tasks with continuous x (n, dx) and class labels y (n,), for the trust check of
I(T;Y) estimators (a layer against its labels).

Every task is a ``ground_truth.Task`` whose ``sample(rng, n)`` returns x (float64) and integer
labels in 0..classes-1 (K = ``classes``). The truths, in bits:

- independent: x ~ N(0, I), y uniform and independent; I = 0.
- Gaussian classes: x | y = c ~ N(mu_c, I) with the means on a circle of radius 1.5 in the first
  two coordinates (on a line, spaced 1.5, for dx = 1), y uniform. I = log2 K - E[H(Y | x)],
  the expectation by Monte Carlo over 200,000 draws of a fixed seed (the posterior is exact;
  s.d. of the truth about 0.002 bits).
- latent bins: a Gaussian latent z of m = min(2, dx) dimensions, y = the bin of z_1 among K
  equally likely bins (Gaussian quantiles), x = z A^T for a fixed random A (dx, m), then
  - tanh-warped in every coordinate (injective): x determines z_1, so I = log2 K;
  - with N(0, 1) noise in every coordinate: z_1 | x ~ N(u, 1 - a) with u ~ N(0, a), a the
    R^2 of z_1 on x (A^T x is sufficient), so I = log2 K - E_u H(Y | u), by Gauss-Hermite
    quadrature over u (80 nodes).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

from .ground_truth import Task

_RADIUS, _MC_DRAWS, _MC_SEED = 1.5, 200_000, 2024


def _means(dx: int, classes: int) -> np.ndarray:
    """(K, min(dx, 2)) class means: on a circle of radius 1.5, or spaced 1.5 on a line."""
    if dx == 1:
        return (_RADIUS * (np.arange(classes) - (classes - 1) / 2))[:, None]
    angle = 2 * math.pi * np.arange(classes) / classes
    return _RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def _entropy_bits(p: np.ndarray) -> np.ndarray:
    """Entropy in bits of each row of probabilities p (..., K)."""
    return special.entr(p).sum(axis=-1) / math.log(2)


def gaussian_classes_task(dx: int, classes: int) -> Task:
    """Gaussian clusters around K means (module docstring); truth by Monte Carlo."""
    mu = _means(dx, classes)
    rng = np.random.default_rng(_MC_SEED)
    y = rng.integers(0, classes, _MC_DRAWS)
    x = mu[y] + rng.standard_normal((_MC_DRAWS, mu.shape[1]))
    logits = -0.5 * ((x[:, None, :] - mu[None]) ** 2).sum(axis=2)
    post = special.softmax(logits, axis=1)
    truth = math.log2(classes) - float(_entropy_bits(post).mean())

    def sample(rng, n):
        y = rng.integers(0, classes, n)
        x = rng.standard_normal((n, dx))
        x[:, :mu.shape[1]] += mu[y]
        return x, y

    return Task(f"Gaussian classes in {dx}-d", truth, sample)


def latent_bins_task(dx: int, classes: int, *, noise: float = 0.0,
                     matrix_seed: int = 12345) -> Task:
    """Labels from bins of a latent z_1, x an embedding of z, warped or noisy (docstring)."""
    m = min(2, dx)
    a = np.random.default_rng(matrix_seed).standard_normal((dx, m)) / math.sqrt(m)
    edges = stats.norm.ppf(np.arange(1, classes) / classes)
    truth = math.log2(classes)
    if noise > 0:
        g = a.T @ a
        r2 = float(np.linalg.solve(g + noise**2 * np.eye(m), g)[0, 0])
        u, w = np.polynomial.hermite_e.hermegauss(80)
        cdf = stats.norm.cdf((np.r_[-np.inf, edges, np.inf][None, :]
                              - math.sqrt(r2) * u[:, None]) / math.sqrt(1 - r2))
        truth -= float(np.sum(w / w.sum() * _entropy_bits(np.diff(cdf, axis=1))))

    def sample(rng, n):
        z = rng.standard_normal((n, m))
        x = z @ a.T
        x = x + noise * rng.standard_normal(x.shape) if noise > 0 else np.tanh(x)
        return x, np.searchsorted(edges, z[:, 0])

    how = f"noise sd={noise:g}" if noise > 0 else "tanh warp"
    return Task(f"latent bins in {dx}-d, {how}", truth, sample)


def label_tasks(dx: int, classes: int) -> tuple[Task, ...]:
    """The trust check's tasks for continuous x of dx dimensions and K = ``classes`` labels."""
    return (
        Task(f"independent, {dx}-d", 0.0,
             lambda rng, n: (rng.standard_normal((n, dx)), rng.integers(0, classes, n))),
        gaussian_classes_task(dx, classes),
        latent_bins_task(dx, classes),
        latent_bins_task(dx, classes, noise=1.0),
    )


# Strictly increasing activations (x is then an injective function of the latents).
ACTIVATIONS = {
    "tanh": np.tanh,
    "softplus": lambda v: np.logaddexp(0.0, 2.0 * v) / 2.0,
    "leaky_relu": lambda v: np.where(v > 0, v, 0.1 * v),
    "elu": lambda v: np.where(v > 0, v, np.expm1(np.minimum(v, 0.0))),
    "sin_warp": lambda v: v + 0.5 * np.sin(v),
}


def _posterior_truth(mu: np.ndarray, seed: int) -> float:
    """H(Y) - E H(Y | s) in bits for s | y ~ N(mu_y, I), y uniform, by Monte Carlo."""
    rng = np.random.default_rng(seed)
    classes, m = mu.shape
    total = 0.0
    for _ in range(_MC_DRAWS // 20_000):
        y = rng.integers(0, classes, 20_000)
        s = mu[y] + rng.standard_normal((20_000, m))
        logits = s @ mu.T - 0.5 * np.sum(mu**2, axis=1)
        total += float(_entropy_bits(special.softmax(logits, axis=1)).sum())
    return math.log2(classes) - total / _MC_DRAWS


def layer_task(classes: int, width: int, *, signal_dims: int, separation: float,
               activation: str = "tanh", nuisance_dims: int = 0, nuisance_sd: float = 1.0,
               beside: int = 0, beside_sd: float = 5.0, gain: float = 1.0, seed: int = 0,
               name: str | None = None) -> Task:
    """A wide layer against K class labels with Monte Carlo truth (module docstring).

    Args:
        classes: K.
        width: the layer's width w (the columns of x, ``beside`` included).
        signal_dims: m, the latent directions carrying the class signal.
        separation: the class means' scale (the signal's strength).
        activation: a key of ``ACTIVATIONS``.
        nuisance_dims, nuisance_sd: latents independent of y mixed into the layer.
        beside, beside_sd: independent N(0, beside_sd^2) columns next to the layer.
        gain: the scale of W (a larger gain saturates tanh more).
        seed: draws the means, W and b (the truth's Monte Carlo uses seed + 1).
    """
    dense = width - beside
    if dense < signal_dims + nuisance_dims:
        raise ValueError("the layer must be at least as wide as its latents (injective)")
    rng = np.random.default_rng(seed)
    mu = rng.standard_normal((classes, signal_dims)) * separation / math.sqrt(signal_dims)
    latents = signal_dims + nuisance_dims
    w = rng.standard_normal((dense, latents)) * gain / math.sqrt(latents)
    b = 0.3 * rng.standard_normal(dense)
    act = ACTIVATIONS[activation]
    truth = _posterior_truth(mu, seed + 1)

    def sample(rng, n):
        y = rng.integers(0, classes, n)
        z = np.concatenate([mu[y] + rng.standard_normal((n, signal_dims)),
                            nuisance_sd * rng.standard_normal((n, nuisance_dims))], axis=1)
        x = act(z @ w.T + b)
        if beside:
            x = np.concatenate([x, beside_sd * rng.standard_normal((n, beside))], axis=1)
        return x, y

    extra = (f", {nuisance_dims} nuisance sd {nuisance_sd:g}" if nuisance_dims else "") + (
        f", {beside} beside sd {beside_sd:g}" if beside else "")
    name = name or (f"{activation} layer {width}-d, K={classes}, signal {signal_dims}-d "
                    f"sep {separation:g}{extra}")
    return Task(name, truth, sample)


def layer_tasks(width: int, classes: int, seed: int = 7000) -> tuple[Task, ...]:
    """The trust check's wide-layer families at width w and K classes (``layer_task``):
    a warped layer, high-variance nuisance dimensions mixed in and beside, a weak signal
    spread over many directions, and near-deterministic labels."""
    m = max(1, min(8, width // 4))
    spread = max(1, min(64, width // 3))
    beside = max(1, width // 4)
    return (
        layer_task(classes, width, signal_dims=m, separation=3.0, activation="softplus",
                   seed=seed, name=f"warped layer {width}-d (softplus)"),
        layer_task(classes, width, signal_dims=m, separation=3.0, activation="tanh",
                   nuisance_dims=min(m, width - m), nuisance_sd=3.0, seed=seed + 1,
                   name=f"nuisance mixed in, sd 3 ({width}-d, tanh)"),
        layer_task(classes, width, signal_dims=m, separation=3.0, activation="elu",
                   beside=beside, beside_sd=5.0, seed=seed + 2,
                   name=f"nuisance beside, {beside} columns sd 5 ({width}-d, elu)"),
        layer_task(classes, width, signal_dims=spread, separation=2.5,
                   activation="leaky_relu", seed=seed + 3,
                   name=f"weak signal over {spread} directions ({width}-d, leaky ReLU)"),
        layer_task(classes, width, signal_dims=m, separation=12.0, activation="sin_warp",
                   seed=seed + 4, name=f"near-deterministic labels ({width}-d, smooth warp)"),
    )
