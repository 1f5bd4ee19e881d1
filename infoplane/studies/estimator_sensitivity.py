"""How the information plane, and the conclusions drawn from it, depend on the estimator.

One set of tanh networks (the IDNNs protocol of Shwartz-Ziv & Tishby 2017: 12-10-7-5-4-3-2,
Adam 4e-4, batch 512, the first 80% of rows; see docs/protocols.md) is trained once, with the
raw activations of every layer recorded for all 4096 inputs at log-spaced epochs. The plane is
then redrawn from the same activations with

- binning: 10, 30, 100 and 256 bin edges on [-1, 1] (IDNNs counts edges; 30 is the paper's);
- the Kolchinsky-Tracey KDE upper bound (Saxe et al. 2018) with noise variance 1e-3 (the
  ibsgd notebook's), 1e-2 and 0.1 (the paper's).

The numbers that carry the conclusions are compared across estimators: the compression of the
last hidden layer (peak minus final I(X;T) of the seed mean, bits) and which layers sit at the
ceiling I(X;T) = H(X) = log2 4096 = 12 bits (within 1%), where the estimate says only
"saturated": every input has its own bin (or kernel), not that the layer keeps 12 bits of
anything.

Scales: the default trains 4 seeds x 8000 epochs with 30 logged epochs and takes about three
minutes on two CPU cores; ``--quick`` (the smoke test) 2 seeds x 60 epochs; ``--full`` 50 seeds
x 8000 epochs with 60 logged epochs, about an hour here (mostly the KDE: 50-90 ms per seed,
epoch, layer and noise level), and ~1 GB of activations. Scale it with ``--seeds`` (linear) or
more devices for the training.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from ..analysis import compression
from ..data import load_dataset
from ..defaults import BIN_HIGH, BIN_LOW, BIN_RULE, N_BINS, NOISE_VAR
from ..plotting import (
    EPOCH_LABEL,
    information_plane_grid,
    paper_style,
    place_reference_labels,
    save_figure,
)
from ..records import InformationPlane
from ..runs import read_activations
from ..training import preset, train
from ._common import IDNNS_HIDDEN, claim, out_dir, scaled_config, within, write_results
from ._registry import Sizes, Study, sizes_at
from .saxe2018_activations import saved_plane, written_plane

NAME = "estimator_sensitivity"
BIN_EDGES = (10, N_BINS, 100, 256)  # coarser and finer than the IDNNs paper's N_BINS
NOISE_VARS = (1e-3, 1e-2, NOISE_VAR)  # the ibsgd notebook's, between, Saxe et al.'s
SATURATED = 0.99  # a layer is "saturated" when its I(X;T) >= 99% of H(X) = log2 n
COMPRESSES_BITS = 0.5  # as in saxe2018_activations: a fall of >= 0.5 bit after the peak

# quick: fewer and narrower layers, each layer width compiles the plane's estimators once
SCALES = {"quick": Sizes({"hidden": (5, 3), "seeds": 2, "epochs": 60, "schedule_value": 5}),
          "default": Sizes({"hidden": IDNNS_HIDDEN, "seeds": 4, "epochs": 8000,
                            "schedule_value": 30}),
          "full": Sizes({"hidden": IDNNS_HIDDEN, "seeds": 50, "epochs": 8000,
                         "schedule_value": 60})}


def estimators() -> dict[str, tuple[str, dict]]:
    """Label -> (method, settings) of every estimator compared, bins first."""
    out = {f"{b} bins": ("binning", {"rule": BIN_RULE, "n_bins": b, "low": BIN_LOW,
                                     "high": BIN_HIGH})
           for b in BIN_EDGES}
    out |= {f"KDE s2={v:g}": ("kde_upper", {"noise_var": v}) for v in NOISE_VARS}
    return out


def base_config():
    """The IDNNs protocol with every layer's activations recorded at log-spaced epochs."""
    return preset("tishby2017").replace(schedule="log", record_dtype="float32")


def saturated_layers(final_ixt, h_x: float, names) -> list[str]:
    """Names of the layers whose I(X;T) is within 1% of the ceiling H(X), bits."""
    return [str(n) for n, v in zip(names, np.asarray(final_ixt), strict=True)
            if v >= SATURATED * h_x]


def is_monotone(rows, increasing: bool, tol: float = 0.02) -> bool:
    """Whether each column of ``rows`` [setting, layer] never moves against the expected
    direction by more than ``tol`` bits (seed noise) from one setting to the next."""
    d = np.diff(np.asarray(rows, dtype=float), axis=0)
    return bool(np.all(d >= -tol) if increasing else np.all(d <= tol))


def summarise(planes: dict[str, InformationPlane], names, h_x: float) -> dict:
    """Per estimator: final and peak I(X;T), final I(T;Y), compression per layer, the last
    hidden layer's compression and the saturated layers."""
    last = len(names) - 2
    per = {}
    for label, plane in planes.items():
        ixt, ity = plane.I_XT, plane.I_TY
        mean = ixt.mean(axis=0)
        c = compression(ixt)["compression"]
        per[label] = {
            "final_I_XT": mean[-1], "peak_I_XT": mean.max(axis=0),
            "final_I_TY": ity.mean(axis=0)[-1], "compression_bits": c,
            "last_hidden_compression_bits": float(c[last]),
            "last_hidden_peak_epoch_index": int(np.argmax(mean[:, last])),
            "saturated_layers": saturated_layers(mean[-1], h_x, names),
        }
    return per


def claims(per: dict, names) -> list[dict]:
    bins = [f"{b} bins" for b in BIN_EDGES]
    kdes = [f"KDE s2={v:g}" for v in NOISE_VARS]
    last = names[len(names) - 2]
    l5 = {k: v["last_hidden_compression_bits"] for k, v in per.items()}
    sat = {k: len(per[k]["saturated_layers"]) for k in bins}
    paper_bins, paper_kde = f"{N_BINS} bins", f"KDE s2={NOISE_VAR:g}"
    out = [
        claim("binning: I(X;T) grows with the number of bins and tends to log2 4096 = 12 bits "
              "(saturation) as bins shrink",
              {"final I(X;T) of " + last: {k: round(float(per[k]["final_I_XT"][-2]), 2)
                                           for k in bins},
               "layers saturated (>= 99% of 12 bits)": sat},
              "agree if every layer's final I(X;T) is non-decreasing in the number of bins and "
              f"more layers are saturated with {bins[-1]} than with {bins[1]}",
              is_monotone([per[k]["final_I_XT"] for k in bins], True)
              and sat[bins[-1]] > sat[bins[1]]),
        claim("KDE: I(X;T) falls as the noise variance grows (the noise sets the scale)",
              {"final I(X;T) of " + last: {k: round(float(per[k]["final_I_XT"][-2]), 2)
                                           for k in kdes}},
              "agree if every layer's final I(X;T) is non-increasing in the noise variance",
              is_monotone([per[k]["final_I_XT"] for k in kdes], False)),
        within(f"Shwartz-Ziv & Tishby: the 3-unit layer compresses by >= 1 bit ({paper_bins})",
               l5[paper_bins], 1.0, np.inf, published=">= 1", all_estimators=l5),
        within(f"Saxe et al.: tanh compression is also seen by the KDE at noise variance "
               f"{NOISE_VAR:g} ({last})", l5[paper_kde], COMPRESSES_BITS, np.inf,
               why="our threshold for 'compresses', fixed before the runs"),
    ]
    return out


def _display(label: str, short: bool = False) -> str:
    """An estimator's label in words: "30 bins on [-1, 1]", "KDE upper bound, noise variance
    0.01" (``short``, where the row or legend says KDE: "noise variance 0.01")."""
    if "bins" in label:
        return f"{label} on [{BIN_LOW:g}, {BIN_HIGH:g}]"
    value = label.split("=")[1]
    return f"noise variance {value}" if short else f"KDE upper bound, noise variance {value}"


def _plain_log(axis):
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def _summary_axes(ax_final, ax_curve, planes: dict, per: dict, epochs, names, h_x: float):
    """(a) final I(X;T) per layer for each estimator; (b) the last hidden layer over epochs."""
    n_b, n_k = len(BIN_EDGES), len(NOISE_VARS)
    colours = ([matplotlib.colormaps["Blues"](0.35 + 0.65 * i / (n_b - 1)) for i in range(n_b)]
               + [matplotlib.colormaps["Oranges"](0.4 + 0.6 * i / (n_k - 1))
                  for i in range(n_k)])
    styles = ["-"] * n_b + ["--"] * n_k
    last = len(names) - 2
    x_layers = np.arange(len(names))
    for (label, plane), col, ls in zip(planes.items(), colours, styles, strict=True):
        ax_final.plot(x_layers, per[label]["final_I_XT"], color=col, ls=ls, marker="o", ms=3,
                      lw=1.2, label=label)
        ax_curve.plot(epochs + 1.0, plane.I_XT.mean(axis=0)[:, last], color=col, ls=ls,
                      lw=1.3)
    for ax in (ax_final, ax_curve):
        ax.axhline(h_x, color="0.45", ls=":", lw=0.9)
    ax_final.set_xticks(x_layers, names, rotation=30)
    ax_final.set_xlabel("layer")
    ax_final.set_ylabel("final I(X;T) (bits)")
    ax_final.set_ylim(0, h_x * 1.08)
    ax_final.set_title("(a) last epoch, every layer")
    ax_curve.set_xscale("log")
    _plain_log(ax_curve.xaxis)
    ax_curve.set_xlim(epochs[0] + 1.0, epochs[-1] + 1.0)
    ax_curve.set_ylim(0, h_x * 1.08)
    ax_curve.set_xlabel(EPOCH_LABEL)
    ax_curve.set_ylabel(f"I(X;T) of {names[last]} (bits)")
    ax_curve.set_title(f"(b) {names[last]} during training")
    handles = [Line2D([], [], color=c, ls=s, lw=1.3,
                      label=_display(k) if "bins" in k else f"KDE, noise var. {k.split('=')[1]}")
               for k, c, s in zip(planes, colours, styles, strict=True)]
    handles.append(Line2D([], [], color="0.45", ls=":", lw=0.9,
                          label=f"H(X) = log2 n\n= {h_x:g} bits"))
    return handles


def _figures(planes: dict[str, InformationPlane], per: dict, info: InformationPlane, epochs,
             out) -> list:
    names = list(info.layer_names)
    h_x = float(info.H_X)
    written = []
    with paper_style():
        fig = Figure(figsize=(8.0, 4.6), layout="constrained")
        grid = planes
        axes = information_plane_grid(fig, grid, ncols=len(BIN_EDGES), size=9.0)
        for c, label in enumerate(grid):
            ax = axes.flat[c]
            ax.set_title(_display(label, short=True))
            if c < len(BIN_EDGES) and len(grid) - c > len(BIN_EDGES) - 1 and \
                    c + len(BIN_EDGES) < len(grid):
                ax.set_xlabel("")
        axes[0, 0].set_ylabel("binning\nI(T;Y) (bits)")
        axes[1, 0].set_ylabel("KDE upper bound\nI(T;Y) (bits)")
        place_reference_labels(fig)
        written += save_figure(fig, out / "planes")

        fig = Figure(figsize=(7.0, 2.9), layout="constrained")
        ax_final, ax_curve = fig.subplots(1, 2)
        handles = _summary_axes(ax_final, ax_curve, planes, per, epochs, names, h_x)
        fig.legend(handles=handles, loc="outside right center", frameon=False,
                   title="estimator", title_fontsize="small")
        written += save_figure(fig, out / "summary")
    return written


def estimate_planes(run_dir, labels, info: InformationPlane, *, reuse: bool = False
                    ) -> tuple[dict[str, InformationPlane], np.ndarray]:
    """Every estimator's plane (bits) from the run's recorded activations, each also written
    to ``run_dir/plane_LABEL.npz`` (with ``reuse``, a resumed study, read from there when
    written with the same settings); and the logged epochs. ``info`` is the run's plane."""
    epochs, layers = read_activations(run_dir) if not reuse else (info.epochs, None)
    planes = {}
    for label, (method, settings) in estimators().items():
        t0 = time.time()
        path = run_dir / f"plane_{label.replace(' ', '_').replace('=', '')}.npz"
        saved = saved_plane(path, settings, epochs) if reuse else None
        if saved is not None:
            planes[label] = saved
            continue
        if layers is None:
            epochs, layers = read_activations(run_dir)
        planes[label] = written_plane(path, layers, labels, method, settings, epochs, info)
        print(f"{label}: plane in {time.time() - t0:.1f} s")
    return planes, np.asarray(epochs)


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train one set of networks, estimate its plane with every estimator, draw and judge the
    claims; see the module."""
    started = time.time()
    config = scaled_config(base_config(), sizes_at(SCALES, scale).config, overrides)
    config = config.replace(record_layers=tuple(range(len(config.hidden) + 1)))
    out = out_dir(out, NAME)
    run_dir = out / "runs" / str(config.activation)
    info = train(config, run_dir, resume=resume, overwrite=overwrite, progress=progress)
    labels = load_dataset(config.dataset).y
    planes, epochs = estimate_planes(run_dir, labels, info.plane, reuse=resume)
    names = list(info.plane.layer_names)
    per = summarise(planes, names, float(info.plane.H_X))
    numbers = {
        "layers": names, "activation": config.activation, "seeds": config.seeds,
        "epochs_trained": config.epochs, "logged_epochs": epochs,
        "H_X": float(info.plane.H_X), "log2_n": math.log2(labels.size),
        "train_acc": float(info.history.train_acc[:, -1].mean()),
        "test_acc": float(info.history.test_acc[:, -1].mean()),
        "estimators": {k: {"method": m, **s} for k, (m, s) in estimators().items()},
        "per_estimator": per,
        "last_hidden_compresses": {k: v["last_hidden_compression_bits"] >= COMPRESSES_BITS
                                   for k, v in per.items()},
    }
    paths = _figures(planes, per, info.plane, epochs, out)
    results = write_results(out, NAME, numbers, claims(per, names), started, scale=scale)
    for label, v in per.items():
        print(f"{label:>13}: final I(X;T) {np.round(v['final_I_XT'], 2)}, compression of "
              f"{names[-2]} {v['last_hidden_compression_bits']:.2f} bits, saturated "
              f"{v['saturated_layers']}")
    print(f"wrote {out / 'results.json'} and {', '.join(p.name for p in paths)} in "
          f"{results['wall_time_s']} s")
    return results


STUDY = Study(
    name="estimator_sensitivity",
    title="one set of tanh runs under seven estimators: how much does the plane depend on the "
          "estimator?",
    scales=SCALES,
    run=run,
    docs="studies/estimator_sensitivity.md",
)
