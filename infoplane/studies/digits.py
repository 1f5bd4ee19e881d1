"""A real data set: scikit-learn's 8x8 handwritten digits (1797 x 64, 10 classes) and a wider
tanh MLP, with the information plane estimated by binning (during training) and by the KDE
bounds (from recorded activations).

Papers: Shwartz-Ziv & Tishby (2017) (fitting, then compression; binning with 30 bins on
[-1, 1]); Saxe et al. (2018) (tanh networks compress under binning and under the
Kolchinsky-Tracey KDE bounds with noise variance 0.1).

Network: 64-32-16-8-10, tanh hidden layers, softmax output. The widths halve layer by layer,
as in the 12-10-7-5-4-3-2 funnel of the original study, from the 64 pixels down to an 8-unit
layer just below the number of classes: narrow enough that binning can resolve compression
there (a 30-bin, 8-unit layer has 31^8 cells for 1797 inputs, but the tanh units saturate
and share cells), wide enough (about 2,900 weights for 1438 training images) to reach about
97% test accuracy. Wider first layers (64 or more units) give the same picture with binning
pinned at the ceiling.

Protocol: pixels scaled to [0, 1]; a stratified 80/20 split (seeded); Adam 1e-3, batch 128
(12 steps per epoch), Glorot-like IDNNs initialisation (truncated normal, std 1/sqrt(fan_in));
information measured on all 1797 images at 40 log-spaced epochs, the activations of every
layer recorded there (float16) for the KDE. With 1797 distinct images, X is uniform over them
and H(X) = log2 1797 = 10.81 bits is the ceiling of every I(X;T): a binned layer that
separates all images sits exactly there ("saturated", not "high").

Scales: the default trains 5 seeds for 1500 epochs (about two minutes on two CPU cores, the
KDE included); ``--full`` trains 20 seeds for 5000 epochs with 60 logged epochs (about 15
minutes; fewer seeds with ``--seeds``); ``--quick`` is a smoke test (binning and the KDE
upper bound only).

MNIST: see ``infoplane.data.load_idx`` and docs/studies/digits.md; ``train(config, out,
data=load_idx(...))`` trains on IDX files that the user supplies.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..analysis import compression
from ..defaults import BIN_HIGH, BIN_LOW, N_BINS, NOISE_VAR
from ..plane import plane_from_run
from ..plotting import information_plane_grid, loss_accuracy, paper_style, save_figure
from ..records import InformationPlane, RunResult
from ..training import preset, train
from ._common import near, out_dir, scaled_config, within, write_results
from ._registry import Study, sizes_at

N_DIGITS = 1797

_BASE = {"dataset": "digits", "hidden": (32, 16, 8), "split": "stratified",
         "learning_rate": 1e-3, "batch_size": 128, "batch_order": "shuffle",
         "schedule": "log", "record_layers": (0, 1, 2, 3), "record_dtype": "float16"}


@dataclass(frozen=True)
class DigitsSizes:
    """The study's sizes at one scale.

    Attributes:
        config: the RunConfig fields set on top of the protocol (``_BASE``).
        kde_bounds: the KDE bounds estimated from the recorded activations ("kde_upper" is
            the one the claims read; each bound compiles once per layer width).
    """

    config: Mapping
    kde_bounds: tuple[str, ...]


SCALES = {"quick": DigitsSizes({"seeds": 2, "epochs": 30, "schedule_value": 6},
                               ("kde_upper",)),
          "default": DigitsSizes({"seeds": 5, "epochs": 1500, "schedule_value": 40},
                                 ("kde_upper", "kde_lower")),
          "full": DigitsSizes({"seeds": 20, "epochs": 5000, "schedule_value": 60},
                              ("kde_upper", "kde_lower"))}


def summarise(info: RunResult, kde: dict[str, InformationPlane]) -> dict:
    planes = {"binning": (info.plane.I_XT, info.plane.I_TY),
              **{k: (v.I_XT, v.I_TY) for k, v in kde.items()}}
    s = {"layers": [str(n) for n in info.plane.layer_names], "H_X": float(info.plane.H_X),
         "H_Y": float(info.plane.H_Y), "seeds": int(info.plane.I_XT.shape[0]),
         "epochs_trained": int(info.plane.epochs[-1]) + 1,
         "train_acc": float(info.history.train_acc[:, -1].mean()),
         "test_acc": float(info.history.test_acc[:, -1].mean()),
         "best_test_acc_epoch": int(info.plane.epochs[np.argmax(info.history.test_acc.mean(0))]),
         "test_loss_final_bits": float(info.history.test_loss[:, -1].mean())}
    for name, (ixt, ity) in planes.items():
        mx, my = ixt.mean(axis=0), ity.mean(axis=0)
        s[name] = {"initial_I_XT": mx[0], "final_I_XT": mx[-1], "peak_I_XT": mx.max(axis=0),
                   "compression_bits": compression(mx)["compression"], "initial_I_TY": my[0],
                   "final_I_TY": my[-1]}
    return s


def claims(s: dict) -> list[dict]:
    b, ku = s["binning"], s["kde_upper"]
    last = len(s["layers"]) - 2  # the 8-unit layer
    h_x = math.log2(N_DIGITS)
    return [
        near("binning a deterministic network saturates at H(X) = log2 N: for the wide first "
             f"layer I(X;T) = log2 {N_DIGITS} bits (Saxe et al. 2018; estimator pitfall)",
             b["final_I_XT"][0], h_x, 0.05,
             every_epoch_min=round(s["L1_min_I_XT"], 3)),
        within("fitting: the last hidden layer's I(T;Y) rises towards H(Y) (Shwartz-Ziv & "
               "Tishby 2017)", b["final_I_TY"][last], 0.9 * s["H_Y"],
               np.inf, published=round(s["H_Y"], 3),
               why="ours: the binned final I(T;Y); 90% of H(Y) or more",
               binning=[round(b["initial_I_TY"][last], 2), round(b["final_I_TY"][last], 2)],
               kde_upper=[round(ku["initial_I_TY"][last], 2),
                          round(ku["final_I_TY"][last], 2)]),
        within("compression with tanh: the last hidden layer's I(X;T) falls after its peak "
               "under binning and under KDE (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018)",
               [b["compression_bits"][last], ku["compression_bits"][last]],
               0.5, np.inf, why="ours: peak minus final, binning and KDE upper, bits"),
        within("sanity check (no paper): a small MLP classifies 8x8 digits well",
               s["test_acc"], 0.95, 1.0, why="ours: test accuracy",
               train_acc=round(s["train_acc"], 3)),
    ]


def _figures(out: Path, info: RunResult, kde: dict[str, InformationPlane]) -> list[Path]:
    planes = {f"(a) binning, {N_BINS} bins on [{BIN_LOW:g}, {BIN_HIGH:g}]": info.plane}
    for k, v in kde.items():
        planes[f"({'bc'[len(planes) - 1]}) KDE {k[4:]} bound, noise variance {NOISE_VAR}"] = v
    written = []
    with paper_style():
        fig = Figure(figsize=(10.0, 3.9), layout="constrained")
        # Each estimator on its own axes: their bits are not on one scale.
        information_plane_grid(fig, planes, share="none")
        written += save_figure(fig, out / "digits_plane")
        fig = Figure(figsize=(5.2, 3.2), layout="constrained")
        h = info.history
        loss_accuracy(fig.add_subplot(), h.epochs, h.train_loss, h.test_loss, h.train_acc,
                      h.test_acc)
        written += save_figure(fig, out / "digits_loss_accuracy")
    return written


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train on the digits, estimate the KDE planes, draw and judge the claims; see the
    module."""
    started = time.time()
    sizes = sizes_at(SCALES, scale)
    config = scaled_config(preset("tishby2017").replace(**_BASE), sizes.config, overrides)
    out = out_dir(out, "digits")
    run_dir = out / "runs" / "tanh"
    info = train(config, run_dir, resume=resume, overwrite=overwrite, progress=progress)
    t0 = time.time()
    kde = {m: plane_from_run(run_dir, method=m, out_name=f"information_{m}", noise_var=NOISE_VAR)
           for m in sizes.kde_bounds}
    kde_seconds = time.time() - t0
    numbers = summarise(info, kde)
    ixt = info.plane.I_XT
    numbers["L1_min_I_XT"] = float(ixt[:, 1:, 0].min() if ixt.shape[1] > 1 else ixt[:, 0, 0].min())
    numbers["kde_seconds"] = kde_seconds
    # A finished run that is resumed trains nothing, and has no training time to report.
    numbers["train_seconds"] = (float(info.train_seconds) if info.train_seconds is not None
                                else None)
    paths = _figures(out, info, kde)
    results = write_results(out, "digits", numbers, claims(numbers), started,
                            scale=scale)
    print(f"wrote {run_dir}, {out / 'results.json'} and "
          f"{', '.join(p.name for p in paths)} in {results['wall_time_s']} s")
    return results


STUDY = Study(
    name="digits",
    title="a real data set (scikit-learn's 8x8 digits), binning against KDE",
    scales=SCALES,
    run=run,
    docs="studies/digits.md",
)
