"""The figures of the butakov2024_cnn study: per task, the compressed-MI plane in the style of
Butakov et al. (2024) (smoothed seed-mean trajectory of every layer, the seed 95% interval as
a band around the unsmoothed means), the binning and KDE planes on their own axes beside it,
and the training loss with the compression onsets marked."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy.signal import butter, filtfilt, savgol_filter

from ..plotting import EPOCH_LABEL, information_plane, loss_accuracy, paper_style, save_figure
from ..plotting._plane import marker_epochs
from ..plotting._uncertainty import draw_ellipses
from ..records import InformationPlane, RunResult

ELLIPSES = 12
_NAMES = {"compressed": "compressed MI", "binning": "binning", "kde_upper": "KDE upper bound"}


def smooth_curve(v) -> np.ndarray:
    """A curve over logged epochs smoothed as the paper's figures: a Savitzky-Golay filter
    (quadratic, a window of about a fifth of the points, at least 5), then a zero-phase
    second-order Butterworth low-pass at half the Nyquist frequency (``filtfilt``); fewer than
    5 points are returned as they are, fewer than 10 only Savitzky-Golay filtered."""
    v = np.asarray(v, dtype=float)
    n = v.shape[-1]
    if n < 5:
        return v
    window = max(5, (n // 5) | 1)
    out = savgol_filter(v, window, 2, axis=-1)
    if n >= 10:
        b, a = butter(2, 0.5)
        out = filtfilt(b, a, out, axis=-1)
    return out


def caption(method: str, plane: InformationPlane) -> str:
    """One line naming the estimator and its settings."""
    s = plane.settings
    if method == "compressed":
        text = (f"{s.get('compressor', 'pca').upper()} to {s.get('dim_x')} + "
                f"{s.get('dim_t')} dims, {s.get('estimator')} k = {s.get('k_xt', s.get('k'))}"
                + ("; I(T;Y) supervised" if s.get("estimator_ty") == "supervised" else ""))
    elif method == "binning":
        text = f"{s.get('n_bins')} bins over each layer's range"
    else:
        text = f"noise variance {s.get('noise_var')}, {s.get('anchors')} anchors"
    return f"{_NAMES[method]}: {text}; n = {s['n']}"


def _colours(n: int) -> list:
    return [matplotlib.colormaps["tab10"](i % 10) for i in range(n)]


def smoothed_plane(ax, plane: InformationPlane, epochs: np.ndarray, names: list[str], norm,
                   hidden: int) -> None:
    """The first ``hidden`` layers' smoothed seed-mean trajectories (in the layer's colour,
    from an open circle at the first logged epoch to a filled one at the last), the unsmoothed
    seed means as small points coloured by epoch, and the seed 95% interval as ellipses around
    them at ``ELLIPSES`` log-spaced logged epochs (at every one they would merge into a blot)."""
    ixt, ity = plane.I_XT.mean(axis=0), plane.I_TY.mean(axis=0)
    ci_x, ci_y = plane.seed_intervals()
    handles = []
    at = marker_epochs(epochs.size, ELLIPSES)
    for layer, colour in enumerate(_colours(hidden)):
        lo_x, hi_x = ci_x[0, at, layer], ci_x[1, at, layer]
        lo_y, hi_y = ci_y[0, at, layer], ci_y[1, at, layer]
        draw_ellipses(ax, 0.5 * (lo_x + hi_x), 0.5 * (lo_y + hi_y), 0.5 * (hi_x - lo_x),
                      0.5 * (hi_y - lo_y), color=colour, alpha=0.1)
        sx, sy = smooth_curve(ixt[:, layer]), smooth_curve(ity[:, layer])
        ax.plot(sx, sy, color=colour, lw=1.6, zorder=2)
        ax.plot(sx[0], sy[0], "o", mfc="white", mec=colour, ms=5, zorder=3)
        ax.plot(sx[-1], sy[-1], "o", color=colour, ms=5, zorder=3)
        points = ax.scatter(ixt[:, layer], ity[:, layer], c=epochs + 1.0, cmap="viridis",
                            norm=norm, s=7, linewidths=0, zorder=2.5)
        handles.append(Line2D([], [], color=colour, lw=1.6, label=names[layer]))
    seeds = plane.n_seeds
    handles.append(draw_ellipses(ax, [], [], [], [], alpha=0.25,
                                 label=f"95% interval over {seeds} seeds"))
    ax.legend(handles=handles, loc="best", fontsize="small", title="smoothed seed mean",
              title_fontsize="small")
    ax.set_xlabel("I(X;T) (bits)")
    ax.set_ylabel("I(T;Y) (bits)")
    cbar = ax.figure.colorbar(points, ax=ax, pad=0.01)
    cbar.set_label(EPOCH_LABEL)


def _loss_panel(ax, info: RunResult, s: dict, names: list[str]) -> None:
    """Training and test loss (bits) with the steepest drop and the compression onsets."""
    e = np.asarray(info.plane.epochs)
    steep = s["steepest_loss_drop_epoch"]
    h = info.history
    loss_accuracy(ax, e, h.train_loss, h.test_loss, h.train_acc, h.test_acc, mark_epoch=steep,
                  mark_label="steepest training-loss drop")
    comp = s["phases"]["compressed"]
    onsets: dict[int, list[int]] = {}  # epoch -> the hidden layers whose compression starts there
    for layer in range(s["hidden_layers"]):
        if comp[names[layer]]["compresses"]:
            onsets.setdefault(comp[names[layer]]["peak_epoch"], []).append(layer)
    colours = _colours(s["hidden_layers"])
    for epoch, layers in onsets.items():
        ax.axvline(epoch + 1.0, color=colours[layers[0]], ls="--", lw=1.0)
        which = ", ".join(names[lay].split(" (")[0] for lay in layers)
        ax.annotate(f"{which} compress{'es' if len(layers) == 1 else ''}", (epoch + 1.0, 0.97),
                    xycoords=ax.get_xaxis_transform(), rotation=90, ha="right", va="top",
                    fontsize="x-small", color=colours[layers[0]])
    ax.set_xlabel(f"{EPOCH_LABEL}; dashed: the compression onsets (each compressing hidden "
                  "layer's peak of I(X;T), compressed MI)")


def task_figure(out: Path, task: str, info: RunResult, planes: dict[str, InformationPlane],
                s: dict) -> list[Path]:
    """The figure of one task, written as ``butakov2024_<task>.png`` / ``.pdf``."""
    e = np.asarray(info.plane.epochs)
    names = [str(n) for n in info.plane.layer_names]
    norm = LogNorm(1.0, max(float(e[-1]) + 1.0, 2.0))
    with paper_style():
        fig = Figure(figsize=(13.0, 7.6), layout="constrained")
        axd = fig.subplot_mosaic([["compressed", "binning", "kde_upper"],
                                  ["loss", "loss", "loss"]], height_ratios=[1.6, 1.0])
        smoothed_plane(axd["compressed"], planes["compressed"], e, names, norm,
                       s["hidden_layers"])
        for m in ("binning", "kde_upper"):
            p = planes[m]
            information_plane(axd[m], p, norm=norm, colorbar=False, legend=False,
                              max_markers=25)
            axd[m].text(0.99, 0.02, f"grey: 95% interval over {p.n_seeds} seeds",
                        transform=axd[m].transAxes, ha="right", va="bottom",
                        fontsize="x-small", color="0.35")
        for m in ("compressed", "binning", "kde_upper"):
            axd[m].set_title(caption(m, planes[m]), fontsize="small")
        axd["compressed"].set_title(caption("compressed", planes["compressed"]) + "\nhidden "
                                    "layers (the softmax output's estimate: results.json)",
                                    fontsize="small")
        _loss_panel(axd["loss"], info, s, names)
        fig.suptitle(f"{task}: noisy {s['model']} (relative noise {s['unit_noise_relative']:g} "
                     f"in every hidden layer), {s['seeds']} seeds, {s['epochs']} epochs")
        return save_figure(fig, out / f"butakov2024_{task}")
