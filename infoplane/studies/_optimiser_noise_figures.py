"""The figures of the ``optimiser_noise`` study: the binned planes of every (activation,
optimiser) run (``optimiser_noise_planes``), and each layer's compression with its interval
over seeds beside the layer-averaged gradient SNR (``optimiser_noise_compression``).

``infos`` maps "activation/optimiser" to a run's arrays (``information.npz``), ``numbers`` the
same names to the study's summaries, ``titles`` an optimiser's key to its title.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..plotting import EPOCH_LABEL, information_plane_grid, paper_style, save_figure
from ..records import RunResult


def planes_figure(out: Path, infos: dict[str, RunResult], titles: dict) -> list[Path]:
    """Draw and save ``optimiser_noise_planes``: one plane per run, a row per activation."""
    planes = {f"{k.split('/')[0]}, {titles[k.split('/')[1]]}": i.plane
              for k, i in infos.items()}
    acts = list(dict.fromkeys(k.split("/")[0] for k in infos))
    ncols = -(-len(planes) // len(acts))
    first = next(iter(infos.values()))
    with paper_style():
        fig = Figure(figsize=(3.3 * ncols + 0.8, 3.1 * len(acts) + 0.6), layout="constrained")
        information_plane_grid(fig, planes, ncols=ncols, size=9.0)
        fig.supxlabel(f"mean of {first.plane.n_seeds} seeds; tanh: 30 bins on [-1, 1]; relu: "
                      "100 bins over each layer's range across epochs and seeds (Saxe et al.)",
                      fontsize="small")
        return save_figure(fig, out / "optimiser_noise_planes")


def _compression_panel(ax, names: list[str], numbers: dict, titles: dict, layer_names):
    width = 0.8 / len(names)
    for k, name in enumerate(names):
        n = numbers[name]
        mean = np.asarray(n["compression_mean"])
        err = np.stack([mean - np.asarray(n["compression_low"]),
                        np.asarray(n["compression_high"]) - mean])
        x = np.arange(mean.size) + (k - (len(names) - 1) / 2) * width
        ax.bar(x, mean, width, color=f"C{list(titles).index(name.split('/')[1])}",
               label=titles[name.split("/")[1]])
        ax.errorbar(x, mean, yerr=err, fmt="none", ecolor="0.2", lw=0.9, capsize=2)
    ax.set_xticks(np.arange(len(layer_names)), [str(s) for s in layer_names], fontsize="small")
    ax.set_ylabel("compression: peak - final I(X;T) (bits)")
    ax.set_title(f"{names[0].split('/')[0]}: compression per layer (95% interval over seeds)")
    ax.legend(fontsize="x-small")
    return ax


def _snr_panel(ax, names: list[str], infos: dict[str, RunResult], numbers: dict,
               titles: dict):
    """Layer-averaged gradient SNR (geometric mean over layers of the seed-mean ratio)."""
    for name in names:
        info, key = infos[name], name.split("/")[1]
        if numbers[name]["steps_per_epoch"] == 1:
            continue  # one batch: no spread, no SNR
        gm, gs = info.history.grad_mean.mean(axis=0), info.history.grad_std.mean(axis=0)
        snr = np.exp(np.mean(np.log(np.maximum(gm, 1e-30) / np.maximum(gs, 1e-30)), axis=1))
        ax.plot(info.plane.epochs + 1.0, snr, color=f"C{list(titles).index(key)}", lw=1.2,
                label=titles[key])
        epoch = numbers[name]["snr"]["epoch"]
        if epoch is not None:
            ax.axvline(epoch + 1.0, color=f"C{list(titles).index(key)}", ls=":", lw=1.0)
    ax.axhline(1.0, color="0.5", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel(EPOCH_LABEL)
    ax.set_ylabel("gradient SNR, mean over layers")
    ax.set_title(f"{names[0].split('/')[0]}: gradient SNR (dotted: transition; full batch has "
                 "none)", fontsize="small")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="x-small")
    else:
        ax.text(0.5, 0.5, "full batch only: no SNR", transform=ax.transAxes, ha="center")
    return ax


def compression_figure(out: Path, infos: dict[str, RunResult], numbers: dict,
                       titles: dict) -> list[Path]:
    """Draw and save ``optimiser_noise_compression``: per activation, the compression of
    every layer under each optimiser, and the gradient SNR over epochs."""
    acts = list(dict.fromkeys(k.split("/")[0] for k in infos))
    first = next(iter(infos.values()))
    with paper_style():
        fig = Figure(figsize=(11.0, 3.4 * len(acts)), layout="constrained")
        axes = fig.subplots(len(acts), 2, squeeze=False, width_ratios=(1.3, 1.0))
        for row, act in enumerate(acts):
            names = [k for k in infos if k.startswith(f"{act}/")]
            _compression_panel(axes[row, 0], names, numbers, titles, first.plane.layer_names)
            _snr_panel(axes[row, 1], names, infos, numbers, titles)
        return save_figure(fig, out / "optimiser_noise_compression")
