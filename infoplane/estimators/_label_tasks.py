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
