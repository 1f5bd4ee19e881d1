"""The information plane of one run: points per (layer, epoch) coloured by epoch
(``information_plane``) and the per-layer paths through it (``layer_trajectories``)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import Colormap, LogNorm
from matplotlib.lines import Line2D

from ..analysis import nearest_logged_epoch, plane_runs
from ..records import InformationPlane
from ._bracket import draw_bracket
from ._conventions import (
    CEILING_SLACK_BITS,
    EPOCH_LABEL,
    LAYER_MARKERS,
    MARK_COLOUR,
    REF_COLOUR,
    _epoch_norm,
    _h_y_label_spot,
    _plain_log_ticks,
    epoch_ticks,
)
from ._uncertainty import draw_ellipses, inputs_count, plane_uncertainty


def _cmap(cmap) -> Colormap:
    return cmap if isinstance(cmap, Colormap) else matplotlib.colormaps[cmap]


def layer_handles(names: Sequence[str], markers: Sequence[str]) -> list[Line2D]:
    """Legend entries of the layers: each layer's marker, in grey."""
    return [Line2D([], [], ls="", marker=markers[l % len(markers)], color="0.35", markersize=5,
                   label=name) for l, name in enumerate(names)]


def marker_epochs(n_epochs: int, max_markers: int | None) -> np.ndarray:
    """Indices of the logged epochs that get markers: all, or at most ``max_markers`` spread
    evenly on a log scale of the index (so early, fast-moving epochs keep their share), the
    first and the last always among them."""
    if max_markers is None or n_epochs <= max_markers:
        return np.arange(n_epochs)
    picked = np.unique(np.round(np.geomspace(1, n_epochs, max_markers)).astype(int) - 1)
    return np.union1d(picked, [0, n_epochs - 1])


def _draw_paths(ax, ixt, ity, c, cm, norm) -> None:
    """Each layer's path through its logged epochs, every segment in the colour of the epoch
    it ends at, so that a layer's trajectory reads as one line."""
    n_runs, n_epochs, n_layers = ixt.shape
    if n_epochs < 2:
        return
    xy = np.stack([ixt, ity], axis=-1).transpose(0, 2, 1, 3)  # (run, layer, epoch, 2)
    segments = np.stack([xy[:, :, :-1], xy[:, :, 1:]], axis=3).reshape(-1, 2, 2)
    colour = np.tile(c[1:], n_runs * n_layers)
    ax.add_collection(LineCollection(list(segments), colors=cm(norm(colour)), linewidths=1.1,
                                     alpha=0.9, zorder=1.5))


def _draw_points(ax, ixt, ity, c, cm, norm, *, names, markers, size) -> list:
    """A thin line through the layers of each (run, epoch), under one point collection per
    layer coloured by ``c`` = epoch + 1; returns the point collections."""
    n_runs, n_epochs, n_layers = ixt.shape
    colour = np.tile(c, n_runs)
    segments = np.stack([ixt, ity], axis=-1).reshape(n_runs * n_epochs, n_layers, 2)
    ax.add_collection(LineCollection(list(segments), colors=cm(norm(colour)), linewidths=0.5,
                                     alpha=0.35, zorder=1))
    order = np.argsort(colour, kind="stable")  # later epochs on top, as in the paper
    return [ax.scatter(ixt[:, :, l].ravel()[order], ity[:, :, l].ravel()[order],
                       c=colour[order], cmap=cm, norm=norm, s=size,
                       marker=markers[l % len(markers)], linewidths=0, zorder=2,
                       label=names[l]) for l in range(n_layers)]


def _draw_marked_epoch(ax, ixt, ity, e, i: int, *, size: float, label: str) -> Line2D:
    """Ring the seed-mean layers of logged epoch ``i`` in red; returns its legend entry."""
    mx, my = ixt[:, i].mean(axis=0), ity[:, i].mean(axis=0)
    ax.plot(mx, my, color=MARK_COLOUR, lw=0.8, ls="--", zorder=3)
    # Rings a little wider than a marker, thin: the layers' own markers stay visible inside.
    ax.scatter(mx, my, s=size * 3, facecolors="none", edgecolors=MARK_COLOUR, linewidths=0.9,
               zorder=4)
    return Line2D([], [], color=MARK_COLOUR, marker="o", mfc="none", markersize=6, lw=0.8,
                  ls="--", label=f"{label} (epoch {int(e[i])})")


def _label_layers(ax, ixt, ity, names) -> None:
    """Each layer's name beside its last point (seed mean), nudged down where labels would
    overlap, so that trajectories can be told apart without the legend."""
    x, y = ixt[:, -1].mean(axis=0), ity[:, -1].mean(axis=0)
    to_pixels = ax.transData.transform
    placed: list[tuple[float, float]] = []
    step = 9.0 * ax.figure.dpi / 72.0  # one line of small text, in pixels
    for l in np.argsort(-y, kind="stable"):
        px, py = to_pixels((x[l], y[l]))
        dy = 0.0
        while any(abs(px - qx) < 4 * step and abs(py + dy - qy) < step for qx, qy in placed):
            dy -= step
        dy = max(dy, ax.bbox.y0 + 1.5 * step - py)  # never below the axes' bottom
        placed.append((px, py + dy))
        ax.annotate(names[l].split(" (")[0], (x[l], y[l]), xytext=(-4, dy * 72.0 /
                    ax.figure.dpi - 3), textcoords="offset points", ha="right", va="top",
                    fontsize="x-small", color="0.15", zorder=5)


def _draw_entropies(ax, ixt, ity, H_X, H_Y) -> None:
    """Axes from 0 to past the data and H(X), H(Y), which are drawn as labelled dashed lines;
    the y axis leaves 15% headroom above the data and H(Y), and the H(Y) label goes to an end
    of its line (above it, else below) where no data point lies under it."""
    xmax = max(float(np.nanmax(ixt)), float(H_X) if H_X is not None else 0.0, 1e-3)
    ymax = max(float(np.nanmax(ity)), float(H_Y) if H_Y is not None else 0.0, 1e-3)
    ax.set_xlim(0, xmax * 1.06)
    ax.set_ylim(0, ymax * 1.15)
    text = {"textcoords": "offset points", "fontsize": "small", "color": REF_COLOUR}
    if H_X is not None:
        ax.axvline(float(H_X), color=REF_COLOUR, ls="--", lw=0.8, zorder=0)
        ax.annotate(f"H(X) = {float(H_X):.3g} bits", (float(H_X), 0.02),
                    xycoords=ax.get_xaxis_transform(), xytext=(-2, 0), rotation=90,
                    ha="right", va="bottom", **text)
    if H_Y is not None:
        label = f"H(Y) = {float(H_Y):.3g} bits"
        ax.axhline(float(H_Y), color=REF_COLOUR, ls="--", lw=0.8, zorder=0)
        x, ha, dy, va = _h_y_label_spot(ax, ixt, ity, float(H_Y), label)
        ax.annotate(label, (x, float(H_Y)), xycoords=ax.get_yaxis_transform(),
                    xytext=(0, dy), ha=ha, va=va, **text)


def _mark_beyond_ceilings(ax, ixt, ity, H_X, H_Y, n_inputs, size: float) -> Line2D | None:
    """Ring the points above a ceiling, I(X;T) > H(X) (else log2 n, where only n is known) or
    I(T;Y) > H(Y), by more than ``CEILING_SLACK_BITS``; the legend entry counts them. No true
    value lies there: the estimator overshot (a continuous estimator on compressed codes)."""
    ceilings = []
    if H_X is not None or n_inputs:
        x_cap = float(H_X) if H_X is not None else float(np.log2(n_inputs))
        ceilings.append(("H(X)" if H_X is not None else "log2 n", ixt > x_cap
                         + CEILING_SLACK_BITS))
    if H_Y is not None:
        ceilings.append(("H(Y)", ity > float(H_Y) + CEILING_SLACK_BITS))
    over = np.zeros(ixt.shape, bool)
    for _, mask in ceilings:
        over |= mask
    if not over.any():
        return None
    ax.scatter(ixt[over], ity[over], s=size * 5, marker="s", facecolors="none",
               edgecolors=MARK_COLOUR, linewidths=0.9, zorder=4.5)
    names = " or ".join(name for name, mask in ceilings if mask.any())
    return Line2D([], [], ls="", marker="s", mfc="none", mec=MARK_COLOUR,
                  label=f"{int(over.sum())} above {names}")


def _draw_colorbar(ax, points, colorbar) -> None:
    """The "epoch + 1" colour bar of ``points``: beside ``ax`` (True) or in an Axes."""
    kw = {"cax": colorbar} if not isinstance(colorbar, bool) else {"ax": ax, "pad": 0.02}
    cbar = ax.figure.colorbar(points, **kw)
    cbar.set_label(EPOCH_LABEL)
    _plain_log_ticks(cbar.ax.yaxis)
    cbar.set_ticks(epoch_ticks(points.norm.vmin, points.norm.vmax))


def information_plane(ax, plane: InformationPlane, *, cmap="viridis",
                      norm: LogNorm | None = None, colorbar=True, mean_over_seeds: bool = True,
                      markers: Sequence[str] = LAYER_MARKERS, size: float = 14.0,
                      mark_epoch=None, mark_label: str = "marked epoch", legend: bool = True,
                      max_markers: int | None = 40, label_layers: bool = True,
                      uncertainty: bool = True):
    """The information plane in the style of Shwartz-Ziv & Tishby (2017), Figs. 2-3.

    One point per (layer, logged epoch) at (I(X;T), I(T;Y)), coloured by ``epoch + 1`` on a
    logarithmic colour scale (epoch 0, the initialisation, is then 1); each layer has its own
    marker; a thin line in the epoch's colour joins the layers of one epoch. Each layer's path
    through all logged epochs is drawn as a line; markers (and the lines across layers) are
    shown at ``max_markers`` of the logged epochs, so that hundreds of them do not merge into
    bands.

    What the plane record carries is drawn with it:

    - H(X) and H(Y) as labelled dashed lines, the upper bounds of the axes;
    - the layer names in the legend ("L1 (10)", ..., "out (2)");
    - around the points, the 95% interval of the seed mean over seeds
      (``InformationPlane.seed_intervals``, from ``MIN_SEEDS_FOR_INTERVAL`` seeds on) as
      translucent grey ellipses that merge into a band along each trajectory, else +-1
      standard error of the estimates (I_XT_stderr, I_TY_stderr; of the seed mean,
      sqrt(sum of squares) / S, when averaged), else nothing;
    - the bracket of I(T;Y) (I_TY_lower, I_TY_outside): the probe bound dotted under each
      layer, the points outside crossed out (``_bracket.draw_bracket``);
    - points above a ceiling (I(X;T) > H(X), else log2 n where only the number of inputs n
      is known from the settings; I(T;Y) > H(Y)) ringed in red and counted in the legend: no
      true value lies there.

    Args:
        ax: the Axes to draw on.
        plane: the ``InformationPlane`` (bits).
        cmap: colour map name or object for the epochs.
        norm: the colour normalisation; default ``LogNorm(1, max(epochs) + 1)``. Pass one norm
            to several planes to share their colour scale.
        colorbar: True draws a colour bar labelled "epoch + 1" beside ``ax``; an Axes draws it
            there; False draws none. The colour bar is the ``colorbar`` attribute of the first
            point collection (``ax.collections``).
        mean_over_seeds: average over the seed axis (as in the paper, 50 runs); False draws
            every run's points.
        markers: one marker per layer (cycled).
        size: point area in points^2.
        mark_epoch: an epoch to highlight (e.g. the gradient-SNR transition or early stopping):
            the nearest logged epoch (on a log scale) is ringed in red and named in the legend.
        mark_label: the legend text of the marked epoch; its epoch number is appended.
        legend: draw a legend of the layers above the axes (titled "mean of N runs" when
            averaged over more than one run).
        max_markers: at most this many logged epochs get markers (log-spaced, the first and
            last included); None marks every logged epoch.
        label_layers: write each layer's name beside its last point.
        uncertainty: draw the seed interval or the standard errors (above); False draws the
            points alone.

    Returns:
        ax.
    """
    n_seeds = plane.n_seeds
    H_X, H_Y = plane.H_X, plane.H_Y
    ixt, ity, e = plane_runs(plane.I_XT, plane.I_TY, plane.epochs,
                             mean_over_seeds=mean_over_seeds)
    names = list(plane.layer_names)
    norm = norm if norm is not None else _epoch_norm(e)
    shown = marker_epochs(e.size, max_markers)
    _draw_paths(ax, ixt, ity, e + 1.0, _cmap(cmap), norm)
    points = _draw_points(ax, ixt[:, shown], ity[:, shown], e[shown] + 1.0, _cmap(cmap), norm,
                          names=names, markers=markers, size=size)
    handles = layer_handles(names, markers)
    unc = plane_uncertainty(plane, mean_over_seeds=mean_over_seeds) if uncertainty else None
    if unc is not None:  # the axes are set by the data; a wider ellipse is clipped
        cx, cy, hx, hy, band = unc
        handles.append(draw_ellipses(ax, cx[:, shown], cy[:, shown], hx[:, shown],
                                     hy[:, shown], label=band))
    if plane.I_TY_lower is not None:
        handles += draw_bracket(ax, ixt, ity, plane.I_TY_lower, plane.I_TY_outside,
                                mean_over_seeds=mean_over_seeds)
    if mark_epoch is not None:
        i = nearest_logged_epoch(e, mark_epoch, "mark_epoch")
        handles.append(_draw_marked_epoch(ax, ixt, ity, e, i, size=size, label=mark_label))
    _draw_entropies(ax, ixt, ity, H_X, H_Y)
    beyond = _mark_beyond_ceilings(ax, ixt, ity, H_X, H_Y, inputs_count(plane), size)
    if beyond is not None:
        handles.append(beyond)
    if label_layers:
        _label_layers(ax, ixt, ity, names)
    ax.set_xlabel("I(X;T) (bits)")
    ax.set_ylabel("I(T;Y) (bits)")
    if legend:
        title = f"mean of {n_seeds} runs" if mean_over_seeds and n_seeds > 1 else None
        _plane_legend(ax, handles, title)
    if colorbar is not False and colorbar is not None:
        _draw_colorbar(ax, points[0], colorbar)
    return ax


def _plane_legend(ax, handles, title=None):
    """The legend above an information plane, in at most 4 columns and as many as fit the
    width the axes will have (70% of the figure's, beside a colour bar: a legend wider than
    its axes makes a constrained layout narrow the axes to a strip); ``ib_curve`` adds to
    it."""
    fig = ax.figure  # a subfigure's own width is what the legend must fit
    root = fig.figure or fig  # the Figure that draws it (of a subfigure, its root)
    if not hasattr(root.canvas, "get_renderer"):  # a bare Figure: measure with Agg
        FigureCanvasAgg(root)
    renderer = root.canvas.get_renderer()
    for ncols in range(min(len(handles), 4), 0, -1):
        leg = ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                        ncols=ncols, frameon=False, handletextpad=0.3, columnspacing=1.0,
                        borderaxespad=0.2, title=title, title_fontsize="small")
        if leg.get_window_extent(renderer).width <= 0.7 * fig.bbox.width:
            break
    leg.infoplane_title = title  # lets ib_curve redraw this legend with one more entry
    return leg


def layer_trajectories(ax, plane: InformationPlane, *, colors=None,
                       mean_over_seeds: bool = True, legend: bool = True):
    """One line per layer through its logged epochs in the information plane.

    The alternative view to ``information_plane``: each layer's path from the initialisation
    (an open circle) to the last logged epoch (a filled circle), in the layer's colour.

    Args:
        ax: the Axes to draw on.
        plane: the ``InformationPlane`` (bits); its layer names are the legend entries and
            H(X), H(Y) are drawn as dashed lines.
        colors: one colour per layer; default the "tab10" cycle.
        mean_over_seeds: average over the seed axis; False draws one thin line per run.
        legend: draw the legend of layers (placed where it covers the fewest points).

    Returns:
        ax.
    """
    ixt, ity, _ = plane_runs(plane.I_XT, plane.I_TY, plane.epochs,
                             mean_over_seeds=mean_over_seeds)
    n_runs, _, n_layers = ixt.shape
    names = list(plane.layer_names)
    H_X, H_Y = plane.H_X, plane.H_Y
    if colors is None:
        colors = [matplotlib.colormaps["tab10"](l % 10) for l in range(n_layers)]
    lw = 1.4 if n_runs == 1 else 0.6
    for l in range(n_layers):
        for r in range(n_runs):
            ax.plot(ixt[r, :, l], ity[r, :, l], color=colors[l], lw=lw,
                    alpha=1.0 if n_runs == 1 else 0.5, label=names[l] if r == 0 else None)
        ax.plot(ixt[:, 0, l], ity[:, 0, l], ls="", marker="o", mfc="white", mec=colors[l],
                ms=4)
        ax.plot(ixt[:, -1, l], ity[:, -1, l], ls="", marker="o", color=colors[l], ms=4)
    if H_X is not None:
        ax.axvline(float(H_X), color=REF_COLOUR, ls="--", lw=0.8, zorder=0)
    if H_Y is not None:
        ax.axhline(float(H_Y), color=REF_COLOUR, ls="--", lw=0.8, zorder=0)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("I(X;T) (bits)")
    ax.set_ylabel("I(T;Y) (bits)")
    if legend:
        ax.legend(loc="best", title="open: start, filled: end", title_fontsize="small")
    return ax
