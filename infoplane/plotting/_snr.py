"""The drift-to-diffusion transition read from the gradient signal-to-noise ratio:
``detect_snr_transition`` (one rule) and ``find_snr_transition`` (crossing, else midpoint)."""

from __future__ import annotations

import numpy as np

from .._errors import InfoplaneError
from ._conventions import _epochs, _runs, _same_shape


def _smooth(v: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average over ``window`` neighbours; the ends repeat the edge value."""
    if window <= 1:
        return v
    half = window // 2
    padded = np.pad(v, (half, window - 1 - half), mode="edge")
    return np.convolve(padded, np.ones(window) / window, mode="valid")


def detect_snr_transition(epochs, grad_mean, grad_std, *, threshold: float = 1.0,
                          window: int = 5, method: str = "crossing") -> int:
    """The epoch at which training switches from drift to diffusion (Shwartz-Ziv & Tishby).

    The signal-to-noise ratio of layer l at logged epoch t is
    ``SNR_l(t) = grad_mean_l(t) / grad_std_l(t)``, each averaged over seeds first. Its
    geometric mean over layers, ``log S(t) = mean_l log SNR_l(t)``, is smoothed by a centred
    moving average over ``window`` logged epochs (edges repeat the end values). Then:

    * ``method="crossing"`` (the paper's reading of Fig. 4): the first logged epoch from which
      the smoothed S stays below ``threshold`` to the end, having been at or above it just
      before. A centred window keeps a sharp drop where it is.
    * ``method="midpoint"``: the first logged epoch after the peak of the smoothed S at which
      S has fallen to the geometric midpoint between that peak and the lowest S after it,
      ``sqrt(S_peak * S_min)``. A threshold-free reading of the same drop, for runs whose
      layer-averaged SNR stays below 1 throughout (the first layers of the 12-10-7-5-4-3-2
      network often do); it is robust to the noisy SNR of the late diffusion phase, where
      the point of steepest fall is not.

    Args:
        epochs: [logged_epoch].
        grad_mean, grad_std: [seed, logged_epoch, layer] or [logged_epoch, layer].
        threshold: the SNR that separates the phases (1: mean as large as the fluctuation).
        window: the smoothing width in logged epochs (1 = none).
        method: "crossing" or "midpoint".

    Returns:
        The transition epoch, one of ``epochs``.

    Raises:
        InfoplaneError: on mismatched shapes, or when the chosen rule finds no transition.
    """
    if method not in ("crossing", "midpoint"):
        raise InfoplaneError(f"method must be 'crossing' or 'midpoint', got {method!r}")
    if int(window) < 1:
        raise InfoplaneError(f"window must be a positive number of logged epochs, got {window}")
    e = _epochs(epochs)
    gm = _runs("grad_mean", grad_mean, e.size, per_layer=True).mean(axis=0)
    gs = _runs("grad_std", grad_std, e.size, per_layer=True).mean(axis=0)
    _same_shape(grad_mean=gm, grad_std=gs)
    tiny = np.finfo(float).tiny
    log_snr = np.log(np.maximum(gm, tiny)) - np.log(np.maximum(gs, tiny))
    s = _smooth(log_snr.mean(axis=1), int(window))
    if method == "crossing":
        below = s < np.log(threshold)
        # Index from which every later value is below: one past the last value at or above.
        above = np.flatnonzero(~below)
        if above.size == 0 or above[-1] == e.size - 1:
            state = (f"is below {threshold:g} throughout" if above.size == 0
                     else f"is still at or above {threshold:g} at the last logged epoch")
            raise InfoplaneError(
                f"no SNR transition: the smoothed gradient SNR {state}; "
                "try method='midpoint' or another threshold")
        return int(e[above[-1] + 1])
    peak = int(np.argmax(s))
    if peak >= e.size - 1 or s[peak + 1:].min() >= s[peak]:
        raise InfoplaneError("no SNR transition: the smoothed gradient SNR does not fall after "
                             "its maximum; train longer")
    middle = 0.5 * (s[peak] + s[peak + 1:].min())
    return int(e[peak + 1 + int(np.argmax(s[peak + 1:] <= middle))])


def find_snr_transition(epochs, grad_mean, grad_std) -> tuple[int | None, str]:
    """The drift-to-diffusion epoch and how it was found: the "crossing" rule of
    ``detect_snr_transition`` if the SNR does cross 1, else its "midpoint" rule; (None, reason)
    when neither applies."""
    try:
        return detect_snr_transition(epochs, grad_mean, grad_std), "SNR transition"
    except InfoplaneError:
        pass
    try:
        return (detect_snr_transition(epochs, grad_mean, grad_std, method="midpoint"),
                "SNR drop midpoint")
    except InfoplaneError as err:
        return None, str(err)
