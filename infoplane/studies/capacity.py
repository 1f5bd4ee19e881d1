"""How many neurons are enough, and is one? One hidden layer of growing width on tishby12 and
on MNIST-1D: accuracy and the information plane of the hidden layer against width; beside it,
the universal approximation theorem on a smooth 1-D function.

Protocol. For each data set, activation (tanh, relu) and width (1, 2, 3, 4, 6, 8, 12, 16, 32,
64), a network with one hidden layer of that width and a softmax output, trained on the data
set's own protocol: tishby12 as IDNNs (``preset("tishby2017")``: Adam 4e-4, batch 512, the
first 80% of rows), MNIST-1D as its MLP preset (``preset("mnist1d_mlp")``: Adam 1e-3, batch
100 shuffled, its 4000 training and 1000 test sequences, He initialisation). The hidden layer
is binned with 30 edges on [-1, 1] for tanh and 30 edges over the layer's range at each
logged epoch for relu (unbounded), on all inputs. Reported per width, over seeds (mean and
95% Student-t interval): final train and test accuracy, and the final and peak (over logged
epochs) I(X;T) and I(T;Y) of the hidden layer. The saturation width is the smallest from
which every wider network's mean test accuracy is within ``PLATEAU`` of the best.

The approximation panel (``_capacity_approx``): one-hidden-layer tanh networks of 1-256 units
fitted to sin(3 pi x) exp(-x^2) + 0.5 x on [-1, 1], squared error against width on log-log
axes beside Barron's (1993) O(1/width) rate.

Scales: ``--quick`` is a smoke test (widths 1 and 6, a few epochs); the default trains 4 seeds
(tishby12 1500 epochs, MNIST-1D 100 epochs); ``--full`` 10 seeds (tishby12 4000 epochs,
MNIST-1D 200 epochs, the preset's). ``--seeds``/``--epochs``/``--set`` apply to both data sets.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..analysis import seed_interval
from ..records import RunResult
from ..training import preset, train
from ._capacity_approx import WIDTHS as APPROX_WIDTHS
from ._capacity_approx import approximation_errors, loglog_slope
from ._capacity_figures import approximation_figure, capacity_figure
from ._common import out_dir, scaled_config, write_results
from ._registry import FINDINGS, Study, sizes_at

WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16, 32, 64)
ACTIVATIONS = ("tanh", "relu")
DATASETS = {"tishby12": "tishby2017", "mnist1d": "mnist1d_mlp"}  # data set -> its preset
PLATEAU = 0.02  # test accuracy within 2 points of the best counts as saturated


@dataclass(frozen=True)
class CapacitySizes:
    """The study's sizes at one scale.

    Attributes:
        config: data set -> the RunConfig fields set on top of its preset.
        widths: the hidden layer's widths trained on each data set and activation.
        approx_widths, approx_seeds, approx_steps: the approximation panel's networks.
    """

    config: Mapping[str, Mapping]
    widths: tuple[int, ...]
    approx_widths: tuple[int, ...]
    approx_seeds: int
    approx_steps: int


SCALES = {
    "quick": CapacitySizes(
        {"tishby12": {"seeds": 2, "epochs": 30, "schedule": "log", "schedule_value": 6},
         "mnist1d": {"seeds": 2, "epochs": 3, "schedule": "every", "schedule_value": 1}},
        widths=(1, 6), approx_widths=(1, 4, 16), approx_seeds=2, approx_steps=200),
    "default": CapacitySizes(
        {"tishby12": {"seeds": 4, "epochs": 1500, "schedule": "log", "schedule_value": 30},
         "mnist1d": {"seeds": 4, "epochs": 100, "schedule": "log", "schedule_value": 30}},
        widths=WIDTHS, approx_widths=APPROX_WIDTHS, approx_seeds=5, approx_steps=2000),
    "full": CapacitySizes(
        {"tishby12": {"seeds": 10, "epochs": 4000, "schedule": "log", "schedule_value": 40},
         "mnist1d": {"seeds": 10, "epochs": 200, "schedule": "log", "schedule_value": 40}},
        widths=WIDTHS, approx_widths=APPROX_WIDTHS, approx_seeds=10, approx_steps=4000),
}


def config_for(dataset: str, activation: str, width: int, sizes: CapacitySizes,
               overrides) -> object:
    """The RunConfig of one network: the data set's preset at ``sizes``, one hidden layer."""
    base = scaled_config(preset(DATASETS[dataset]), sizes.config[dataset], overrides)
    bins = {"bin_rule": "fixed", "bin_low": -1.0, "bin_high": 1.0} if activation == "tanh" \
        else {"bin_rule": "layer"}
    return base.replace(hidden=(int(width),), activation=activation, **bins)


def summarise_width(info: RunResult) -> dict:
    """One network's numbers, each as a seed interval; the hidden layer is layer 0."""
    return {"train_acc": seed_interval(info.history.train_acc[:, -1]),
            "test_acc": seed_interval(info.history.test_acc[:, -1]),
            "final_I_XT": seed_interval(info.plane.I_XT[:, -1, 0]),
            "final_I_TY": seed_interval(info.plane.I_TY[:, -1, 0]),
            "peak_I_XT": seed_interval(info.plane.I_XT[:, :, 0].max(axis=1)),
            "peak_I_TY": seed_interval(info.plane.I_TY[:, :, 0].max(axis=1))}


def saturation_width(widths, test_acc, tol: float = PLATEAU) -> int:
    """The smallest width from which every wider mean test accuracy is within ``tol`` of the
    best (test_acc: [width] means)."""
    acc = np.asarray(test_acc, dtype=float)
    ok = acc >= acc.max() - tol
    for i in range(acc.size):
        if ok[i:].all():
            return int(widths[i])
    return int(widths[-1])  # unreachable: the best width itself is within tol


def _series(per_width: dict, key: str, field: str = "mean") -> np.ndarray:
    return np.array([per_width[w][key][field] for w in per_width])


def claims(s: dict, widths) -> list[dict]:
    """The claims, judged per (data set, activation); thresholds fixed before the runs."""
    rows = {k: v for k, v in s.items() if k in {f"{d}_{a}" for d in DATASETS
                                                for a in ACTIVATIONS}}
    one, sat, more = {}, {}, {}
    for name, r in rows.items():
        acc = _series(r["per_width"], "test_acc")
        one[name] = (round(float(acc[0]), 3), round(float(acc.max()), 3))
        w_sat = r["saturation_width"]
        i = list(widths).index(w_sat)
        sat[name] = w_sat
        more[name] = (round(float(_series(r["per_width"], "final_I_XT")[-1]
                                  - _series(r["per_width"], "final_I_XT")[i]), 2),
                      round(float(_series(r["per_width"], "final_I_TY")[-1]
                                  - _series(r["per_width"], "final_I_TY")[i]), 3))
    approx = s["approximation"]
    last_sat = widths[max(len(widths) - 3, 0)]
    return [
        {"claim": "one neuron cannot solve either task (here: width 1's mean test accuracy is "
                  ">= 0.05 below the best width's, for every data set and activation)",
         "ours": {k: f"width 1: {a:.3f}, best: {b:.3f}" for k, (a, b) in one.items()},
         "agree": bool(all(b - a >= 0.05 for a, b in one.values()))},
        {"claim": f"test accuracy saturates from some width on (here: every width from the "
                  f"saturation width on is within {PLATEAU} of the best, and that width is "
                  f"at most {last_sat}, so >= 3 widths lie on the plateau)",
         "ours": sat, "agree": bool(all(w <= last_sat for w in sat.values()))},
        {"claim": "past saturation more width adds I(X;T) but not I(T;Y) (here: from the "
                  f"saturation width to {widths[-1]}, the hidden layer's final I(X;T) rises "
                  ">= 0.5 bit and its I(T;Y) by <= 0.05 bit)",
         "ours": {k: f"I(X;T) {dx:+.2f} bits, I(T;Y) {dy:+.3f} bits"
                  for k, (dx, dy) in more.items()},
         "agree": bool(all(dx >= 0.5 and dy <= 0.05 for dx, dy in more.values())),
         "per_setting": {k: bool(dx >= 0.5 and dy <= 0.05) for k, (dx, dy) in more.items()}},
        {"claim": "universal approximation (Barron 1993): the squared error of one-hidden-layer "
                  "networks falls at least as fast as O(1/width) (here: log-log slope of the "
                  "seed-median test MSE over all widths <= -1)",
         "ours": f"slope {approx['slope']:.2f}; MSE {approx['median_mse'][0]:.2e} at width "
                 f"{approx['widths'][0]} -> {approx['median_mse'][-1]:.2e} at width "
                 f"{approx['widths'][-1]}",
         "agree": bool(approx["slope"] <= -1.0)},
    ]


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train every (data set, activation, width), fit the 1-D function, draw and judge the
    claims; see the module."""
    started = time.time()
    sizes = sizes_at(SCALES, scale)
    widths = sizes.widths
    configs = {(d, a, w): config_for(d, a, w, sizes, overrides) for d in DATASETS
               for a in ACTIVATIONS for w in widths}  # checks before work
    out = out_dir(out, "capacity")
    numbers: dict = {"scale": scale, "smoke_test": not FINDINGS[scale], "widths": list(widths)}
    for (d, a, w), config in configs.items():
        print(f"{d}, {a}, width {w}: {config.seeds} seeds x {config.epochs} epochs")
        info = train(config, out / "runs" / f"{d}_{a}_w{w}", resume=resume, overwrite=overwrite,
                     progress=progress)
        row = numbers.setdefault(f"{d}_{a}", {"per_width": {}, "H_X": float(info.plane.H_X),
                                              "H_Y": float(info.plane.H_Y),
                                              "seeds": config.seeds, "epochs": config.epochs})
        row["per_width"][w] = summarise_width(info)
    for name in (f"{d}_{a}" for d in DATASETS for a in ACTIVATIONS):
        acc = _series(numbers[name]["per_width"], "test_acc")
        numbers[name]["saturation_width"] = saturation_width(widths, acc)
    mse, pred = approximation_errors(widths=sizes.approx_widths, seeds=sizes.approx_seeds,
                                     steps=sizes.approx_steps)
    a_widths = list(sizes.approx_widths)
    numbers["approximation"] = {"widths": a_widths, "seeds": sizes.approx_seeds,
                                "steps": sizes.approx_steps,
                                "median_mse": np.median(mse, axis=0),
                                "slope": loglog_slope(a_widths, mse)}
    paths = capacity_figure(out, numbers, widths) + approximation_figure(out, a_widths, mse, pred)
    results = write_results(out, "capacity", numbers, claims(numbers, widths), started,
                            scale=scale)
    print(f"wrote {out / 'results.json'} and {', '.join(p.name for p in paths)} in "
          f"{results['wall_time_s']} s")
    return results


STUDY = Study(
    name="capacity",
    title="how many neurons are enough, and is one? (the universal approximation rate)",
    scales=SCALES,
    run=run,
    docs="studies/capacity.md",
)
