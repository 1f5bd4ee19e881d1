"""Training curves against log epochs: losses and accuracies (``loss_accuracy``) and the
per-layer gradient mean and fluctuation (``gradient_snr``)."""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .._errors import InfoplaneError
from ..analysis import check_epochs, check_runs, check_same_shape, smooth
from ._conventions import EPOCH_LABEL, _names, _plain_log_ticks


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
    e = check_epochs(epochs)
    arrays = {k: check_runs(k, v, e.size, per_layer=False) for k, v in [
        ("train_loss", train_loss), ("test_loss", test_loss), ("train_acc", train_acc),
        ("test_acc", test_acc)]}
    check_same_shape(**arrays)
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
    # Columns fill first: losses, then accuracies, then the marked epoch and the bands.
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = twin.get_legend_handles_labels()
    handles = h1[:2] + h2 + h1[2:]
    labels = l1[:2] + l2 + l1[2:]
    n_runs = arrays["train_loss"].shape[0]
    if n_runs > 1:
        what = "min-max" if band == "range" else "+-1 std"
        handles.append(Patch(color="0.5", alpha=0.3, lw=0))
        labels.append(f"band: {what} of {n_runs} runs")
    ax.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0),
              ncols=-(-len(handles) // 2), frameon=False, borderaxespad=0.2,
              columnspacing=1.5)
    return ax, twin


def _smoothed_log(v: np.ndarray, window: int) -> np.ndarray:
    """A centred moving average of log v over ``window`` logged epochs (a geometric mean, as
    suits a log axis); v unchanged where it has gaps (NaN) or the window is 1."""
    if window <= 1 or not np.all(np.isfinite(v)):
        return v
    return np.exp(smooth(np.log(v), window))


def gradient_snr(ax, epochs, grad_mean, grad_std, layer_names=None, *, transition_epoch=None,
                 transition_label: str = "transition", colors=None, legend: bool = True,
                 smoothing: int = 9):
    """Per-layer gradient mean and fluctuation, log-log, as Shwartz-Ziv & Tishby (2017) Fig. 4.

    For each layer, the norm of the mean weight gradient over an epoch's batches (solid) and
    the root of the trace of their covariance (dashed), in the same colour; averaged over
    seeds. Their ratio is the gradient signal-to-noise ratio: high in the "drift" phase,
    about 1 or below in the "diffusion" phase. The curves are smoothed over ``smoothing``
    logged epochs (a centred geometric moving average); the raw values are drawn faintly
    beneath.

    Args:
        ax: the Axes to draw on.
        epochs: [logged_epoch]; the x axis is ``epoch + 1``.
        grad_mean, grad_std: [seed, logged_epoch, layer] or [logged_epoch, layer], the norms of
            gradients of the training cross-entropy in nats (as ``training.py`` records them).
        layer_names: [layer] legend entries.
        transition_epoch: an epoch marked by a vertical line (e.g. ``detect_snr_transition``).
        transition_label: its legend text; the epoch number is appended.
        colors: one colour per layer; default the "tab10" cycle.
        legend: draw the legend (layers, then line styles) to the right of the axes.
        smoothing: the moving-average window in logged epochs (1: no smoothing).

    Returns:
        ax.
    """
    e = check_epochs(epochs)
    gm = check_runs("grad_mean", grad_mean, e.size, per_layer=True)
    gs = check_runs("grad_std", grad_std, e.size, per_layer=True)
    check_same_shape(grad_mean=gm, grad_std=gs)
    names = _names(layer_names, gm.shape[2])
    if colors is None:
        colors = [matplotlib.colormaps["tab10"](l % 10) for l in range(gm.shape[2])]
    x = e + 1.0
    # Zeros cannot be drawn on a log axis; matplotlib masks them, and so do we, silently.
    gm_mean = np.where(gm.mean(axis=0) > 0, gm.mean(axis=0), np.nan)
    gs_mean = np.where(gs.mean(axis=0) > 0, gs.mean(axis=0), np.nan)
    layers = []
    for l, name in enumerate(names):
        for values, style in ((gm_mean[:, l], "-"), (gs_mean[:, l], "--")):
            if smoothing > 1:
                ax.plot(x, values, color=colors[l], lw=0.5, ls=style, alpha=0.25)
            ax.plot(x, _smoothed_log(values, smoothing), color=colors[l], ls=style,
                    lw=1.2 if style == "-" else 1.0)
        layers.append(Line2D([], [], color=colors[l], lw=1.5, label=name))
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax.xaxis)
    ax.set_xlim(x[0], x[-1])
    ax.set_xlabel(EPOCH_LABEL)
    ax.set_ylabel("gradient of the loss (nats) per weight")
    styles = [Line2D([], [], color="0.3", lw=1.2, label="mean (norm)"),
              Line2D([], [], color="0.3", lw=1.0, ls="--", label="std (fluctuation)")]
    if smoothing > 1:
        styles.append(Line2D([], [], color="0.3", lw=0.5, alpha=0.4,
                             label=f"raw (bold: smoothed\nover {smoothing} logged epochs)"))
    if transition_epoch is not None:
        ax.axvline(float(transition_epoch) + 1, color="0.15", ls=":", lw=1.2)
        styles.append(Line2D([], [], color="0.15", ls=":", lw=1.2,
                             label=f"{transition_label}\n(epoch {int(transition_epoch)})"))
    if legend:
        ax.legend(handles=layers + styles, loc="center left", bbox_to_anchor=(1.0, 0.5),
                  frameon=False, handlelength=2.2)
    return ax
