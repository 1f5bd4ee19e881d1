"""The figures of the ``saxe2018_activations`` study: the grid of planes (one row per
estimator, one column per activation; ``planes``) and the last hidden layer's I(X;T) against
epoch (``last_hidden_layer``).

``planes`` maps each estimator to activation -> (I_XT, I_TY) [seed, logged_epoch, layer] in
bits, estimators in row order.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..defaults import BIN_HIGH, BIN_LOW, GLOBAL_N_BINS, N_BINS, NOISE_VAR
from ..plotting import (
    EPOCH_LABEL,
    information_plane_grid,
    paper_style,
    place_reference_labels,
    save_figure,
)
from ..records import InformationPlane

ESTIMATOR_TITLES = {"binning": "binning", "kde_upper": "KDE upper", "kde_lower": "KDE lower"}
BOUNDED = ("tanh", "softsign")  # units in [-1, 1], binned on fixed edges


def _layer_curves(ax, planes: dict, epochs: np.ndarray, layer: int, ylabel: str):
    """I(X;T) of one layer against epoch + 1 for each activation: seed mean and min..max."""
    x = epochs + 1.0
    for k, (act, ixt) in enumerate(planes.items()):
        runs = ixt[:, :, layer]
        colour = f"C{k}"
        ax.plot(x, runs.mean(axis=0), color=colour, lw=1.4, label=act)
        if runs.shape[0] > 1:
            ax.fill_between(x, runs.min(axis=0), runs.max(axis=0), color=colour, alpha=0.18,
                            lw=0)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlim(x[0], x[-1])
    ax.set_xlabel(EPOCH_LABEL)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    return ax


def settings_text(method: str, activation: str) -> str:
    """The estimator and its settings for a panel of ``activation`` units, in words."""
    if method != "binning":
        return f"{ESTIMATOR_TITLES[method]} bound, noise variance {NOISE_VAR:g}"
    if activation in BOUNDED:
        return f"binning, {N_BINS} bins on [{BIN_LOW:g}, {BIN_HIGH:g}]"
    return f"binning, {GLOBAL_N_BINS} bins over each layer's range"


def figures(planes: dict, info: InformationPlane, out, acts) -> list:
    """Draw and save both figures in ``out`` for the activations ``acts``; the written
    paths."""
    estimators = list(planes)
    names = list(info.layer_names)
    epochs = info.epochs
    written = []
    with paper_style():
        grid = {f"{m}|{a}": planes[m][a] for m in estimators for a in acts}
        fig = Figure(figsize=(2.55 * len(acts) + 1.0, 2.35 * len(estimators) + 0.8),
                     layout="constrained")
        # One estimator per row, each row on its own axes: the KDE's bits are not binning's.
        axes = information_plane_grid(fig, grid, ncols=len(acts), size=9.0, share="row")
        for r, m in enumerate(estimators):
            for c, a in enumerate(acts):
                ax = axes[r, c]
                head = f"{a}\n" if r == 0 else ""
                ax.set_title(f"{head}{settings_text(m, a)}", fontsize="small")
                if r == 0:
                    ax.title.set_fontweight("bold")
                if c == 0:
                    ax.set_ylabel(f"{ESTIMATOR_TITLES[m]}\nI(T;Y) (bits)")
        place_reference_labels(fig)
        written += save_figure(fig, out / "planes")

        hidden = len(names) - 2  # the last hidden layer
        fig = Figure(figsize=(7.6, 2.9), layout="constrained")
        axes = fig.subplots(1, len(estimators))  # each estimator on its own scale
        for ax, m in zip(axes, estimators, strict=True):
            _layer_curves(ax, {a: planes[m][a].I_XT for a in acts}, epochs, hidden,
                          f"I(X;T) of {names[hidden]} (bits)")
            what = (f"{N_BINS} bins on [{BIN_LOW:g}, {BIN_HIGH:g}] (bounded units),\n"
                    f"{GLOBAL_N_BINS} over the layer's range (unbounded)" if m == "binning"
                    else f"noise variance {NOISE_VAR:g}")
            ax.set_title(f"{ESTIMATOR_TITLES[m]}: {what}", fontsize="small")
        fig.legend(handles=axes[0].get_legend_handles_labels()[0], loc="outside right center",
                   frameon=False, title="activation:\nmean of seeds\n(band: min..max)",
                   title_fontsize="small")
        written += save_figure(fig, out / "last_hidden_layer")
    return written
