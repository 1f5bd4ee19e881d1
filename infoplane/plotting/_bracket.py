"""The bracket of a plane's I(T;Y) on the plane figure: the probe bound of every layer drawn
under its trajectory, and the points outside [probe bound, H(Y)] crossed out."""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from ._conventions import MARK_COLOUR, REF_COLOUR


def _as_runs(a, mean_over_seeds: bool, reduce) -> np.ndarray:
    a = np.asarray(a)
    a = a[None] if a.ndim == 2 else a
    return reduce(a, axis=0, keepdims=True) if mean_over_seeds else a


def draw_bracket(ax, ixt: np.ndarray, ity: np.ndarray, I_TY_lower, I_TY_outside=None, *,
                 mean_over_seeds: bool = True) -> list[Line2D]:
    """Draw the probe bound of each layer as a dotted line at the layer's I(X;T), and cross out
    the points outside the bracket; returns the legend handles.

    Args:
        ax: the Axes of the plane.
        ixt, ity: [run, logged_epoch, layer] the points drawn (the seed mean when averaged).
        I_TY_lower: [seed, logged_epoch, layer] (or [logged_epoch, layer]) the probe bound,
            bits.
        I_TY_outside: the same shape, True where a point is outside its bracket; a seed-mean
            point is crossed out when any of its seeds is.
        mean_over_seeds: as the plane: average the bound over seeds.
    """
    lower = _as_runs(np.asarray(I_TY_lower, float), mean_over_seeds, np.mean)
    for r in range(ixt.shape[0]):
        for j in range(ixt.shape[2]):
            ax.plot(ixt[r, :, j], lower[r, :, j], ls=":", lw=0.9, color=REF_COLOUR, zorder=1)
    handles = [Line2D([], [], ls=":", color=REF_COLOUR, label="probe bound on I(T;Y)")]
    if I_TY_outside is None:
        return handles
    out = _as_runs(np.asarray(I_TY_outside, bool), mean_over_seeds, np.any)
    if not out.any():
        return handles
    ax.scatter(ixt[out], ity[out], marker="x", s=28, lw=1.1, color=MARK_COLOUR, zorder=5)
    return handles + [Line2D([], [], ls="", marker="x", color=MARK_COLOUR,
                             label=f"outside the bracket ({int(out.sum())})")]
