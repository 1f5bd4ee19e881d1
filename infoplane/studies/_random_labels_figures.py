"""Figures of the random-labels study: accuracy and final label information per noise level
(``curves_figure``), and the planes against the true and the trained-on labels
(``planes_figure``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from ..analysis import seed_interval
from ..plotting import EPOCH_LABEL, REF_COLOUR, information_plane, paper_style, save_figure
from ..records import RunResult

COLOURS = {"0%": "C0", "20%": "C2", "50%": "C1", "100%": "C3"}


def _accuracy(ax, infos: dict[str, RunResult], chance: float) -> None:
    for name, info in infos.items():
        x = info.plane.epochs + 1.0
        for key, ls in (("train_acc", "-"), ("test_acc", "--")):
            ci = seed_interval(getattr(info.history, key))
            ax.plot(x, ci["mean"], color=COLOURS[name], ls=ls, lw=1.3,
                    label=f"{name} random, {key.split('_')[0]}")
            ax.fill_between(x, ci["low"], ci["high"], color=COLOURS[name], alpha=0.15, lw=0)
    ax.axhline(chance, color=REF_COLOUR, ls=":", lw=1.0, label="chance (test)")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.set_xlabel(EPOCH_LABEL)
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.02)  # intervals of few seeds can reach past what is possible
    ax.set_title("(a) training rows (solid, labels trained on), test rows (dashed, true)",
                 loc="left")
    ax.legend(fontsize="x-small", ncols=2)


def _final_label_information(ax, infos: dict[str, RunResult], planes: dict) -> None:
    names = list(next(iter(infos.values())).plane.layer_names)
    x = np.arange(len(names))
    for name, p in planes.items():
        for key, ls, what in (("true", "-", "true"), ("trained", ":", "trained")):
            ci = seed_interval(p[key].I_TY[:, -1])
            ax.errorbar(x, ci["mean"], yerr=[ci["mean"] - ci["low"], ci["high"] - ci["mean"]],
                        color=COLOURS[name], ls=ls, marker="o", ms=3, capsize=2, lw=1.2,
                        label=f"{name}, Y {what}")
    ax.set_xticks(x, names)
    ax.set_xlabel("layer")
    ax.set_ylabel("final I(T;Y) (bits)")
    ax.set_title("(b) final I(T;Y): true labels (solid), trained-on (dotted)", loc="left")
    ax.legend(fontsize="x-small", ncols=2)


def curves_figure(out: Path, infos: dict[str, RunResult], planes: dict, chance: float
                  ) -> list[Path]:
    """Accuracy over training per noise level, and the final I(T;Y) per layer."""
    with paper_style():
        fig = Figure(figsize=(11.0, 4.2), layout="constrained")
        left, right = fig.subplots(1, 2)
        _accuracy(left, infos, chance)
        _final_label_information(right, infos, planes)
        seeds = next(iter(infos.values())).plane.n_seeds
        fig.suptitle(f"Random labels (Zhang et al. 2017): mean and 95% interval over {seeds} "
                     "seeds", fontweight="bold")
        return save_figure(fig, out / "random_labels")


def planes_figure(out: Path, infos: dict[str, RunResult], planes: dict) -> list[Path]:
    """Rows: the plane against the true labels, then against the labels trained on; columns:
    noise levels. One colour scale (epoch + 1) for all."""
    e_max = max(float(i.plane.epochs[-1]) for i in infos.values())
    norm = LogNorm(1.0, e_max + 1.0)
    with paper_style():
        fig = Figure(figsize=(4.0 * len(infos), 8.0), layout="constrained")
        rows = fig.subfigures(2, 1)
        for sub, (key, what) in zip(rows, (("true", "the true labels"),
                                           ("trained", "the labels trained on")),
                                    strict=True):
            sub.suptitle(f"I(T;Y) against {what}", fontweight="bold")
            axes = sub.subplots(1, len(infos), sharex=True, sharey=True)
            for c, name in enumerate(infos):
                ax = axes[c]
                information_plane(ax, planes[name][key], norm=norm,
                                  colorbar=c == len(infos) - 1,
                                  legend=c == 0 and key == "true",
                                  label_layers=False)
                ax.set_title(f"{name} of training labels random", loc="left")
                if c:
                    ax.set_ylabel("")
        _move_legend(rows[0].axes[0], fig)
        return save_figure(fig, out / "random_labels_planes")


def _move_legend(ax, fig) -> None:
    """The layers' legend from above ``ax`` to the top of the figure."""
    leg = ax.get_legend()
    handles, labels = leg.legend_handles, [t.get_text() for t in leg.get_texts()]
    title = leg.get_title().get_text()
    leg.remove()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(handles), title=title,
               frameon=False)
