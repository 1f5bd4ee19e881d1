"""The brackets of a plane's points on the plane figure: the probe bound of every layer's
I(T;Y) drawn under its trajectory, for a noisy network the Kolchinsky-Tracey bounds on I(X;T)
beside it, and the points outside a bracket crossed out."""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from ._conventions import MARK_COLOUR, REF_COLOUR


def _as_runs(a, mean_over_seeds: bool, reduce) -> np.ndarray:
    a = np.asarray(a)
    a = a[None] if a.ndim == 2 else a
    return reduce(a, axis=0, keepdims=True) if mean_over_seeds else a


def draw_bracket(ax, ixt: np.ndarray, ity: np.ndarray, I_TY_lower, I_TY_outside=None, *,
                 mean_over_seeds: bool = True, I_XT_lower=None, I_XT_upper=None,
                 I_XT_outside=None) -> list[Line2D]:
    """Draw the probe bound of each layer as a dotted line at the layer's I(X;T), for a noisy
    network the Kolchinsky-Tracey bounds on I(X;T) as dashed lines at the layer's I(T;Y), and
    cross out the points outside either bracket; returns the legend handles.

    Args:
        ax: the Axes of the plane.
        ixt, ity: [run, logged_epoch, layer] the points drawn (the seed mean when averaged).
        I_TY_lower: [seed, logged_epoch, layer] (or [logged_epoch, layer]) the probe bound,
            bits; or None.
        I_TY_outside: the same shape, True where a point is outside its bracket; a seed-mean
            point is crossed out when any of its seeds is.
        mean_over_seeds: as the plane: average the bounds over seeds.
        I_XT_lower, I_XT_upper, I_XT_outside: the same for I(X;T) (None: not drawn).
    """
    handles = []
    if I_TY_lower is not None:
        lower = _as_runs(np.asarray(I_TY_lower, float), mean_over_seeds, np.mean)
        for r in range(ixt.shape[0]):
            for j in range(ixt.shape[2]):
                ax.plot(ixt[r, :, j], lower[r, :, j], ls=":", lw=0.9, color=REF_COLOUR,
                        zorder=1)
        handles.append(Line2D([], [], ls=":", color=REF_COLOUR, label="probe bound on I(T;Y)"))
    if I_XT_lower is not None:
        for bound in (I_XT_lower, I_XT_upper):
            xs = _as_runs(np.asarray(bound, float), mean_over_seeds, np.mean)
            for r in range(ixt.shape[0]):
                for j in range(ixt.shape[2]):
                    ax.plot(xs[r, :, j], ity[r, :, j], ls="--", lw=0.8, color=REF_COLOUR,
                            zorder=1)
        handles.append(Line2D([], [], ls="--", color=REF_COLOUR,
                              label="KT bounds on I(X;T)"))
    marks = [np.asarray(m, bool) for m in (I_TY_outside, I_XT_outside) if m is not None]
    if not marks:
        return handles
    out = _as_runs(np.logical_or.reduce(marks), mean_over_seeds, np.any)
    if not out.any():
        return handles
    ax.scatter(ixt[out], ity[out], marker="x", s=28, lw=1.1, color=MARK_COLOUR, zorder=5)
    return handles + [Line2D([], [], ls="", marker="x", color=MARK_COLOUR,
                             label=f"outside the bracket ({int(out.sum())})")]
