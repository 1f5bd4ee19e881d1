"""Figures of a run: the information plane, losses and accuracies, the gradient signal-to-noise.

Every plot function takes a matplotlib ``Axes`` first, draws on it and returns it; nothing
here opens a window or changes ``rcParams`` for good (``run_figures`` draws inside
``paper_style()``, an ``rc_context`` restored on exit). Figures are built with
``matplotlib.figure.Figure`` directly, without pyplot, so they work headless and leak no
figures. Note that ``rcParams`` are process-wide, so while ``paper_style`` is active another
thread drawing figures sees its font sizes too.

Arrays are those of ``infoplane.experiment.train`` / ``information.npz``: ``I_XT`` and ``I_TY``
[seed, logged_epoch, layer] in bits (a missing seed axis, [logged_epoch, layer], is one run),
``epochs`` [logged_epoch], losses in bits and accuracies [seed, logged_epoch], gradient
statistics [seed, logged_epoch, layer].

Epoch 0 is a logged epoch (the initialisation), so every logarithmic epoch scale (the colour
of the information plane, the x axis of the loss and gradient plots) shows ``epoch + 1`` and
says so in its label.

Reference: R. Shwartz-Ziv and N. Tishby, "Opening the black box of deep neural networks via
information" (2017), Figs. 2-4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Colormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullFormatter

from ._errors import InfoplaneError
from .runs import atomic_write_bytes

__all__ = [
    "information_plane", "layer_trajectories", "loss_accuracy", "gradient_snr",
    "detect_snr_transition", "information_plane_grid", "ib_curve", "save_figure",
    "run_figures", "paper_style",
]

EPOCH_LABEL = "epoch + 1"
LAYER_MARKERS = ("o", "s", "^", "D", "v", "p", "h", "<", ">", "*")
MARK_COLOUR = "#d62728"
REF_COLOUR = "0.45"

# Sizes for a figure about 5 inches wide, printed at 80-100% in a paper.
_PAPER_RC = {
    "font.size": 9, "axes.labelsize": 9, "axes.titlesize": 9, "legend.fontsize": 7.5,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.frameon": False,
    "savefig.dpi": 150, "figure.dpi": 100,
}


def paper_style():
    """A context manager with font sizes for paper figures (``matplotlib.rc_context``)."""
    return matplotlib.rc_context(_PAPER_RC)


# --------------------------------------------------------------------------- validation

def _epochs(epochs) -> np.ndarray:
    e = np.asarray(epochs)
    if e.ndim != 1 or e.size == 0:
        raise InfoplaneError(f"epochs must be a non-empty 1-D array, got shape {e.shape}")
    if not np.issubdtype(e.dtype, np.number) or np.any(e < 0):
        raise InfoplaneError("epochs must be non-negative numbers (epoch 0 = initialisation)")
    return e


def _runs(name: str, a, n_epochs: int, per_layer: bool) -> np.ndarray:
    """``a`` as [seed, epoch, layer] (``per_layer``) or [seed, epoch]; adds a missing seed axis."""
    a = np.asarray(a, dtype=float)
    want = 3 if per_layer else 2
    if a.ndim == want - 1:
        a = a[None]
    shape = "[seed, epoch, layer] or [epoch, layer]" if per_layer else "[seed, epoch] or [epoch]"
    if a.ndim != want:
        raise InfoplaneError(f"{name} must have shape {shape}, got {np.shape(a)}")
    if a.shape[1] != n_epochs:
        raise InfoplaneError(
            f"{name} has {a.shape[1]} logged epochs on its epoch axis but epochs has "
            f"{n_epochs}; pass the epochs array of the same run")
    return a


def _same_shape(**arrays) -> None:
    shapes = {k: v.shape for k, v in arrays.items()}
    if len(set(shapes.values())) > 1:
        text = ", ".join(f"{k} {s}" for k, s in shapes.items())
        raise InfoplaneError(f"shapes do not match: {text}; they must come from the same run")


def _names(layer_names, n_layers: int) -> list[str]:
    if layer_names is None:
        return [f"layer {i + 1}" for i in range(n_layers)]
    names = [str(n) for n in np.asarray(layer_names).ravel()]
    if len(names) != n_layers:
        raise InfoplaneError(f"{len(names)} layer_names given for {n_layers} layers")
    return names


def _plane(I_XT, I_TY, epochs, mean_over_seeds: bool):
    """Validated plane arrays as [run, epoch, layer] (one run when averaged) and epochs."""
    e = _epochs(epochs)
    ixt = _runs("I_XT", I_XT, e.size, per_layer=True)
    ity = _runs("I_TY", I_TY, e.size, per_layer=True)
    _same_shape(I_XT=ixt, I_TY=ity)
    if mean_over_seeds:
        ixt, ity = ixt.mean(axis=0, keepdims=True), ity.mean(axis=0, keepdims=True)
    return ixt, ity, e


def _cmap(cmap) -> Colormap:
    return cmap if isinstance(cmap, Colormap) else matplotlib.colormaps[cmap]


def _epoch_norm(*epoch_arrays) -> LogNorm:
    top = max(float(np.max(e)) for e in epoch_arrays) + 1.0
    return LogNorm(vmin=1.0, vmax=max(top, 2.0))


def _plain_log_ticks(axis) -> None:
    """Label a log axis 1, 10, 100, ... instead of 10^0, 10^1, ..."""
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def _nearest_logged(epochs: np.ndarray, epoch) -> int:
    """Index of the logged epoch nearest to ``epoch`` on a log(epoch + 1) scale."""
    if not np.isfinite(epoch) or epoch < 0:
        raise InfoplaneError(f"mark_epoch must be a non-negative epoch, got {epoch!r}")
    return int(np.argmin(np.abs(np.log1p(epochs) - np.log1p(epoch))))


# --------------------------------------------------------------------------- the plane

def information_plane(ax, I_XT, I_TY, epochs, *, H_X=None, H_Y=None, layer_names=None,
                      cmap="viridis", norm: LogNorm | None = None, colorbar=True,
                      mean_over_seeds: bool = True, markers: Sequence[str] = LAYER_MARKERS,
                      size: float = 14.0, mark_epoch=None, mark_label: str = "marked epoch",
                      legend: bool = True):
    """The information plane in the style of Shwartz-Ziv & Tishby (2017), Figs. 2-3.

    One point per (layer, logged epoch) at (I(X;T), I(T;Y)), coloured by ``epoch + 1`` on a
    logarithmic colour scale (epoch 0, the initialisation, is then 1); each layer has its own
    marker; a thin line in the epoch's colour joins the layers of one epoch.

    Args:
        ax: the Axes to draw on.
        I_XT, I_TY: [seed, logged_epoch, layer] or [logged_epoch, layer], bits.
        epochs: [logged_epoch] the logged epochs.
        H_X, H_Y: entropies (bits) drawn as labelled dashed lines, the upper bounds of the axes.
        layer_names: [layer] names for the legend ("L1 (10)", ..., "out (2)").
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

    Returns:
        ax.
    """
    n_seeds = np.shape(I_XT)[0] if np.ndim(I_XT) == 3 else 1
    ixt, ity, e = _plane(I_XT, I_TY, epochs, mean_over_seeds)
    n_runs, n_epochs, n_layers = ixt.shape
    names = _names(layer_names, n_layers)
    cm = _cmap(cmap)
    norm = norm if norm is not None else _epoch_norm(e)
    c = e + 1.0

    # One polyline through the layers per (run, epoch), drawn under the points.
    segments = np.stack([ixt, ity], axis=-1).reshape(n_runs * n_epochs, n_layers, 2)
    lines = LineCollection(segments, colors=cm(norm(np.tile(c, n_runs))),
                           linewidths=0.5, alpha=0.45, zorder=1)
    ax.add_collection(lines)
    # Later epochs are drawn on top, as in the paper.
    order = np.argsort(np.tile(c, n_runs), kind="stable")
    points = []
    for l in range(n_layers):
        x = ixt[:, :, l].ravel()[order]
        y = ity[:, :, l].ravel()[order]
        points.append(ax.scatter(x, y, c=np.tile(c, n_runs)[order], cmap=cm, norm=norm,
                                 s=size, marker=markers[l % len(markers)], linewidths=0,
                                 zorder=2, label=names[l]))

    handles = [Line2D([], [], ls="", marker=markers[l % len(markers)], color="0.35",
                      markersize=5, label=names[l]) for l in range(n_layers)]
    if mark_epoch is not None:
        i = _nearest_logged(e, mark_epoch)
        mx, my = ixt[:, i].mean(axis=0), ity[:, i].mean(axis=0)
        ax.plot(mx, my, color=MARK_COLOUR, lw=1.0, zorder=3)
        ax.scatter(mx, my, s=size * 5, facecolors="none", edgecolors=MARK_COLOUR,
                   linewidths=1.2, zorder=4)
        handles.append(Line2D([], [], color=MARK_COLOUR, marker="o", mfc="none", markersize=7,
                              lw=1.0, label=f"{mark_label} (epoch {int(e[i])})"))

    xmax = max(float(np.nanmax(ixt)), float(H_X) if H_X is not None else 0.0, 1e-3)
    ymax = max(float(np.nanmax(ity)), float(H_Y) if H_Y is not None else 0.0, 1e-3)
    ax.set_xlim(0, xmax * 1.06)
    ax.set_ylim(0, ymax * 1.1)
    if H_X is not None:
        ax.axvline(float(H_X), color=REF_COLOUR, ls="--", lw=0.8, zorder=0)
        ax.annotate(f"H(X) = {float(H_X):.3g} bits", (float(H_X), 0.02),
                    xycoords=ax.get_xaxis_transform(), xytext=(-2, 0),
                    textcoords="offset points", rotation=90, ha="right", va="bottom",
                    fontsize="small", color=REF_COLOUR)
    if H_Y is not None:
        ax.axhline(float(H_Y), color=REF_COLOUR, ls="--", lw=0.8, zorder=0)
        ax.annotate(f"H(Y) = {float(H_Y):.3g} bits", (0.01, float(H_Y)),
                    xycoords=ax.get_yaxis_transform(), xytext=(0, 2),
                    textcoords="offset points", ha="left", va="bottom", fontsize="small",
                    color=REF_COLOUR)
    ax.set_xlabel("I(X;T) (bits)")
    ax.set_ylabel("I(T;Y) (bits)")
    if legend:
        title = f"mean of {n_seeds} runs" if mean_over_seeds and n_seeds > 1 else None
        _plane_legend(ax, handles, title)
    if colorbar is not False and colorbar is not None:
        kw = {"cax": colorbar} if not isinstance(colorbar, bool) else {"ax": ax, "pad": 0.02}
        cbar = ax.figure.colorbar(points[0], **kw)
        cbar.set_label(EPOCH_LABEL)
        _plain_log_ticks(cbar.ax.yaxis)
    return ax


def _plane_legend(ax, handles, title=None):
    """The legend above an information plane; ``ib_curve`` adds to it."""
    leg = ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                    ncols=min(len(handles), 4), frameon=False, handletextpad=0.3,
                    columnspacing=1.0, borderaxespad=0.2, title=title, title_fontsize="small")
    leg.infoplane_title = title  # lets ib_curve redraw this legend with one more entry
    return leg


def layer_trajectories(ax, I_XT, I_TY, epochs, *, layer_names=None, H_X=None, H_Y=None,
                       colors=None, mean_over_seeds: bool = True, legend: bool = True):
    """One line per layer through its logged epochs in the information plane.

    The alternative view to ``information_plane``: each layer's path from the initialisation
    (an open circle) to the last logged epoch (a filled circle), in the layer's colour.

    Args:
        ax: the Axes to draw on.
        I_XT, I_TY: [seed, logged_epoch, layer] or [logged_epoch, layer], bits.
        epochs: [logged_epoch].
        layer_names: [layer] legend entries.
        H_X, H_Y: entropies (bits) drawn as dashed lines.
        colors: one colour per layer; default the "tab10" cycle.
        mean_over_seeds: average over the seed axis; False draws one thin line per run.
        legend: draw the legend of layers (placed where it covers the fewest points).

    Returns:
        ax.
    """
    ixt, ity, _ = _plane(I_XT, I_TY, epochs, mean_over_seeds)
    n_runs, _, n_layers = ixt.shape
    names = _names(layer_names, n_layers)
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


# --------------------------------------------------------------------------- training curves

def _mean_band(ax, x, runs, band: str, color, label: str, ls="-"):
    mean = runs.mean(axis=0)
    ax.plot(x, mean, color=color, ls=ls, lw=1.3, label=label)
    if runs.shape[0] > 1:
        if band == "std":
            lo, hi = mean - runs.std(axis=0), mean + runs.std(axis=0)
        else:
            lo, hi = runs.min(axis=0), runs.max(axis=0)
        ax.fill_between(x, lo, hi, color=color, alpha=0.2, lw=0)


def loss_accuracy(ax, epochs, train_loss, test_loss, train_acc, test_acc, *, mark_epoch=None,
                  mark_label: str = "marked epoch", band: str = "range"):
    """Cross-entropy (bits, left axis) and accuracy (right axis) against log epochs.

    Args:
        ax: the Axes for the losses; a twin Axes on the right holds the accuracies.
        epochs: [logged_epoch]; the x axis is ``epoch + 1`` on a log scale.
        train_loss, test_loss: [seed, logged_epoch] or [logged_epoch], cross-entropy in bits.
        train_acc, test_acc: [seed, logged_epoch] or [logged_epoch], fractions in [0, 1].
        mark_epoch: an epoch marked by a dotted vertical line (e.g. the SNR transition).
        mark_label: its legend text; the epoch number is appended.
        band: with a seed axis, the mean is drawn with a shaded band over the runs: "range"
            (min..max) or "std" (mean +- one standard deviation).

    Returns:
        (ax, ax_twin): the loss Axes and the accuracy Axes.
    """
    if band not in ("range", "std"):
        raise InfoplaneError(f"band must be 'range' or 'std', got {band!r}")
    e = _epochs(epochs)
    arrays = {k: _runs(k, v, e.size, per_layer=False) for k, v in [
        ("train_loss", train_loss), ("test_loss", test_loss), ("train_acc", train_acc),
        ("test_acc", test_acc)]}
    _same_shape(**arrays)
    x = e + 1.0
    loss_c, acc_c = "C0", "C3"
    _mean_band(ax, x, arrays["train_loss"], band, loss_c, "train loss")
    _mean_band(ax, x, arrays["test_loss"], band, loss_c, "test loss", ls="--")
    twin = ax.twinx()
    _mean_band(twin, x, arrays["train_acc"], band, acc_c, "train accuracy")
    _mean_band(twin, x, arrays["test_acc"], band, acc_c, "test accuracy", ls="--")
    ax.set_xscale("log")
    _plain_log_ticks(ax.xaxis)
    ax.set_xlim(x[0], x[-1])
    ax.set_xlabel(EPOCH_LABEL)
    ax.set_ylabel("cross-entropy loss (bits)", color=loss_c)
    twin.set_ylabel("accuracy", color=acc_c)
    ax.set_ylim(bottom=0)
    twin.set_ylim(min(0.5, float(np.nanmin(arrays["test_acc"]))) - 0.02, 1.01)
    ax.tick_params(axis="y", colors=loss_c)
    twin.tick_params(axis="y", colors=acc_c)
    if mark_epoch is not None:
        ax.axvline(float(mark_epoch) + 1, color="0.2", ls=":", lw=1.0,
                   label=f"{mark_label} (epoch {int(mark_epoch)})")
    # Columns fill first: losses, then accuracies, then the marked epoch.
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = twin.get_legend_handles_labels()
    handles = h1[:2] + h2 + h1[2:]
    labels = l1[:2] + l2 + l1[2:]
    ax.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0),
              ncols=-(-len(handles) // 2), frameon=False, borderaxespad=0.2,
              columnspacing=1.5)
    return ax, twin


def gradient_snr(ax, epochs, grad_mean, grad_std, layer_names=None, *, transition_epoch=None,
                 transition_label: str = "transition", colors=None, legend: bool = True):
    """Per-layer gradient mean and fluctuation, log-log, as Shwartz-Ziv & Tishby (2017) Fig. 4.

    For each layer, the norm of the mean weight gradient over an epoch's batches (solid) and
    the root of the trace of their covariance (dashed), in the same colour; averaged over
    seeds. Their ratio is the gradient signal-to-noise ratio: high in the "drift" phase,
    about 1 or below in the "diffusion" phase.

    Args:
        ax: the Axes to draw on.
        epochs: [logged_epoch]; the x axis is ``epoch + 1``.
        grad_mean, grad_std: [seed, logged_epoch, layer] or [logged_epoch, layer], in bits per
            unit weight (the loss is in bits).
        layer_names: [layer] legend entries.
        transition_epoch: an epoch marked by a vertical line (e.g. ``detect_snr_transition``).
        transition_label: its legend text; the epoch number is appended.
        colors: one colour per layer; default the "tab10" cycle.
        legend: draw the legend (layers, then line styles) to the right of the axes.

    Returns:
        ax.
    """
    e = _epochs(epochs)
    gm = _runs("grad_mean", grad_mean, e.size, per_layer=True)
    gs = _runs("grad_std", grad_std, e.size, per_layer=True)
    _same_shape(grad_mean=gm, grad_std=gs)
    names = _names(layer_names, gm.shape[2])
    if colors is None:
        colors = [matplotlib.colormaps["tab10"](l % 10) for l in range(gm.shape[2])]
    x = e + 1.0
    # Zeros cannot be drawn on a log axis; matplotlib masks them, and so do we, silently.
    gm_mean = np.where(gm.mean(axis=0) > 0, gm.mean(axis=0), np.nan)
    gs_mean = np.where(gs.mean(axis=0) > 0, gs.mean(axis=0), np.nan)
    layers = []
    for l, name in enumerate(names):
        ax.plot(x, gm_mean[:, l], color=colors[l], lw=1.2)
        ax.plot(x, gs_mean[:, l], color=colors[l], lw=1.0, ls="--")
        layers.append(Line2D([], [], color=colors[l], lw=1.5, label=name))
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax.xaxis)
    ax.set_xlim(x[0], x[-1])
    ax.set_xlabel(EPOCH_LABEL)
    ax.set_ylabel("gradient of the loss (nats) per weight")
    styles = [Line2D([], [], color="0.3", lw=1.2, label="mean (norm)"),
              Line2D([], [], color="0.3", lw=1.0, ls="--", label="std (fluctuation)")]
    if transition_epoch is not None:
        ax.axvline(float(transition_epoch) + 1, color="0.15", ls=":", lw=1.2)
        styles.append(Line2D([], [], color="0.15", ls=":", lw=1.2,
                             label=f"{transition_label}\n(epoch {int(transition_epoch)})"))
    if legend:
        ax.legend(handles=layers + styles, loc="center left", bbox_to_anchor=(1.0, 0.5),
                  frameon=False, handlelength=2.2)
    return ax


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


# --------------------------------------------------------------------------- comparisons

def information_plane_grid(fig, planes: Mapping[str, tuple], *, ncols: int | None = None,
                           H_X=None, H_Y=None, layer_names=None, cmap="viridis",
                           sharey: bool = True, **plane_kw):
    """Several information planes side by side with one shared, logarithmic epoch colour bar.

    For comparisons such as estimators (binning vs KDE) or activations (tanh vs ReLU).

    Args:
        fig: the Figure to draw in (best with ``layout="constrained"``).
        planes: title -> (I_XT, I_TY, epochs), each as for ``information_plane``.
        ncols: panels per row; default all in one row.
        H_X, H_Y, layer_names, cmap: as for ``information_plane``, the same for all panels.
        sharey: share the I(T;Y) axis between panels.
        **plane_kw: further arguments of ``information_plane`` (mark_epoch, size, ...).

    Returns:
        The Axes as a 2-D object array [row, column]; unused cells are removed.
    """
    if not planes:
        raise InfoplaneError("planes is empty; give at least one title -> (I_XT, I_TY, epochs)")
    for title, value in planes.items():
        if not isinstance(value, tuple | list) or len(value) != 3:
            raise InfoplaneError(f"planes[{title!r}] must be a tuple (I_XT, I_TY, epochs)")
    n = len(planes)
    ncols = n if ncols is None else max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=sharey)
    norm = _epoch_norm(*(_epochs(p[2]) for p in planes.values()))
    for k, (title, (ixt, ity, ep)) in enumerate(planes.items()):
        ax = axes.flat[k]
        information_plane(ax, ixt, ity, ep, H_X=H_X, H_Y=H_Y, layer_names=layer_names,
                          cmap=cmap, norm=norm, colorbar=False, legend=False, **plane_kw)
        ax.set_title(title)
        if sharey and k % ncols:
            ax.set_ylabel("")
    for ax in axes.flat[n:]:
        ax.remove()
    used = list(axes.flat[:n])
    # Same limits everywhere, so the panels compare at a glance.
    ax0 = used[0]
    ax0.set_xlim(0, max(a.get_xlim()[1] for a in used))
    ax0.set_ylim(0, max(a.get_ylim()[1] for a in used))
    for a in used[1:]:
        a.set_xlim(ax0.get_xlim())
        a.set_ylim(ax0.get_ylim())
    mappable = next(c for c in ax0.collections if c.get_array() is not None
                    and not isinstance(c, LineCollection))
    cbar = fig.colorbar(mappable, ax=used, pad=0.02)
    cbar.set_label(EPOCH_LABEL)
    _plain_log_ticks(cbar.ax.yaxis)
    markers = plane_kw.get("markers", LAYER_MARKERS)
    names = _names(layer_names, np.shape(next(iter(planes.values()))[0])[-1])
    handles = [Line2D([], [], ls="", marker=markers[l % len(markers)], color="0.35",
                      markersize=5, label=name) for l, name in enumerate(names)]
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 6),
               frameon=False)
    return axes


def ib_curve(ax, r_bits, ty_bits, *, label: str = "IB curve", color="black", **line_kw):
    """Overlay an information-bottleneck curve: the best I(T;Y) for each I(X;T), both bits.

    If the Axes already has a legend (e.g. from ``information_plane``), the curve is added
    to it.

    Args:
        ax: the Axes (usually an information plane).
        r_bits: [n] I(X;T) values, bits.
        ty_bits: [n] the matching I(T;Y) values, bits; the pairs are drawn sorted by I(X;T).
        label: legend text.
        color: line colour.
        **line_kw: further ``Axes.plot`` arguments.

    Returns:
        ax.
    """
    r = np.asarray(r_bits, dtype=float)
    t = np.asarray(ty_bits, dtype=float)
    if r.ndim != 1 or r.shape != t.shape:
        raise InfoplaneError(
            f"r_bits and ty_bits must be 1-D of the same length, got {r.shape} and {t.shape}")
    order = np.argsort(r, kind="stable")
    kw = {"lw": 1.2, "ls": "-", "zorder": 5} | line_kw
    (line,) = ax.plot(r[order], t[order], color=color, label=label, **kw)
    old = ax.get_legend()
    if old is not None and hasattr(old, "infoplane_title"):
        _plane_legend(ax, [*old.legend_handles, line], old.infoplane_title)
    elif old is not None:
        ax.legend()
    return ax


# --------------------------------------------------------------------------- files

def save_figure(fig, path_without_suffix, formats: Sequence[str] = ("png", "pdf"),
                dpi: int = 150) -> list[Path]:
    """Write ``fig`` once per format, creating parent folders, each file atomically.

    Each file is written to a temporary file in the same folder and renamed into place, so a
    reader never sees half a figure. The PDF carries no creation date, so it is reproducible.

    Args:
        fig: the Figure.
        path_without_suffix: e.g. ``run/figures/information_plane``; ".png" etc. are appended.
        formats: file formats matplotlib knows ("png", "pdf", "svg", ...).
        dpi: resolution of raster formats.

    Returns:
        The paths written, in the order of ``formats``.
    """
    base = Path(path_without_suffix)
    supported = fig.canvas.get_supported_filetypes()
    for fmt in formats:
        if fmt not in supported:
            raise InfoplaneError(f"unknown figure format {fmt!r}; use one of "
                                 f"{', '.join(sorted(supported))}")
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = base.parent / f"{base.name}.{fmt}"
        meta = {"CreationDate": None} if fmt == "pdf" else None
        atomic_write_bytes(path, lambda f, fmt=fmt, meta=meta: fig.savefig(
            f, format=fmt, dpi=dpi, bbox_inches="tight", metadata=meta))
        path.chmod(0o644)  # the temporary file was private (0600); figures are for sharing
        written.append(path)
    return written


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


def run_figures(info: Mapping[str, np.ndarray], out_dir, *, transition: bool = True,
                formats: Sequence[str] = ("png", "pdf"), prefix: str = "") -> list[Path]:
    """The standard figures of a run, written to ``out_dir``.

    * ``information_plane``: the plane (mean over seeds) with H(X), H(Y) and, if
      ``transition``, the gradient-SNR transition epoch ringed (``detect_snr_transition``
      with ``method="crossing"``, labelled "SNR transition", falling back to
      ``"midpoint"``, labelled "SNR drop midpoint").
    * ``loss_accuracy``: losses (bits) and accuracies, with the transition marked.
    * ``gradient_snr``: per-layer gradient mean and std, with the transition marked.

    Figures whose arrays are missing from ``info`` are skipped.

    Args:
        info: the dict of ``experiment.train`` or ``runs.read_information``.
        out_dir: the folder for the figures (created).
        transition: detect and mark the SNR transition.
        formats: file formats of each figure.
        prefix: prepended to the file names (e.g. "information_kde_" for a recomputed plane).

    Returns:
        The paths written.
    """
    for key in ("I_XT", "I_TY", "epochs"):
        if key not in info:
            raise InfoplaneError(f"info has no {key!r}; pass the dict of a run's information.npz")
    out = Path(out_dir)
    e = np.asarray(info["epochs"])
    names = info.get("layer_names")
    has_grad = "grad_mean" in info and "grad_std" in info
    mark, mark_label = None, "SNR transition"
    if transition and has_grad:
        mark, mark_label = find_snr_transition(e, info["grad_mean"], info["grad_std"])

    written: list[Path] = []
    with paper_style():
        fig = Figure(figsize=(5.2, 4.0), layout="constrained")
        ax = fig.add_subplot()
        information_plane(ax, info["I_XT"], info["I_TY"], e, H_X=info.get("H_X"),
                          H_Y=info.get("H_Y"), layer_names=names, mark_epoch=mark,
                          mark_label=mark_label)
        written += save_figure(fig, out / f"{prefix}information_plane", formats)

        if all(k in info for k in ("train_loss", "test_loss", "train_acc", "test_acc")):
            fig = Figure(figsize=(5.2, 3.2), layout="constrained")
            loss_accuracy(fig.add_subplot(), e, info["train_loss"], info["test_loss"],
                          info["train_acc"], info["test_acc"], mark_epoch=mark,
                          mark_label=mark_label)
            written += save_figure(fig, out / f"{prefix}loss_accuracy", formats)

        if has_grad:
            fig = Figure(figsize=(6.0, 3.6), layout="constrained")
            gradient_snr(fig.add_subplot(), e, info["grad_mean"], info["grad_std"], names,
                         transition_epoch=mark, transition_label=mark_label)
            written += save_figure(fig, out / f"{prefix}gradient_snr", formats)
    return written
