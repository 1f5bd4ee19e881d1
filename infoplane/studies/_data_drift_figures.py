"""The figures of the ``data_drift`` study: the planes of both phases, one panel per shift
(``drift_plane``), and accuracy, I(T;Y) and I(X;T) across the switch (``drift_curves``).

``p1`` is phase 1's run (the arrays of ``information.npz``), ``p2`` maps each shift's name to
its phase-2 run, ``acc`` each shift's name to its old/new accuracies [seed, epoch], and ``e1``
is the epoch at which the data change.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..plotting import (
    EPOCH_LABEL,
    LAYER_MARKERS,
    epoch_ticks,
    information_plane,
    paper_style,
    place_reference_labels,
    save_figure,
)
from ..records import RunResult

SHIFTS = {"flipped": "(a) 20% of labels flipped", "permuted": "(b) input bits permuted"}


def _cmap(name: str) -> ListedColormap:
    return ListedColormap(matplotlib.colormaps[name](np.linspace(0.3, 1.0, 256)))


def planes_figure(out: Path, p1: RunResult, p2: dict[str, RunResult], e1: int) -> list[Path]:
    """Draw and save ``drift_plane``: phase 1 in blue, phase 2 in orange; the written paths."""
    c1, c2 = _cmap("Blues"), _cmap("Oranges")
    n1 = LogNorm(1, max(float(p1.plane.epochs[-1]) + 1, 2.0))
    n2 = LogNorm(1, max(float(max(i.plane.epochs[-1] for i in p2.values())) + 1, 2.0))
    with paper_style():
        fig = Figure(figsize=(9.0, 4.0), layout="constrained")
        axes = fig.subplots(1, len(p2), sharey=True, squeeze=False)[0]
        for ax, (name, info) in zip(axes, p2.items(), strict=True):
            # Layers are named at phase 2's last points only: twice would overlap.
            information_plane(ax, p1.plane, cmap=c1, norm=n1, colorbar=False, legend=False,
                              label_layers=False)
            # H(X) and H(Y) once, with phase 1
            information_plane(ax, replace(info.plane, H_X=None, H_Y=None), cmap=c2, norm=n2,
                              colorbar=False, legend=False)
            ax.set_title(SHIFTS[name])
            ax.set_xlim(0, 12.9)
            ax.set_ylim(0, 1.1)
        axes[1].set_ylabel("")
        for cmap, norm, label in ((c2, n2, f"phase 2, from epoch {e1}: epochs since + 1"),
                                  (c1, n1, f"phase 1 (tishby12): {EPOCH_LABEL}")):
            cb = fig.colorbar(ScalarMappable(norm, cmap), ax=list(axes), pad=0.01, aspect=30)
            cb.set_label(label)
            cb.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            cb.ax.yaxis.set_minor_formatter(NullFormatter())
            cb.set_ticks(epoch_ticks(norm.vmin, norm.vmax))
        names = [str(n) for n in p1.plane.layer_names]
        handles = [Line2D([], [], ls="", marker=LAYER_MARKERS[li], color="0.35", markersize=5,
                          label=name) for li, name in enumerate(names)]
        fig.legend(handles=handles, loc="outside upper center", ncols=len(handles),
                   title=f"mean of {p1.plane.n_seeds} runs; blue: tishby12, orange: after "
                         "the switch", title_fontsize="small")
        place_reference_labels(fig)
        return save_figure(fig, out / "drift_plane")


def curves_figure(out: Path, p1: RunResult, p2: dict[str, RunResult], acc: dict, e1: int
                  ) -> list[Path]:
    """Draw and save ``drift_curves``: accuracy, I(T;Y) and I(X;T) of every layer against
    epoch, one column per shift; the written paths."""
    e_1 = p1.plane.epochs
    names = [str(n) for n in p1.plane.layer_names]
    with paper_style():
        fig = Figure(figsize=(9.0, 7.0), layout="constrained")
        axes = fig.subplots(3, len(p2), sharex=True, sharey="row", squeeze=False)
        for col, (name, info) in enumerate(p2.items()):
            e_2 = e1 + info.plane.epochs
            ax = axes[0, col]
            ax.plot(e_1, p1.history.train_acc.mean(0), color="k", lw=1.2, label="phase 1 train")
            ax.plot(e_1, p1.history.test_acc.mean(0), color="k", lw=1.2, ls="--",
                    label="phase 1 test")
            for key, colour, ls, label in (("old_train", "C0", "-", "old data, train rows"),
                                           ("old_test", "C0", "--", "old data, test rows"),
                                           ("new_train", "C1", "-", "new data, train rows"),
                                           ("new_test", "C1", "--", "new data, test rows")):
                ax.plot(e_2, acc[name][key].mean(0), color=colour, ls=ls, lw=1.2, label=label)
            ax.set_title(SHIFTS[name])
            for row, key, label in ((1, "I_TY", "I(T;Y) (bits)"), (2, "I_XT", "I(X;T) (bits)")):
                a = axes[row, col]
                before, after = getattr(p1.plane, key), getattr(info.plane, key)
                for li, layer in enumerate(names):
                    a.plot(e_1, before.mean(0)[:, li], color=f"C{li}", lw=1.1, label=layer)
                    a.plot(e_2, after.mean(0)[:, li], color=f"C{li}", lw=1.1)
                axes[row, 0].set_ylabel(label)
            for a in axes[:, col]:
                a.axvline(e1, color="0.3", ls=":", lw=1.0)
            axes[2, col].set_xlabel(f"epoch (the data change at epoch {e1})")
        axes[0, 0].set_ylabel("accuracy")
        axes[0, 0].set_ylim(0.4, 1.02)
        # Outside the panels: inside, every corner is crossed by some curve.
        fig.legend(handles=axes[0, 1].get_legend_handles_labels()[0], ncols=3,
                   loc="outside upper center", fontsize="small",
                   title="accuracy (mean of seeds)", title_fontsize="small")
        fig.legend(handles=axes[2, 1].get_legend_handles_labels()[0], ncols=len(names),
                   loc="outside lower center", fontsize="small",
                   title="layer (I(T;Y) and I(X;T) rows)", title_fontsize="small")
        return save_figure(fig, out / "drift_curves")
