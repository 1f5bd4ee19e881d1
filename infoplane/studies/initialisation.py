"""How the initialisation shapes the information plane: zero, small normal (std 0.01), Glorot
(uniform) and He (normal) weights for tanh and relu networks, 12-10-7-5-4-3-2, otherwise the
IDNNs protocol (Adam 4e-4, batch 512, the first 80% of rows for training; biases start at 0).

Binning: tanh layers use the IDNNs bins (30 edges on [-1, 1]); relu layers have no fixed range,
so they use the "layer" rule of the training-time estimator: 100 edges spanning that layer's
own min..max at each logged epoch (Saxe et al. use 100 bins over the global range; the per-epoch
range keeps the estimate scale-free while relu activations grow). The softmax output layer
follows the same rule as its network's hidden layers.

Zero initialisation is the textbook symmetry failure: all units of a layer compute the same
function. Here it is total, because every backpropagated error passes through a zero weight
matrix: only the output bias learns, every hidden layer stays constant (I(X;T) = 0, less than
one unit can carry) and the network predicts the majority class. The study checks this in
numbers from recorded activations of the zero-initialised runs (distinct units per layer, and
the information of one unit against that of the layer).

Scales: the default trains 8 configurations x 3 seeds x 2000 epochs (about 7 minutes on two
busy CPU cores, a third of it compilation); ``--full`` is 20 seeds x 8000 epochs each (about
2 hours here; lower ``--seeds`` or run on more devices, which split the seeds, to scale
it); ``--quick`` is a smoke test with two configurations (tanh/zero and relu/He) x 2 seeds x
40 epochs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..analysis import run_summary
from ..data import load_dataset, split
from ..defaults import BIN_HIGH, BIN_LOW, BIN_RULE, DATA_BIN_RULE, GLOBAL_N_BINS, N_BINS
from ..plane import plane_from_activations as plane_of
from ..plane import plane_from_run
from ..plotting import information_plane_grid, paper_style, save_figure
from ..records import RunResult
from ..runs import read_activations
from ..training import preset, train
from ._common import IDNNS_HIDDEN, claim, near, out_dir, scaled_config, write_results
from ._registry import ConditionSizes, Study, sizes_at

INITS = {"zeros": "zero", "normal": "normal, std 0.01", "glorot_uniform": "Glorot uniform",
         "he_normal": "He normal"}
ACTIVATIONS = ("tanh", "relu")
CONDITIONS = tuple((a, i) for a in ACTIVATIONS for i in INITS)
BINS = {"tanh": {"bin_rule": BIN_RULE, "n_bins": N_BINS, "bin_low": BIN_LOW,
                 "bin_high": BIN_HIGH},
        "relu": {"bin_rule": DATA_BIN_RULE, "n_bins": GLOBAL_N_BINS}}


# quick: fewer and narrower layers, each layer width compiles the plane's estimators once
SCALES = {
    "quick": ConditionSizes({"hidden": (5, 3), "seeds": 2, "epochs": 40, "schedule": "log",
                             "schedule_value": 12},
                            (("tanh", "zeros"), ("relu", "he_normal"))),
    "default": ConditionSizes({"hidden": IDNNS_HIDDEN, "seeds": 3, "epochs": 2000,
                               "schedule": "log", "schedule_value": 60}, CONDITIONS),
    # the IDNNs schedule takes no value
    "full": ConditionSizes({"hidden": IDNNS_HIDDEN, "seeds": 20, "epochs": 8000,
                            "schedule": "idnns", "schedule_value": None}, CONDITIONS),
}


def distinct_units(activations, atol: float = 1e-6) -> int:
    """How many different functions the units of one layer compute on the inputs.

    Args:
        activations: (n, units) one layer's activations for n inputs.
        atol: two units are the same when they differ by at most ``atol`` on every input.

    Returns:
        The number of groups of identical units (1 when the layer is symmetric).
    """
    a = np.asarray(activations, dtype=float)
    groups: list[np.ndarray] = []
    for u in range(a.shape[1]):
        if not any(np.max(np.abs(a[:, u] - g)) <= atol for g in groups):
            groups.append(a[:, u])
    return len(groups)


def symmetry_check(run_dir, bins: dict, labels) -> dict:
    """From a run's recorded activations: distinct units per layer (worst over seeds and
    logged epochs) and the binned I(X;T) of the layer against that of its first unit alone."""
    _, acts = read_activations(run_dir)  # [S, E, n, w] per recorded layer
    distinct = [max(distinct_units(a[s, t]) for s in range(a.shape[0]) for t in range(a.shape[1]))
                for a in acts]
    settings = {"rule": bins["bin_rule"], "n_bins": bins["n_bins"]}
    if bins["bin_rule"] == "fixed":
        settings.update(low=bins["bin_low"], high=bins["bin_high"])
    whole = plane_from_run(run_dir, method="binning", **settings).I_XT
    one = plane_of([a[..., :1].astype(np.float32) for a in acts], labels, method="binning",
                   **settings).I_XT
    return {"distinct_units_per_layer": distinct,
            "max_I_XT_layer_bits": float(whole.max()),
            "max_I_XT_one_unit_bits": float(one.max()),
            "max_gap_layer_minus_unit_bits": float(np.max(np.abs(whole - one)))}


def majority_baseline(config) -> float:
    """Test accuracy of always predicting the most frequent training label: what a network
    whose hidden layers are constant can at best do."""
    data = load_dataset(config.dataset)
    rows = split(data, config.split, config.train_fraction, config.split_seed)
    guess = np.bincount(data.y[rows.train], minlength=data.n_classes).argmax()
    return float(np.mean(data.y[rows.test] == guess))


def summarise(info: RunResult) -> dict:
    return {**run_summary(info), "max_I_XT_bits": float(info.plane.I_XT.mean(axis=0).max())}


def claims(numbers: dict, majority: float) -> list[dict]:
    out = []
    for act in ACTIVATIONS:
        zero = numbers.get(f"{act}/zeros")
        if zero is None:
            continue
        sym = zero["symmetry"]
        one_unit = math.log2(BINS[act]["n_bins"] + 1)
        hidden = sym["distinct_units_per_layer"][:-1]
        out.append(claim(
            f"{act}, zero initialisation: all units of each hidden layer stay identical "
            "(symmetry is never broken)", hidden,
            "agree if every hidden layer has 1 distinct unit (max over seeds and epochs)",
            max(hidden) == 1, published=1))
        out.append(claim(
            f"{act}, zero initialisation: I(X;T) stays at the level of one unit",
            round(sym["max_I_XT_layer_bits"], 3),
            f"agree if every layer's I(X;T) is <= log2 {BINS[act]['n_bins'] + 1} = "
            f"{one_unit:.2f} bits (one unit with these bins) and equals its first unit's to "
            "1e-6 bits", sym["max_I_XT_layer_bits"] <= one_unit
            and sym["max_gap_layer_minus_unit_bits"] < 1e-6,
            one_unit_bits=round(sym["max_I_XT_one_unit_bits"], 3)))
        others = [v["test_acc"] for k, v in numbers.items()
                  if k.startswith(f"{act}/") and not k.endswith("zeros")]
        out.append(near(
            f"{act}, zero initialisation: accuracy stays poor (as always predicting the training "
            "majority class)", zero["test_acc"], majority, 0.02,
            other_inits=[round(min(others), 3), round(max(others), 3)] if others else None))
    return out


def _bins_text(activation: str) -> str:
    """The binning of a panel, in words."""
    b = BINS[activation]
    if b["bin_rule"] == DATA_BIN_RULE:
        return f"binning, {b['n_bins']} bins over each layer's range"
    return f"binning, {b['n_bins']} bins on [{b['bin_low']:g}, {b['bin_high']:g}]"


def figure(infos: dict[str, RunResult], numbers: dict, ncols: int) -> Figure:
    """The grid of planes, each titled with its final test accuracy (mean over seeds)."""
    planes = {f"{title}, test acc. {numbers[key]['test_acc']:.3f}\n"
              f"{_bins_text(title.split(',')[0])}":
              info.plane
              for (title, info), key in zip(infos.items(), numbers, strict=True)}
    rows = -(-len(planes) // ncols)
    fig = Figure(figsize=(3.1 * ncols + 0.8, 2.8 * rows + 0.6), layout="constrained")
    axes = information_plane_grid(fig, planes, ncols=ncols, size=9.0)
    for ax, info in zip(axes.flat, infos.values(), strict=False):
        # Float32 plug-in entropies of a constant layer are 0 up to rounding (~1e-7 bits).
        if max(np.abs(info.plane.I_XT).max(), np.abs(info.plane.I_TY).max()) < 1e-6:
            ax.text(0.5, 0.5, "every layer is constant:\nI(X;T) = I(T;Y) = 0,\n"
                    "all points at the origin", transform=ax.transAxes, ha="center",
                    va="center", fontsize="small")
            for text in list(ax.texts):  # the layer names, stacked at the origin, say nothing
                if text.get_text() in [str(n).split(" (")[0] for n in info.plane.layer_names]:
                    text.remove()
    return fig


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train every (activation, initialisation), check the symmetric runs, draw and judge; see
    the module."""
    started = time.time()
    sizes = sizes_at(SCALES, scale)
    base = scaled_config(preset("tishby2017"), sizes.config, overrides)
    out = out_dir(out, "initialisation")
    conditions = sizes.conditions
    infos, numbers = {}, {}
    for act, init in conditions:
        name = f"{act}/{init}"
        record = tuple(range(len(base.hidden) + 1)) if init == "zeros" else ()
        config = base.replace(activation=act, init=init, init_std=0.01, record_layers=record,
                              **BINS[act])
        print(f"{name}: {config.seeds} seeds x {config.epochs} epochs")
        run_dir = out / "runs" / act / init
        info = train(config, run_dir, resume=resume, overwrite=overwrite, progress=progress)
        infos[f"{act}, {INITS[init]}"] = info
        numbers[name] = summarise(info)
        if record:
            numbers[name]["symmetry"] = symmetry_check(run_dir, BINS[act],
                                                        load_dataset(base.dataset).y)
    majority = majority_baseline(base)
    ncols = len(INITS) if len(infos) > 2 else len(infos)
    with paper_style():
        paths = save_figure(figure(infos, numbers, ncols), out / "initialisation")
    numbers["binning"] = {act: BINS[act] for act in ACTIVATIONS}
    numbers["majority_class_test_acc"] = majority
    numbers["scale"] = {"seeds": base.seeds, "epochs": base.epochs, "schedule": base.schedule}
    results = write_results(out, "initialisation", numbers, claims(numbers, majority), started,
                            scale=scale)
    print(f"wrote {out / 'results.json'} and {', '.join(p.name for p in paths)} in "
          f"{results['wall_time_s']} s")
    return results


STUDY = Study(
    name="initialisation",
    title="zero, small normal, Glorot and He weights for tanh and relu",
    scales=SCALES,
    run=run,
    docs="studies/initialisation.md",
)
