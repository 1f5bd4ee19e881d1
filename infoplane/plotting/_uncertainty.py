"""Uncertainty on an information plane: the half-widths to draw around each plotted point
(``plane_uncertainty``), drawn as translucent error ellipses that merge into a band along each
layer's trajectory (``draw_ellipses``), and the one-line caption that names the estimator and
its settings (``estimator_caption``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.collections import EllipseCollection
from matplotlib.patches import Patch

from ..records import InformationPlane

BAND_COLOUR = "0.45"
BAND_ALPHA = 0.18
# The seed interval is drawn from 3 seeds on: with 2, Student's t is 12.7 and the interval says
# only that two seeds cannot pin the mean down (it stays in the files, not in the figure).
MIN_SEEDS_FOR_INTERVAL = 3


def _ci_half(ci: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(centre, half-width) [1, epoch, layer] of a [2, epoch, layer] interval (low, high)."""
    return (0.5 * (ci[0] + ci[1]))[None], (0.5 * np.abs(ci[1] - ci[0]))[None]


def _stderr(a: np.ndarray, mean_over_seeds: bool) -> np.ndarray:
    """Standard errors as [run, epoch, layer]: per seed, or of the seed mean when averaged
    (sqrt(sum_s se_s^2) / S, the seeds' estimates being independent)."""
    if mean_over_seeds:
        return np.sqrt((a**2).sum(axis=0, keepdims=True)) / a.shape[0]
    return a


def plane_uncertainty(plane: InformationPlane, *, mean_over_seeds: bool = True):
    """What to draw around the plotted points: the 95% interval of the seed mean (preferred,
    when the seeds are averaged and there are at least ``MIN_SEEDS_FOR_INTERVAL``) or +-1
    standard error of the estimates (the plane's I_XT_stderr, I_TY_stderr).

    Args:
        plane: the plane drawn.
        mean_over_seeds: whether the plane is drawn as the seed mean.

    Returns:
        None when nothing is given, else (centre_x, centre_y, half_x, half_y, label) with
        arrays [run, epoch, layer] (bits) and the legend text; an axis without its own
        uncertainty gets a half-width of 0.
    """
    ixt, ity, n_seeds = plane.I_XT, plane.I_TY, plane.n_seeds
    if mean_over_seeds:
        ixt, ity = ixt.mean(axis=0, keepdims=True), ity.mean(axis=0, keepdims=True)
    zero = np.zeros_like(ixt)
    if mean_over_seeds and n_seeds >= MIN_SEEDS_FOR_INTERVAL:
        ci_x, ci_y = plane.seed_intervals()
        cx, hx = _ci_half(ci_x)
        cy, hy = _ci_half(ci_y)
        return cx, cy, hx, hy, f"95% interval over {n_seeds} seeds"
    if plane.I_XT_stderr is None and plane.I_TY_stderr is None:
        return None
    hx = zero if plane.I_XT_stderr is None else _stderr(plane.I_XT_stderr, mean_over_seeds)
    hy = zero if plane.I_TY_stderr is None else _stderr(plane.I_TY_stderr, mean_over_seeds)
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


def _settings(plane: InformationPlane) -> dict:
    """The estimator's settings: those of the provenance, else the plane's."""
    settings = plane.provenance.get("settings") or plane.settings
    return dict(settings) if isinstance(settings, Mapping) else {}


def inputs_count(plane: InformationPlane) -> int | None:
    """The number of inputs n a plane was estimated on, where it says (its settings or
    provenance), else None."""
    n = _settings(plane).get("n")
    n = n if n is not None else plane.provenance.get("n")
    return int(n) if isinstance(n, (int, float)) and n > 0 else None


def estimator_caption(plane: InformationPlane) -> str | None:
    """One line naming the estimator and its settings, e.g. "binning, 30 bins on [-1, 1];
    n = 4096", from the plane's provenance (method and settings) or its own method and
    settings; None when the plane names no estimator."""
    method = plane.provenance.get("method", plane.method)
    if method is None:
        return None
    settings = _settings(plane)
    settings.pop("n", None)
    n = inputs_count(plane)
    text = _settings_text(settings) if settings else ""
    caption = f"{method}, {text}" if text else method
    return caption + (f"; n = {n}" if n is not None else "")
