"""Regularisers on the information plane: the IDNNs network (12-10-7-5-4-3-2 tanh, Adam 4e-4,
batch 512, the first 80% of rows) trained plainly, with dropout 0.2 on the hidden units, with
L2 weight decay 1e-3 (added to the gradient before Adam), and with Gaussian noise of std 0.1
added to every hidden unit during training (Goldfeld et al. 2019). All planes are measured on
the clean (noise-free, dropout-free) activations of all 4096 inputs with the IDNNs bins
(30 edges on [-1, 1]).

Goldfeld et al.: with noise the network is a stochastic channel and I(X;T) is finite and
measurable. For the noisy run the activations are recorded and I(X;T), I(T;Y) are estimated
with the Kolchinsky-Tracey KDE upper bound at noise variance 0.1**2, i.e. the information of
T + Z, Z ~ N(0, 0.01 I), at each layer. (This puts the noise at the measured layer only; in
Goldfeld's network the noise of earlier layers also propagates, so this is an approximation
of their quantity.) KDE costs about 50 ms per (seed, epoch, layer), so all runs log 40
log-spaced epochs.

Scales: the default trains 4 configurations x 4 seeds x 3000 epochs (about 5 minutes on two
CPU cores); ``--full`` is 20 seeds x 8000 epochs (about an hour; lower ``--seeds`` or use
more devices to scale it); ``--quick`` is a smoke test (baseline and unit noise, 2 seeds x 40
epochs).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..analysis import compression, run_summary
from ..defaults import BIN_HIGH, BIN_LOW, N_BINS
from ..plane import plane_from_run
from ..plotting import EPOCH_LABEL, information_plane_grid, paper_style, save_figure
from ..records import InformationPlane, RunResult
from ..training import preset, train
from ._common import IDNNS_HIDDEN, claim, out_dir, scaled_config, within, write_results
from ._registry import ConditionSizes, Study, sizes_at

NOISE_STD = 0.1
CONDITIONS = {
    "baseline": ("no regulariser", {}),
    "dropout": ("dropout 0.2", {"dropout": 0.2}),
    "weight_decay": ("L2 weight decay 1e-3", {"weight_decay": 1e-3}),
    "unit_noise": (f"unit noise, std {NOISE_STD}", {"unit_noise": NOISE_STD}),
}


# quick: fewer and narrower layers, each layer width compiles the plane's estimators once
SCALES = {
    "quick": ConditionSizes({"hidden": (5, 3), "seeds": 2, "epochs": 40, "schedule": "log",
                             "schedule_value": 8}, ("baseline", "unit_noise")),
    "default": ConditionSizes({"hidden": IDNNS_HIDDEN, "seeds": 4, "epochs": 3000,
                               "schedule": "log", "schedule_value": 40}, tuple(CONDITIONS)),
    "full": ConditionSizes({"hidden": IDNNS_HIDDEN, "seeds": 20, "epochs": 8000,
                            "schedule": "log", "schedule_value": 60}, tuple(CONDITIONS)),
}


def summarise(info: RunResult) -> dict:
    return {**run_summary(info), "test_loss_bits": float(info.history.test_loss[:, -1].mean())}


def summarise_kde(plane: InformationPlane, H_X: float) -> dict:
    comp = compression(plane.I_XT, plane.epochs)
    return {
        "noise_var": NOISE_STD**2,
        "final_I_XT": plane.I_XT.mean(axis=0)[-1],
        "final_I_TY": plane.I_TY.mean(axis=0)[-1],
        "max_I_XT": plane.I_XT.mean(axis=0).max(axis=0),
        "H_X": H_X,
        "compression_bits": comp["compression"],
        "last_hidden_peak_epoch": int(comp["peak_epoch"][-2]),
        "last_hidden_compression_bits": float(comp["compression"][-2]),
    }


def claims(numbers: dict) -> list[dict]:
    kde = numbers["unit_noise"]["kde_upper"]
    binned = numbers["unit_noise"]
    final = np.asarray(kde["final_I_XT"], dtype=float)
    # Unsaturated: clearly below log2(4096) = 12 bits, where any estimate of a deterministic
    # network's I(X;T) ends up as bins shrink.
    measurable = bool(np.all(np.isfinite(final)) and final[-2] < kde["H_X"] - 1.0)
    comp_kde = kde["last_hidden_compression_bits"]
    comp_bin = binned["last_hidden_compression_bits"]
    return [
        claim("Goldfeld et al. 2019: with Gaussian noise (std 0.1) on every unit, I(X;T) is "
              "finite and measurable", [round(float(v), 2) for v in final],
              "agree if the KDE estimate (noise variance 0.01) is finite in every layer and, for "
              f"the 3-unit layer, more than 1 bit below H(X) = {kde['H_X']:.2f} bits",
              measurable),
        within("Goldfeld et al. 2019: the noisy tanh network compresses",
               comp_kde, 0.5, np.inf,
               why="ours: the KDE I(X;T) of the last hidden layer, peak minus final, bits",
               peak_epoch=kde["last_hidden_peak_epoch"]),
        claim("Goldfeld et al. 2019: binning tracks the same clustering as the noisy MI",
              {"binning": round(comp_bin, 2), "KDE": round(comp_kde, 2)},
              "agree if binning and the KDE both see the last hidden layer lose >= 0.5 bit "
              "from its peak, or neither does", (comp_bin >= 0.5) == (comp_kde >= 0.5)),
    ]


def _accuracy_curves(ax, infos: dict[str, RunResult]):
    """Test accuracy (mean over seeds, band the range) of each run against epoch + 1, log x."""
    for k, (title, info) in enumerate(infos.items()):
        acc = info.history.test_acc
        x = info.plane.epochs + 1.0
        ax.plot(x, acc.mean(axis=0), color=f"C{k}", lw=1.3, label=title)
        if acc.shape[0] > 1:
            ax.fill_between(x, acc.min(axis=0), acc.max(axis=0), color=f"C{k}", alpha=0.12,
                            lw=0)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlim(1.0, max(float(i.plane.epochs[-1]) for i in infos.values()) + 1.0)
    ax.set_xlabel(EPOCH_LABEL)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0.0, 1.0)
    ax.set_title("test accuracy (band: range over seeds)")
    ax.legend(loc="lower right")
    return ax


def figure(infos: dict[str, RunResult], kde: tuple[str, InformationPlane] | None) -> Figure:
    """Binned planes of every run, the KDE plane of the noisy run, and test accuracy."""
    planes = {f"{t}: binning,\n{N_BINS} bins on [{BIN_LOW:g}, {BIN_HIGH:g}]":
              i.plane for t, i in infos.items()}
    if kde is not None:
        planes[kde[0]] = kde[1]
    # A grid with a free cell for the accuracy panel (5 planes: 3 + 2 and the accuracy).
    ncols = next(c for c in (3, 2, 4, 5, 7) if len(planes) % c)
    rows = -(-(len(planes) + 1) // ncols)
    fig = Figure(figsize=(3.5 * ncols, 3.3 * rows + 0.5), layout="constrained")
    axes = information_plane_grid(fig, planes, ncols=ncols, size=10.0)
    spec = axes[0, 0].get_gridspec()
    n = len(planes)
    _accuracy_curves(fig.add_subplot(spec[n // ncols, n % ncols]), infos)
    return fig


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train every condition, estimate the noisy run's KDE plane, draw and judge; see the
    module."""
    started = time.time()
    sizes = sizes_at(SCALES, scale)
    base = scaled_config(preset("tishby2017"), sizes.config, overrides)
    out = out_dir(out, "regularisation")
    names = sizes.conditions
    infos, numbers, kde = {}, {}, None
    n_layers = len(base.hidden) + 1
    for name in names:
        title, changes = CONDITIONS[name]
        record = tuple(range(n_layers)) if name == "unit_noise" else ()
        config = base.replace(record_layers=record, **changes)
        print(f"{title}: {config.seeds} seeds x {config.epochs} epochs")
        run_dir = out / "runs" / name
        info = train(config, run_dir, resume=resume, overwrite=overwrite, progress=progress)
        infos[title] = info
        numbers[name] = summarise(info)
        if record:
            t0 = time.time()
            plane = plane_from_run(run_dir, method="kde_upper", out_name="information_kde_upper",
                                   noise_var=NOISE_STD**2)
            print(f"KDE upper bound on {plane.I_XT.size} (seed, epoch, layer) items in "
                  f"{time.time() - t0:.0f} s")
            numbers[name]["kde_upper"] = summarise_kde(plane, float(info.plane.H_X))
            kde = (f"{title}: KDE upper bound,\nnoise variance {NOISE_STD**2:g}",
                   plane)
    with paper_style():
        paths = save_figure(figure(infos, kde), out / "regularisation")
    numbers["scale"] = {"seeds": base.seeds, "epochs": base.epochs, "schedule": base.schedule,
                        "logged_epochs": int(next(iter(infos.values())).plane.epochs.size),
                        "bins": f"{base.n_bins} edges on [{base.bin_low}, {base.bin_high}]",
                        "kde_noise_var": NOISE_STD**2,
                        "one_unit_bits": math.log2(base.n_bins + 1)}
    results = write_results(out, "regularisation", numbers, claims(numbers), started,
                            scale=scale)
    print(f"wrote {out / 'results.json'} and {', '.join(p.name for p in paths)} in "
          f"{results['wall_time_s']} s")
    return results


STUDY = Study(
    name="regularisation",
    title="dropout, L2 weight decay and Gaussian unit noise (Goldfeld et al. 2019)",
    scales=SCALES,
    run=run,
    docs="studies/regularisation.md",
)
