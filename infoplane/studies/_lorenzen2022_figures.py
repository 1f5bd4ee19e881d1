"""The figures of the ``lorenzen2022`` study.

- ``planes_SETTING``: one figure per setting; the exact plane of the quantised network,
  then the float network's planes binned with global bounds at each bin count.
- ``layers``: each layer's exact I(X;T) against epoch, tanh beside ReLU (seed mean and range).
- ``estimators``: every estimator's I(X;T) and I(T;Y) against the exact values on the same
  quantised layers, with the diagonal.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..plotting import EPOCH_LABEL, information_plane_grid, paper_style, save_figure
from ..records import InformationPlane

SETTING_TITLES = {"tanh": "tishby12, tanh", "relu": "tishby12, ReLU",
                  "bottleneck": "MNIST-1D bottleneck (tanh)"}


def _planes(exact, binned, infos, out) -> list:
    """One figure per setting (their H(X) and H(Y) differ): ``planes_SETTING``."""
    paths = []
    for s in exact:
        info = infos[s]
        planes = {f"{SETTING_TITLES[s]}: exact, 8-bit": info}
        for b, (ixt, ity, epochs) in binned[s].items():
            # the float run's own plane: another run, with its own logged epochs
            planes[f"float network, {b} bins (global)"] = InformationPlane(
                I_XT=ixt, I_TY=ity, epochs=epochs, layer_names=info.layer_names, H_X=info.H_X,
                H_Y=info.H_Y, method="binning", settings={"rule": "global", "n_bins": b})
        fig = Figure(figsize=(3.2 * len(planes), 3.4), layout="constrained")
        information_plane_grid(fig, planes, share="none")
        paths += save_figure(fig, out / f"planes_{s}")
    return paths


def _layers(exact, infos, out) -> list:
    acts = [a for a in ("tanh", "relu") if a in exact]
    names = list(infos[acts[0]].layer_names)
    ncols = 3
    nrows = -(-len(names) // ncols)
    fig = Figure(figsize=(3.3 * ncols, 2.6 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for li, ax in enumerate(axes):
        if li >= len(names):
            ax.remove()
            continue
        for k, a in enumerate(acts):
            ixt = exact[a][0][:, :, li]
            x = infos[a].epochs + 1.0
            ax.plot(x, ixt.mean(axis=0), color=f"C{k}", lw=1.3, label=a)
            ax.fill_between(x, ixt.min(axis=0), ixt.max(axis=0), color=f"C{k}", alpha=0.18,
                            lw=0)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.ticklabel_format(axis="y", useOffset=False)
        ax.set_title(names[li], fontsize=9)
        ax.set_xlabel(EPOCH_LABEL)
        ax.set_ylabel("exact I(X;T) (bits)")
        if li == 0:
            ax.legend(fontsize=8)
    fig.suptitle("Exact I(X;T) of each layer, 8-bit networks on tishby12 (seed mean, "
                 "min..max)", fontsize=10)
    return save_figure(fig, out / "layers")


def _estimators(table, out) -> list:
    fig = Figure(figsize=(10, 4.4), layout="constrained")
    axes = fig.subplots(1, 2)
    titles = {"I_XT": "I(X;T)", "I_TY": "I(T;Y)"}
    markers = "osD^vP*X"
    for ax, q in zip(axes, ("I_XT", "I_TY"), strict=True):
        pairs = {n: [np.asarray(v, float) for v in b[q]] for n, b in table["pairs"].items()
                 if q in b}
        # The axes end a little above the largest exact value; estimates beyond are counted.
        top = 1.25 * max(float(ex.max()) for ex, _ in pairs.values())
        beyond = 0
        for k, (name, (ex, es)) in enumerate(pairs.items()):
            ax.scatter(ex, np.minimum(es, top), s=12, marker=markers[k % len(markers)],
                       color=f"C{k}", alpha=0.6, lw=0, label=name)
            beyond += int(np.sum(es > top))
        ax.plot([0, top], [0, top], color="black", lw=0.8, ls="--", label="estimate = exact")
        ax.set_xlim(-0.02 * top, top)
        ax.set_ylim(-0.02 * top, top * 1.02)
        if beyond:
            ax.text(0.02, 0.98, f"{beyond} estimates above {top:.1f} bits drawn at the top",
                    transform=ax.transAxes, va="top", fontsize=7)
        ax.set_xlabel(f"exact {titles[q]} (bits)")
        ax.set_ylabel(f"estimated {titles[q]} (bits)")
        ax.set_title(f"{titles[q]}: estimators on 8-bit tanh and ReLU layers", fontsize=10)
    axes[1].legend(fontsize=7, loc="upper left", framealpha=0.9)
    return save_figure(fig, out / "estimators")


def figures(exact, binned, infos, table, out) -> list:
    """Draw and save the three figures in ``out``; the written paths."""
    with paper_style():
        return [*_planes(exact, binned, infos, out), *_layers(exact, infos, out),
                *_estimators(table, out)]
