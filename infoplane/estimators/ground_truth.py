"""Sampling tasks with known mutual information, for tests, benchmarks and the trust check.

Every task is a :class:`Task`: a name, the true I(X;Y) in bits, and ``sample(rng, n)`` returning
x (n, dx) and y (n, dy) in float64. The truths are closed forms:

- Gaussian: x, y ~ N(0, I) with corr(x_i, y_i) = rho on ``pairs`` coordinate pairs;
  I = -pairs/2 log2(1 - rho^2) (Cover & Thomas 2006, eq. 8.56).
- Student-t: the same Gaussian pair times one shared factor sqrt(nu / chi2_nu), a (dx + dy)-variate
  t with nu degrees of freedom; I = I_gauss + c(dx) + c(dy) - c(dx + dy) with
  c(d) = log G(nu/2) - log G((nu+d)/2) + (nu+d)/2 [psi((nu+d)/2) - psi(nu/2)] (nats), from the
  entropy of the multivariate t (Arellano-Valle, Contreras-Reyes & Genton 2013).
- Embedded latents: Gaussian latents z_x, z_y (m dimensions each, correlated pairwise as above)
  mapped into dx and dy dimensions by fixed random matrices A (dx, m), B (dy, m) with N(0, 1/m)
  entries (injective when dx, dy >= m), then either warped by tanh in every ambient coordinate
  (injective, so I(X;Y) = I(z_x; z_y)) or given independent N(0, sigma^2) noise in every ambient
  coordinate. With isotropic noise A^T X is sufficient for z_x, so I(X;Y) = I(A^T X; B^T Y),
  the Gaussian MI of a 2m-dimensional covariance computed exactly.

The embedding matrices are drawn from ``matrix_seed``, fixed per task, so every sample of a task
has the same distribution and the same truth.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy import special

LN2 = math.log(2.0)


class Task(NamedTuple):
    """A sampling task with closed-form I(X;Y) in bits; ``sample(rng, n) -> (x, y)``."""

    name: str
    truth: float
    sample: Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]


def rho_for(bits: float, pairs: int) -> float:
    """The correlation per pair that gives ``bits`` of Gaussian MI over ``pairs`` pairs."""
    return math.sqrt(1.0 - 2.0 ** (-2.0 * bits / pairs))


def _pairs(rng, n: int, dx: int, dy: int, rho: float, pairs: int):
    x = rng.standard_normal((n, dx))
    r = np.zeros(dy)
    r[:pairs] = rho
    y = rng.standard_normal((n, dy)) * np.sqrt(1 - r**2)
    y[:, :pairs] += rho * x[:, :pairs]
    return x, y


def gaussian_task(dx: int, dy: int, bits: float, pairs: int | None = None) -> Task:
    """Gaussian x (dx), y (dy) with ``bits`` of MI spread over ``pairs`` (all min(dx, dy))."""
    pairs = min(dx, dy) if pairs is None else pairs
    rho = rho_for(bits, pairs) if bits > 0 else 0.0
    name = f"Gaussian {dx}+{dy}-d" + (f", {pairs} pairs rho={rho:.2f}" if bits else ", independent")
    return Task(name, -0.5 * pairs * math.log2(1 - rho * rho) if bits > 0 else 0.0,
                lambda rng, n: _pairs(rng, n, dx, dy, rho, pairs))


def _t_term(nu: float, d: int) -> float:
    return (math.lgamma(nu / 2) - math.lgamma((nu + d) / 2)
            + (nu + d) / 2 * (special.digamma((nu + d) / 2) - special.digamma(nu / 2)))


def student_task(dx: int, dy: int, bits: float, nu: float = 3.0) -> Task:
    """Student-t with nu degrees of freedom whose scale matrix is the Gaussian task's."""
    pairs = min(dx, dy)
    rho = rho_for(bits, pairs)
    truth = bits + (_t_term(nu, dx) + _t_term(nu, dy) - _t_term(nu, dx + dy)) / LN2

    def sample(rng, n):
        x, y = _pairs(rng, n, dx, dy, rho, pairs)
        w = np.sqrt(nu / rng.chisquare(nu, size=(n, 1)))
        return x * w, y * w

    return Task(f"Student-t {dx}+{dy}-d nu={nu:g}", float(truth), sample)


def _gaussian_mi_bits(cov: np.ndarray, dx: int) -> float:
    ld = [np.linalg.slogdet(c)[1] for c in (cov[:dx, :dx], cov[dx:, dx:], cov)]
    return float(0.5 * (ld[0] + ld[1] - ld[2]) / LN2)


def embedded_task(dx: int, dy: int, latent: int, bits: float, *, noise: float = 0.0,
                  warp: bool = False, matrix_seed: int = 12345) -> Task:
    """Correlated Gaussian latents (``latent`` dims each, ``bits`` of MI) embedded linearly in
    dx and dy dimensions, then tanh-warped (``warp``) or given ambient noise of s.d. ``noise``.
    """
    rho = rho_for(bits, latent)
    mats = np.random.default_rng(matrix_seed)
    a = mats.standard_normal((dx, latent)) / math.sqrt(latent)
    b = mats.standard_normal((dy, latent)) / math.sqrt(latent)
    truth = bits
    if noise > 0 and bits > 0:  # the Gaussian MI of (A^T X, B^T Y); see the module docstring
        ga, gb = a.T @ a, b.T @ b
        cov = np.block([[ga @ ga + noise**2 * ga, rho * ga @ gb],
                        [rho * gb @ ga, gb @ gb + noise**2 * gb]])
        truth = _gaussian_mi_bits(cov, latent)

    def sample(rng, n):
        zx, zy = _pairs(rng, n, latent, latent, rho, latent)
        x, y = zx @ a.T, zy @ b.T
        if warp:
            return np.tanh(x), np.tanh(y)
        if noise > 0:
            x = x + noise * rng.standard_normal(x.shape)
            y = y + noise * rng.standard_normal(y.shape)
        return x, y

    how = "tanh warp" if warp else (f"noise sd={noise:g}" if noise > 0 else "linear")
    return Task(f"latent {latent} in {dx}+{dy}-d, {how}", truth, sample)


def standard_tasks(dx: int, dy: int, *, bits: float = 1.0, latent: int = 4) -> tuple[Task, ...]:
    """The trust check's tasks for dimensions dx, dy: Gaussian, independent, Student-t (nu = 3),
    and min(latent, dx, dy)-dimensional latents embedded with a tanh warp and with ambient noise
    (s.d. 1)."""
    m = min(latent, dx, dy)
    return (
        gaussian_task(dx, dy, bits),
        gaussian_task(dx, dy, 0.0),
        student_task(dx, dy, bits),
        embedded_task(dx, dy, m, bits, warp=True),
        embedded_task(dx, dy, m, bits, noise=1.0),
    )
