"""The bracket of I(X;T) for a layer with Gaussian noise: the Kolchinsky-Tracey pair.

For a network whose measured layer is T = f(X) + N(0, s2 I), with X uniform over the n inputs,
T given the inputs is a mixture of n Gaussians, and I(X;T) = H(T) - H(T | X) lies between the
pairwise-distance bounds of Kolchinsky & Tracey (2017, Entropy 19:361):

    I_XT_lower = -(1/n) sum_i log (1/n) sum_j exp(-||f_i - f_j||^2 / (8 s2))  (Bhattacharyya)
    I_XT_upper = -(1/n) sum_i log (1/n) sum_j exp(-||f_i - f_j||^2 / (2 s2))  (KL)

(``estimators.kde``, exact: every pair of rows), in bits, with f_i the layer's noise-free values.
Both are in [0, log2 n]. They bound the true I(X;T) of the noisy layer, so an estimator of it
(e.g. the "compressed" plane's) should lie between them; points outside by more than twice their
standard error + 0.01 bit are marked, as for I(T;Y) (``_stats.outside_bracket``).
"""

from __future__ import annotations

import numbers

import numpy as np

from .._errors import InfoplaneError
from ._methods import layer_plane


def check_network_noise(noise_var, n_layers: int) -> list[float] | None:
    """``network_noise_var`` as one variance per layer (None stays None), or a clear error."""
    if noise_var is None:
        return None
    values = list(noise_var) if isinstance(noise_var, (list, tuple, np.ndarray)) else \
        [noise_var] * n_layers
    if len(values) != n_layers:
        raise InfoplaneError(f"network_noise_var needs one variance per layer ({n_layers}), got "
                             f"{len(values)}", usage=True)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v) \
                or v <= 0:
            raise InfoplaneError("network_noise_var must be a positive number (the variance of "
                                 f"the Gaussian noise in a measured layer), got {v!r}", usage=True)
    return [float(v) for v in values]


def noisy_layer_bracket(flat: np.ndarray, codes: np.ndarray, n_classes: int, noise_var: float,
                        li: int, n_seeds: int) -> tuple[np.ndarray, np.ndarray]:
    """(I_XT_lower, I_XT_upper), each [B] in bits, of the items flat [B, n, w] (the layer's
    noise-free values) with noise of variance ``noise_var`` (module docstring)."""
    scratch: dict = {}
    lower = layer_plane(flat, codes, n_classes, "kde_lower", {"noise_var": noise_var}, li,
                        scratch, n_seeds)[0]
    upper = layer_plane(flat, codes, n_classes, "kde_upper", {"noise_var": noise_var}, li,
                        scratch, n_seeds)[0]
    return np.asarray(lower, np.float64), np.asarray(upper, np.float64)
