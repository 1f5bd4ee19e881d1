"""The figures of the ``redundancy`` study: the irrelevant information I(X;T|Y) and the total
correlation of every layer over training, one line per condition (``redundancy_curves``), and
their final values per layer with 95% intervals over seeds (``redundancy_final``).

``infos`` maps a condition to its run's arrays, ``measures`` to its [seed, epoch, layer] arrays
"irrelevant" and "TC" (bits), ``titles`` to its legend text.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..analysis import seed_interval
from ..plotting import EPOCH_LABEL, paper_style, save_figure
from ..records import RunResult

ROWS = (("irrelevant", "I(X;T|Y) = H(T|Y) (bits)"), ("TC", "total correlation (bits)"))


def curves_figure(out: Path, infos: dict[str, RunResult], measures: dict, titles: dict
                  ) -> list[Path]:
    """Draw and save ``redundancy_curves``: a column per layer, I(X;T|Y) above, TC below."""
    first = next(iter(infos.values()))
    names = [str(n) for n in first.plane.layer_names]
    with paper_style():
        fig = Figure(figsize=(2.4 * len(names), 5.0), layout="constrained")
        axes = fig.subplots(2, len(names), sharex=True, squeeze=False)
        for k, (cond, m) in enumerate(measures.items()):
            x = infos[cond].plane.epochs + 1.0
            for row, (key, label) in enumerate(ROWS):
                ci = seed_interval(m[key])
                for li in range(len(names)):
                    ax = axes[row, li]
                    ax.plot(x, ci["mean"][:, li], color=f"C{k}", lw=1.2,
                            label=titles[cond] if (row, li) == (0, 0) else None)
                    ax.fill_between(x, ci["low"][:, li], ci["high"][:, li], color=f"C{k}",
                                    alpha=0.15, lw=0)
                axes[row, 0].set_ylabel(label)
        for li, name in enumerate(names):
            axes[0, li].set_title(name)
            axes[1, li].set_xscale("log")
            axes[1, li].xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            axes[1, li].set_xlabel(EPOCH_LABEL)
        fig.legend(loc="outside upper center", ncols=len(measures), frameon=False,
                   title=f"clean layers, 30 bins on [-1, 1]; mean of {first.plane.n_seeds} "
                         "seeds, band: 95% interval", title_fontsize="small")
        return save_figure(fig, out / "redundancy_curves")


def finals_figure(out: Path, infos: dict[str, RunResult], measures: dict, titles: dict
                  ) -> list[Path]:
    """Draw and save ``redundancy_final``: final values per layer, a bar per condition."""
    first = next(iter(infos.values()))
    names = [str(n) for n in first.plane.layer_names]
    width = 0.8 / len(measures)
    with paper_style():
        fig = Figure(figsize=(10.0, 3.4), layout="constrained")
        axes = fig.subplots(1, 2)
        for ax, (key, label) in zip(axes, ROWS, strict=True):
            for k, (cond, m) in enumerate(measures.items()):
                ci = seed_interval(m[key][:, -1])
                xs = np.arange(len(names)) + (k - (len(measures) - 1) / 2) * width
                ax.bar(xs, ci["mean"], width, color=f"C{k}", label=titles[cond])
                ax.errorbar(xs, ci["mean"], yerr=[ci["mean"] - ci["low"], ci["high"] - ci["mean"]],
                            fmt="none", ecolor="0.2", lw=0.8, capsize=2)
            ax.set_xticks(np.arange(len(names)), names, fontsize="small")
            ax.set_ylabel(f"final {label}")
        axes[0].legend(fontsize="x-small")
        axes[0].set_title("irrelevant information kept (95% interval over seeds)")
        axes[1].set_title("redundancy of the units")
        return save_figure(fig, out / "redundancy_final")
