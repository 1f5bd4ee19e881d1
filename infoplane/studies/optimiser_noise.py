"""Does compression need the noise of SGD? The 12-10-7-5-4-3-2 network on tishby12 (IDNNs
initialisation and split, the first 80% of rows, 3277 training rows, in fixed contiguous
batches), tanh and relu, trained by four optimisers:

  SGD, batch 32        plain SGD, 103 noisy steps per epoch
  SGD, batch 256       plain SGD, 13 steps per epoch
  full-batch GD        plain gradient descent, batch = all 3277 training rows: one exact
                       gradient step per epoch, no gradient noise at all
  Adam, batch 512      the IDNNs protocol (Adam 4e-4), as ``tishby2017``

Learning rates (``LEARNING_RATES``) were chosen to train every seed of each optimiser within the
default budget of 2000 epochs, from probes of 4 seeds x 500-2000 epochs (README): SGD-32 at
0.02 (tanh) and 0.01 (relu); SGD-256 at 0.1 and 0.05; full batch at 0.5 (tanh) and 0.2 (relu).
The linear-scaling rule from SGD-32 (Goyal et al. 2017: x 102 for the batch) would give 2.0
for full batch, which left 3 of 4 tanh seeds stuck on the majority class; relu at 0.5 (with He
initialisation) lost 2 of 4 seeds the same way, at 0.1 and 0.2 all trained. Every optimiser
runs the same number of epochs (passes over the data, so the same number of gradient
evaluations of each row), not the same number of steps.

Binning: tanh layers 30 edges on [-1, 1] (IDNNs). relu layers are binned as Saxe et al. bin
them, 100 edges over the layer's range across all logged epochs and seeds (the "global" rule,
from activations recorded as float16, ``plane.plane_from_run``): with edges over each epoch's
own range instead, the growing relu activations would coarsen the bins and show as a fall of
I(X;T) (our first default run: 1.2-2.9 bits of "compression" of the 3-unit relu layer under
that rule). Each layer's compression is its peak minus its final I(X;T)
(``analysis.compression``), per seed, with a 95% Student-t interval over seeds.
The gradient SNR (``analysis.find_snr_transition``) is the norm of the mean batch gradient of
an epoch over the spread of its batch gradients; with one batch per epoch there is no spread,
so full-batch GD has no SNR phases by construction.

Claims: Saxe et al. (2018), "On the information bottleneck theory of deep learning", Sec. 5:
tanh networks compress under full-batch gradient descent as under SGD, so the noise of SGD is
not what causes compression; relu networks do not compress. Against it, the reading of
Shwartz-Ziv & Tishby (2017) that compression is the diffusion phase driven by gradient noise.

Scales: the default trains 8 runs of 5 seeds x 2000 epochs (7 to 15 minutes on two CPU cores
shared with other jobs, most of it SGD-32's 103 steps per epoch); ``--full`` 10 seeds x 4000
epochs, four times the default's training (not run here: about 30 minutes if the default
takes 7); ``--quick`` a smoke test (tanh SGD-32 and full batch, relu full batch).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..analysis import compression, find_snr_transition, run_summary, seed_interval
from ..data import load_dataset, split
from ..defaults import BIN_HIGH, BIN_LOW, BIN_RULE, GLOBAL_N_BINS, N_BINS
from ..plane import plane_from_run
from ..records import RunResult
from ..training import preset, train
from ._common import IDNNS_HIDDEN, claim, out_dir, scale_kind, scaled_config, write_results
from ._optimiser_noise_figures import compression_figure, planes_figure
from ._registry import ConditionSizes, Study, sizes_at

ACTIVATIONS = ("tanh", "relu")
OPTIMISERS = {"sgd32": "SGD, batch 32", "sgd256": "SGD, batch 256", "gd": "full-batch GD",
              "adam": "Adam, batch 512"}
FULL_BATCH = 0  # a batch size of 0 here means: all training rows
BATCHES = {"sgd32": 32, "sgd256": 256, "gd": FULL_BATCH, "adam": 512}
LEARNING_RATES = {("tanh", "sgd32"): 0.02, ("tanh", "sgd256"): 0.1, ("tanh", "gd"): 0.5,
                  ("tanh", "adam"): 4e-4, ("relu", "sgd32"): 0.01, ("relu", "sgd256"): 0.05,
                  ("relu", "gd"): 0.2, ("relu", "adam"): 4e-4}
CONDITIONS = tuple((a, o) for a in ACTIVATIONS for o in OPTIMISERS)
BINS = {"tanh": {"bin_rule": BIN_RULE, "n_bins": N_BINS, "bin_low": BIN_LOW,
                 "bin_high": BIN_HIGH}, "relu": {}}
GLOBAL = {"rule": "global", "n_bins": GLOBAL_N_BINS}  # relu: re-binned after training
COMPRESSES = 0.5  # bits of I(X;T) lost from the peak that count as compression


# quick: fewer and narrower layers, each layer width compiles the plane's estimators once
SCALES = {
    "quick": ConditionSizes({"hidden": (5, 3), "seeds": 2, "epochs": 30, "schedule": "log",
                             "schedule_value": 8},
                            (("tanh", "sgd32"), ("tanh", "gd"), ("relu", "gd"))),
    "default": ConditionSizes({"hidden": IDNNS_HIDDEN, "seeds": 5, "epochs": 2000,
                               "schedule": "log", "schedule_value": 40}, CONDITIONS),
    "full": ConditionSizes({"hidden": IDNNS_HIDDEN, "seeds": 10, "epochs": 4000,
                            "schedule": "log", "schedule_value": 50}, CONDITIONS),
}


def condition_config(base, activation: str, optimiser: str, n_train: int):
    """The RunConfig of one (activation, optimiser) pair on top of the study's ``base``; relu
    runs record every layer, to be re-binned over the global range."""
    batch = BATCHES[optimiser] or n_train
    record = tuple(range(base.n_layers)) if activation == "relu" else ()
    return base.replace(activation=activation, optimiser="adam" if optimiser == "adam" else "sgd",
                        batch_size=batch, learning_rate=LEARNING_RATES[activation, optimiser],
                        record_layers=record, **BINS[activation])


def globally_binned(info: RunResult, run_dir: Path) -> RunResult:
    """``info`` with its plane replaced by Saxe et al.'s binning: ``GLOBAL`` edges over each
    layer's range across all logged epochs and seeds (written to information_global.npz)."""
    plane = plane_from_run(run_dir, method="binning", out_name="information_global", **GLOBAL)
    return replace(info, plane=plane)


def snr_phases(info: RunResult, one_batch: bool) -> dict:
    """The drift-to-diffusion epoch of a run, or why there is none."""
    if one_batch:
        return {"epoch": None, "rule": "none: one batch per epoch, no spread between batch "
                                       "gradients (no gradient noise)"}
    h = info.history
    epoch, rule = find_snr_transition(h.epochs, h.grad_mean, h.grad_std)
    return {"epoch": epoch, "rule": rule}


def summarise(info: RunResult, one_batch: bool) -> dict:
    """A run's numbers: accuracies, per-seed compression of every layer with its interval,
    the compression of the seed-mean curve, and the SNR phases."""
    per_seed = np.stack([compression(ixt, info.plane.epochs)["compression"]
                         for ixt in info.plane.I_XT])
    ci = seed_interval(per_seed)
    mean_curve = compression(info.plane.I_XT, info.plane.epochs)
    return {**run_summary(info),
            "train_acc_min": float(info.history.train_acc[:, -1].min()),
            "compression_per_seed": per_seed,
            "compression_mean": ci["mean"], "compression_low": ci["low"],
            "compression_high": ci["high"],
            "mean_curve_peak_epoch": mean_curve["peak_epoch"],
            "snr": snr_phases(info, one_batch)}


def _judge(text: str, rule: str, ours: str, agree: bool) -> dict:
    return claim(text, ours, rule, agree)


def _last(n: dict, key: str) -> float:
    return float(n[key][-2])  # the last hidden layer (3 units); the output is last


def claims(numbers: dict) -> list[dict]:
    """Each claim with our number, its rule and whether they agree (absent conditions skip)."""
    out = []

    def ci(n):
        return (f"{_last(n, 'compression_mean'):.2f} bits [{_last(n, 'compression_low'):.2f}, "
                f"{_last(n, 'compression_high'):.2f}]")

    gd, sgd = numbers.get("tanh/gd"), numbers.get("tanh/sgd32")
    if gd is not None:
        out.append(_judge(
            "Saxe et al. 2018: tanh networks compress with full-batch gradient descent too",
            f"agree if the 3-unit layer's per-seed compression (peak minus final I(X;T)) has "
            f"its 95% interval above {COMPRESSES} bit", f"full-batch GD: {ci(gd)}",
            _last(gd, "compression_low") >= COMPRESSES))
        out.append(_judge(
            "Shwartz-Ziv & Tishby 2017 (as read by Saxe et al.): compression is the diffusion "
            "phase, driven by the noise of SGD, so a noiseless full-batch tanh network does not "
            "compress",
            f"agree if the 3-unit layer's mean compression under full-batch GD is below "
            f"{COMPRESSES} bit", f"{ci(gd)}; SNR phases: {gd['snr']['rule']}",
            _last(gd, "compression_mean") < COMPRESSES))
    if gd is not None and sgd is not None:
        out.append(_judge(
            "Saxe et al. 2018: the noise of SGD is not what causes compression (full-batch GD "
            "compresses about as much as noisy SGD)",
            "agree if the 3-unit layer's compression interval under full-batch GD reaches up "
            "to the interval under SGD batch 32 (high(GD) >= low(SGD-32))",
            f"GD {ci(gd)}, SGD-32 {ci(sgd)}",
            _last(gd, "compression_high") >= _last(sgd, "compression_low")))
    relu = {k: v for k, v in numbers.items() if k.startswith("relu/")}
    if relu:
        text = ", ".join(f"{k[5:]} {_last(v, 'compression_mean'):.2f}" for k, v in relu.items())
        out.append(_judge(
            "Saxe et al. 2018: relu networks do not compress, whatever the optimiser",
            f"agree if every relu run's 3-unit layer loses less than {COMPRESSES} bit (seed "
            f"mean, {GLOBAL_N_BINS} bins over the layer's range across epochs and seeds)",
            f"{text} bits",
            all(_last(v, "compression_mean") < COMPRESSES for v in relu.values())))
    return out


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train every (activation, optimiser) pair, draw and judge the claims; see the module."""
    started = time.time()
    sizes = sizes_at(SCALES, scale)
    base = scaled_config(preset("tishby2017"), sizes.config, overrides)
    out = out_dir(out, "optimiser_noise")
    data = load_dataset(base.dataset)
    n_train = int(split(data, base.split, base.train_fraction, base.split_seed).train.size)
    infos, numbers = {}, {}
    for activation, optimiser in sizes.conditions:
        name = f"{activation}/{optimiser}"
        config = condition_config(base, activation, optimiser, n_train)
        print(f"{name}: {OPTIMISERS[optimiser]}, lr {config.learning_rate:g}, batch "
              f"{config.batch_size}; {config.seeds} seeds x {config.epochs} epochs")
        run_dir = out / "runs" / activation / optimiser
        # A study stopped early has no folder yet for its later runs: start those afresh.
        info = train(config, run_dir, resume=resume and (run_dir / "config.json").is_file(),
                     overwrite=overwrite, progress=progress, data=data)
        if config.record_layers:
            info = globally_binned(info, run_dir)
        infos[name] = info
        numbers[name] = summarise(info, one_batch=config.batch_size >= n_train)
        numbers[name].update(learning_rate=config.learning_rate, batch_size=config.batch_size,
                             steps_per_epoch=-(-n_train // config.batch_size))
    paths = planes_figure(out, infos, OPTIMISERS) + compression_figure(out, infos, numbers,
                                                                       OPTIMISERS)
    numbers["scale"] = {"seeds": base.seeds, "epochs": base.epochs, "training_rows": n_train,
                        "logged_epochs": int(next(iter(infos.values())).plane.epochs.size),
                        "bins": {"tanh": BINS["tanh"], "relu": GLOBAL},
                        "compression_threshold_bits": COMPRESSES,
                        "interval": "95% Student-t over seeds", "scale": scale,
                        "kind": scale_kind(scale)}
    results = write_results(out, "optimiser_noise", numbers, claims(numbers), started,
                            scale=scale)
    print(f"wrote {out / 'results.json'} and {', '.join(p.name for p in paths)} in "
          f"{results['wall_time_s']} s")
    return results


STUDY = Study(
    name="optimiser_noise",
    title="does compression need the noise of SGD? (Saxe et al. 2018)",
    scales=SCALES,
    run=run,
    docs="studies/optimiser_noise.md",
)
