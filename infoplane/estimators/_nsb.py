"""The NSB entropy estimator (Nemenman, Shafee & Bialek 2002), in nats.

The posterior mean and std of H under a mixture of symmetric Dirichlet priors whose prior on H
is nearly flat: the Dirichlet posterior moments for one beta (:func:`_nsb_moments`) and their
average over the posterior on beta (:func:`_nsb_nats`). ``discrete.py`` counts the symbols,
checks the alphabet size and calls :func:`_nsb_nats`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, special


def _nsb_moments(beta, classes, mult, n, k):
    """E[H | counts, beta] and E[H^2 | counts, beta] in nats (Wolpert & Wolf 1995).

    beta has shape (G, 1); classes (J,) are the distinct counts (0 for unseen symbols) and mult
    (J,) how many symbols have each. With a_i = n_i + beta and A = N + K beta:
        E[H]   = psi(A+1) - sum_i a_i/A psi(a_i+1)
        E[H^2] = sum_{i != k} a_i a_k/(A(A+1)) [(psi(a_i+1)-psi(A+2))(psi(a_k+1)-psi(A+2))
                                                  - psi'(A+2)]
               + sum_i a_i(a_i+1)/(A(A+1)) [(psi(a_i+2)-psi(A+2))^2 + psi'(a_i+2) - psi'(A+2)]
    """
    a = classes + beta  # (G, J)
    big_a = n + k * beta[:, 0]  # (G,)
    psi_a2 = special.digamma(big_a + 2)[:, None]
    tri_a2 = special.polygamma(1, big_a + 2)
    mean = special.digamma(big_a + 1) - np.sum(mult * a * special.digamma(a + 1), axis=1) / big_a
    u = a * (special.digamma(a + 1) - psi_a2)
    cross = (
        np.sum(mult * u, axis=1) ** 2
        - np.sum(mult * u**2, axis=1)
        - tri_a2 * (big_a**2 - np.sum(mult * a**2, axis=1))
    )
    diag = np.sum(
        mult
        * a
        * (a + 1)
        * ((special.digamma(a + 2) - psi_a2) ** 2 + special.polygamma(1, a + 2) - tri_a2[:, None]),
        axis=1,
    )
    return mean, (cross + diag) / (big_a * (big_a + 1))


def _nsb_nats(counts: np.ndarray, k: float) -> tuple[float, float]:
    """NSB posterior mean and std of the entropy in nats, for alphabet size k >= len(counts).

    The prior over distributions is a mixture of symmetric Dirichlet(beta) priors, weighted by
    d xi / d beta with xi(beta) = psi(K beta + 1) - psi(beta + 1) the prior mean entropy, so the
    prior on H is nearly flat on [0, log K]. The posterior over beta is
        p(beta | c) ~ dxi/dbeta * Gamma(K beta) / Gamma(N + K beta)
                      * prod_i Gamma(c_i + beta) / Gamma(beta).
    The integrals over t = log beta, from beta = 1e-12/K to 1e7 max(N, 1), are done with
    Simpson's rule (scipy) on a grid refined around the posterior's mass until at least 200
    grid points carry it.
    """
    n = float(counts.sum())
    if k == 1:  # one possible symbol: H = 0 exactly, and log K = 0 leaves no prior range
        return 0.0, 0.0
    classes, mult = np.unique(counts, return_counts=True)
    classes, mult = classes.astype(float), mult.astype(float)
    if k > len(counts):  # unseen symbols: count 0, multiplicity K - m
        classes = np.append(classes, 0.0)
        mult = np.append(mult, k - len(counts))

    def log_weight(t):
        beta = np.exp(t)[:, None]
        log_ev = (
            special.gammaln(k * beta[:, 0])
            - special.gammaln(n + k * beta[:, 0])
            + np.sum(mult * (special.gammaln(classes + beta) - special.gammaln(beta)), axis=1)
        )
        dxi = k * special.polygamma(1, k * beta[:, 0] + 1) - special.polygamma(1, beta[:, 0] + 1)
        return log_ev + np.log(np.maximum(dxi, 1e-300)) + t

    lo, hi = math.log(1e-12 / k), math.log(1e7 * max(n, 1.0))
    for _ in range(6):
        t = np.linspace(lo, hi, 2001)
        lw = log_weight(t)
        keep = np.flatnonzero(lw > lw.max() - 50.0)  # exp(-50): negligible mass outside
        if keep.size >= 200:
            break
        lo, hi = t[max(keep[0] - 1, 0)], t[min(keep[-1] + 1, t.size - 1)]
    w = np.exp(lw - lw.max())
    mean_h, second_h = _nsb_moments(np.exp(t)[:, None], classes, mult, n, k)
    z = integrate.simpson(w, x=t)
    mean = integrate.simpson(w * mean_h, x=t) / z
    second = integrate.simpson(w * second_h, x=t) / z
    return max(float(mean), 0.0), math.sqrt(max(second - mean**2, 0.0))
