"""Uncertainty on an information plane: the half-widths to draw around each plotted point
(``plane_uncertainty``), drawn as translucent error ellipses that merge into a band along each
layer's trajectory (``draw_ellipses``), and the one-line caption that names the estimator and
its settings (``estimator_caption``)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
from matplotlib.collections import EllipseCollection
from matplotlib.patches import Patch

from .._errors import InfoplaneError

BAND_COLOUR = "0.45"
BAND_ALPHA = 0.18
# The seed interval is drawn from 3 seeds on: with 2, Student's t is 12.7 and the interval says
# only that two seeds cannot pin the mean down (it stays in the files, not in the figure).
MIN_SEEDS_FOR_INTERVAL = 3


def _ci_half(ci, name: str, shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(centre, half-width) [1, epoch, layer] of a [2, epoch, layer] interval (low, high)."""
    a = np.asarray(ci, dtype=float)
    if a.shape != (2, *shape[1:]):
        raise InfoplaneError(f"{name} must have shape [2, epoch, layer] = "
                             f"{(2, *shape[1:])} (low, high), got {a.shape}")
    return (0.5 * (a[0] + a[1]))[None], (0.5 * np.abs(a[1] - a[0]))[None]


def _stderr(se, name: str, shape: tuple, mean_over_seeds: bool) -> np.ndarray:
    """Standard errors as [run, epoch, layer]: per seed, or of the seed mean when averaged
    (sqrt(sum_s se_s^2) / S, the seeds' estimates being independent)."""
    a = np.asarray(se, dtype=float)
    a = a[None] if a.ndim == 2 else a
    if a.shape != shape:
        raise InfoplaneError(f"{name} must have the shape of the plane, {shape}, got {a.shape}")
    if mean_over_seeds:
        return np.sqrt((a**2).sum(axis=0, keepdims=True)) / a.shape[0]
    return a


def plane_uncertainty(I_XT, I_TY, *, I_XT_ci95=None, I_TY_ci95=None, I_XT_stderr=None,
                      I_TY_stderr=None, mean_over_seeds: bool = True):
    """What to draw around the plotted points: a 95% interval over seeds (preferred, when the
    seeds are averaged and there are at least ``MIN_SEEDS_FOR_INTERVAL``) or +-1 standard
    error of the estimates.

    Args:
        I_XT, I_TY: [seed, epoch, layer] (or [epoch, layer]) plane values, bits.
        I_XT_ci95, I_TY_ci95: [2, epoch, layer] low and high ends of the seed 95% interval.
        I_XT_stderr, I_TY_stderr: [seed, epoch, layer] (or [epoch, layer]) standard errors.
        mean_over_seeds: whether the plane is drawn as the seed mean.

    Returns:
        None when nothing is given, else (centre_x, centre_y, half_x, half_y, label) with
        arrays [run, epoch, layer] (bits) and the legend text; an axis without its own
        uncertainty gets a half-width of 0.
    """
    shape = np.shape(I_XT) if np.ndim(I_XT) == 3 else (1, *np.shape(I_XT))
    ixt, ity = np.reshape(I_XT, shape), np.reshape(I_TY, shape)
    n_seeds = shape[0]
    if mean_over_seeds:
        ixt, ity = ixt.mean(axis=0, keepdims=True), ity.mean(axis=0, keepdims=True)
    zero = np.zeros_like(ixt)
    given_ci = I_XT_ci95 is not None or I_TY_ci95 is not None
    if mean_over_seeds and given_ci and n_seeds >= MIN_SEEDS_FOR_INTERVAL:
        cx, hx = _ci_half(I_XT_ci95, "I_XT_ci95", shape) if I_XT_ci95 is not None else (ixt,
                                                                                        zero)
        cy, hy = _ci_half(I_TY_ci95, "I_TY_ci95", shape) if I_TY_ci95 is not None else (ity,
                                                                                        zero)
        return cx, cy, hx, hy, f"95% interval over {n_seeds} seeds"
    if I_XT_stderr is None and I_TY_stderr is None:
        return None
    hx = zero if I_XT_stderr is None else _stderr(I_XT_stderr, "I_XT_stderr", shape,
                                                  mean_over_seeds)
    hy = zero if I_TY_stderr is None else _stderr(I_TY_stderr, "I_TY_stderr", shape,
                                                  mean_over_seeds)
    return ixt, ity, hx, hy, "±1 standard error"


def draw_ellipses(ax, x, y, half_x, half_y, *, color=BAND_COLOUR, alpha: float = BAND_ALPHA,
                  label: str | None = None):
    """Axis-aligned ellipses of half-widths (half_x, half_y) in data units around the points
    (x, y) (arrays of one shape), translucent so that consecutive ellipses read as one band
    along a trajectory; NaN entries are skipped.

    Returns:
        The legend entry (a ``Patch`` labelled ``label``) or None without a label.
    """
    x, y, hx, hy = (np.ravel(np.asarray(a, dtype=float)) for a in (x, y, half_x, half_y))
    keep = np.isfinite(x) & np.isfinite(y) & np.isfinite(hx) & np.isfinite(hy)
    keep &= (hx > 0) | (hy > 0)
    if keep.any():
        ax.add_collection(EllipseCollection(
            2 * hx[keep], 2 * hy[keep], np.zeros(int(keep.sum())), units="xy",
            offsets=np.column_stack([x[keep], y[keep]]), offset_transform=ax.transData,
            facecolors=color, edgecolors="none", alpha=alpha, zorder=0.8))
    return Patch(facecolor=color, alpha=min(1.0, 2 * alpha), label=label) if label else None


def _settings_text(settings: Mapping) -> str:
    """The settings as short "name value" pairs, the binning's in words."""
    s = dict(settings)
    if {"n_bins", "low", "high"} <= s.keys() and s.get("rule", "fixed") == "fixed":
        text = [f"{s.pop('n_bins')} bins on [{s.pop('low'):g}, {s.pop('high'):g}]"]
        s.pop("rule", None)
    elif "n_bins" in s and s.get("rule") == "layer":
        text = [f"{s.pop('n_bins')} bins over each layer's range"]
        for k in ("rule", "low", "high"):
            s.pop(k, None)
    else:
        text = []
    text += [f"{k.replace('_', ' ')} {v:.3g}" if isinstance(v, float) else
             f"{k.replace('_', ' ')} {v}" for k, v in s.items()
             if v is not None and not isinstance(v, (list, tuple, dict))]  # not its warnings
    return ", ".join(text)


def _json(value) -> dict:
    if isinstance(value, Mapping):
        return dict(value)
    try:
        loaded = json.loads(str(np.asarray(value).item() if np.ndim(value) == 0 else value))
    except (ValueError, TypeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def inputs_count(info: Mapping) -> int | None:
    """The number of inputs n a plane was estimated on, where ``info`` says it (its settings
    or provenance), else None."""
    prov = _json(info["provenance"]) if "provenance" in info else {}
    settings = prov.get("settings") or _json(info.get("settings", "{}"))
    n = settings.get("n") if isinstance(settings, dict) else None
    n = n if n is not None else prov.get("n")
    return int(n) if isinstance(n, (int, float)) and n > 0 else None


def estimator_caption(info: Mapping) -> str | None:
    """One line naming the estimator and its settings, e.g. "binning, 30 bins on [-1, 1];
    n = 4096", from ``info["provenance"]`` (a JSON record with "method" and "settings") or
    ``info["method"]`` and ``info["settings"]``; None when ``info`` names no estimator."""
    prov = _json(info["provenance"]) if "provenance" in info else {}
    method = prov.get("method", info.get("method"))
    if method is None:
        return None
    method = str(np.asarray(method).item() if np.ndim(method) == 0 else method)
    settings = prov.get("settings") or _json(info.get("settings", "{}"))
    if isinstance(settings, dict):
        settings.pop("n", None)
    n = inputs_count(info)
    text = _settings_text(settings) if settings else ""
    caption = f"{method}, {text}" if text else method
    return caption + (f"; n = {n}" if n is not None else "")
