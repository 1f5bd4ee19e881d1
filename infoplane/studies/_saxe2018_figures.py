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

from ..defaults import GLOBAL_N_BINS, N_BINS, NOISE_VAR
from ..plotting import EPOCH_LABEL, information_plane_grid, paper_style, save_figure

ESTIMATOR_TITLES = {"binning": "binning", "kde_upper": "KDE upper", "kde_lower": "KDE lower"}


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


def figures(planes: dict, info: dict, out, acts) -> list:
    """Draw and save both figures in ``out`` for the activations ``acts``; the written
    paths."""
    estimators = list(planes)
    names = [str(n) for n in info["layer_names"]]
    epochs = info["epochs"]
    written = []
    with paper_style():
        grid = {f"{m}|{a}": (planes[m][a][0], planes[m][a][1], epochs)
                for m in estimators for a in acts}
        fig = Figure(figsize=(1.9 * len(acts) + 0.9, 2.0 * len(estimators) + 0.7),
                     layout="constrained")
        axes = information_plane_grid(fig, grid, ncols=len(acts), H_X=info["H_X"],
                                      H_Y=info["H_Y"], layer_names=names, size=9.0)
        for r, m in enumerate(estimators):
            for c, a in enumerate(acts):
                ax = axes[r, c]
                ax.set_title(a if r == 0 else "", fontsize=10, fontweight="bold")
                if c == 0:
                    what = (f"{N_BINS} | {GLOBAL_N_BINS} bins" if m == "binning"
                            else f"s2 = {NOISE_VAR}")
                    ax.set_ylabel(f"{ESTIMATOR_TITLES[m]} ({what})\nI(T;Y) (bits)")
                if r < len(estimators) - 1:
                    ax.set_xlabel("")
        written += save_figure(fig, out / "planes")

        hidden = len(names) - 2  # the last hidden layer
        fig = Figure(figsize=(7.0, 2.6), layout="constrained")
        axes = fig.subplots(1, len(estimators), sharey=True)
        for ax, m in zip(axes, estimators, strict=True):
            _layer_curves(ax, {a: planes[m][a][0] for a in acts}, epochs, hidden,
                          f"I(X;T) of {names[hidden]} (bits)")
            what = (f"{N_BINS} | {GLOBAL_N_BINS} global bins" if m == "binning"
                    else f"noise var. {NOISE_VAR}")
            ax.set_title(f"{ESTIMATOR_TITLES[m]} ({what})")
        for ax in axes[1:]:
            ax.set_ylabel("")
        fig.legend(handles=axes[0].get_legend_handles_labels()[0], loc="outside right center",
                   frameon=False, title="seed mean\n(band: min..max)", title_fontsize="small")
        written += save_figure(fig, out / "last_hidden_layer")
    return written
