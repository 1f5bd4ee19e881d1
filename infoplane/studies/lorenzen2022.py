"""Lorenzen, Igel & Nielsen (ICLR 2022), "Information Bottleneck: Exact Analysis of (Quantized)
Neural Networks": the information plane of 8-bit quantised networks, counted exactly.

Settings (``SETTINGS``):

- "tanh", "relu": the Shwartz-Ziv & Tishby network (tishby12: 4096 12-bit inputs, a balanced
  binary label; 12-10-7-5-4-3-2) with tanh or ReLU units, quantised to 8 bits
  (``RunConfig.quantize_bits``: weights and every layer's output, straight-through gradient);
  Adam with learning rate 1e-4, batch 256, a stratified 80/20 split, the plane every
  ``every`` epochs, as in the paper.
- "bottleneck": in place of the paper's MNIST bottleneck network (MNIST cannot be downloaded
  here), an MLP on MNIST-1D (5000 sequences of 40 values, 10 classes) with a two-unit
  bottleneck, 40-64-32-2-10 tanh, quantised to 8 bits; Adam 1e-3 (fewer epochs than the
  paper's MNIST runs, so a larger step).

Each setting's exact plane (``estimators.exact``: I(X;T), I(T;Y) counted over the data set, X
uniform over its n rows, so I(X;T) <= log2 n) stands beside the same network trained in float,
binned with global bounds (each layer's range over all logged epochs and seeds) at 30, 100 and
256 bins, as the paper's appendix does. On the quantised tanh and ReLU networks' recorded
layers, every other estimator (binning, KDE, kNN, compressed, and ``mutual_information``'s
default) is compared with the exact values (``_lorenzen2022_estimators``).

Claims, each judged by a rule fixed before the runs (``claims``): a fitting phase in every
layer; compression in the output layer in every setting; hidden-layer compression that
depends on the activation; binned planes of the float network that disagree among bin counts.

Scales differ only in sizes (``SCALES``); the full scale is far shorter than the paper's 50
runs x 8000 epochs with the plane every 5 epochs (see docs/studies/lorenzen2022.md).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..analysis import compression
from ..data import load_dataset
from ..records import RunResult
from ..runs import read_activations
from ..training import RunConfig, train
from ._common import claim, out_dir, write_results
from ._lorenzen2022_estimators import (
    GLOBAL_BINS,
    compare_estimators,
    estimator_markdown,
    global_binned_plane,
)
from ._lorenzen2022_figures import figures
from ._registry import Study, sizes_at, sizes_dict

NAME = "lorenzen2022"
SETTINGS = ("tanh", "relu", "bottleneck")
BITS = 8
FLOAT_BINS = GLOBAL_BINS
# Rules, fixed before the runs. A layer "compresses" when the seed mean of its I(X;T) falls by
# at least COMPRESSES_BITS from its peak to the last logged epoch; it "fits" when the seed
# mean of its I(T;Y) rises by at least FITS_BITS from the first logged epoch to its peak,
# unless it starts within AT_CEILING_BITS of H(Y) (nothing left to fit; reported apart).
COMPRESSES_BITS = 0.25
FITS_BITS = 0.05
AT_CEILING_BITS = 0.01



@dataclass(frozen=True)
class Lorenzen2022Sizes:
    """The study's sizes at one scale (every scale runs the same code).

    Attributes:
        hidden: the hidden widths of the tanh and relu networks (the paper's 10-7-5-4-3).
        seeds, epochs, every: the quantised runs of tanh and relu (the plane every ``every``
            epochs).
        bn_hidden: the bottleneck network's hidden widths, the two-unit bottleneck last.
        bn_seeds, bn_epochs, bn_every: the bottleneck's.
        float_seeds, float_logs: the float runs binned (seeds, log-spaced logged epochs).
        est_seeds, est_logs: the quantised runs whose layers are recorded for the estimators.
    """

    hidden: tuple[int, ...]
    seeds: int
    epochs: int
    every: int
    bn_hidden: tuple[int, ...]
    bn_seeds: int
    bn_epochs: int
    bn_every: int
    float_seeds: int
    float_logs: int
    est_seeds: int
    est_logs: int


SCALES = {
    # fewer and narrower layers: each layer width compiles every estimator once
    "quick": Lorenzen2022Sizes(hidden=(5, 3), seeds=2, epochs=40, every=10,
                               bn_hidden=(16, 2), bn_seeds=2, bn_epochs=6, bn_every=2,
                               float_seeds=2, float_logs=6, est_seeds=1, est_logs=3),
    "default": Lorenzen2022Sizes(hidden=(10, 7, 5, 4, 3), seeds=10, epochs=1500, every=10,
                                 bn_hidden=(64, 32, 2), bn_seeds=5, bn_epochs=150, bn_every=2,
                                 float_seeds=3, float_logs=30, est_seeds=1, est_logs=6),
    "full": Lorenzen2022Sizes(hidden=(10, 7, 5, 4, 3), seeds=20, epochs=4000, every=20,
                              bn_hidden=(64, 32, 2), bn_seeds=10, bn_epochs=400, bn_every=4,
                              float_seeds=5, float_logs=40, est_seeds=2, est_logs=8),
}


def setting_config(setting: str, sizes: Lorenzen2022Sizes, *, quantised: bool = True
                   ) -> RunConfig:
    """The protocol of one setting at the given sizes (``SCALES``), quantised to ``BITS`` or
    in float."""
    if setting == "bottleneck":
        config = RunConfig(dataset="mnist1d", hidden=sizes.bn_hidden, activation="tanh",
                           init="glorot_uniform", learning_rate=1e-3,
                           seeds=sizes.bn_seeds, epochs=sizes.bn_epochs,
                           schedule_value=sizes.bn_every)
    else:
        config = RunConfig(activation=setting, hidden=sizes.hidden, learning_rate=1e-4,
                           seeds=sizes.seeds, epochs=sizes.epochs, schedule_value=sizes.every)
    return config.replace(batch_size=256, split="stratified", batch_order="shuffle",
                          schedule="every", quantize_bits=BITS if quantised else None)


def recorded(config: RunConfig, seeds: int, logs: int) -> RunConfig:
    """``config`` with fewer seeds, ``logs`` log-spaced logged epochs and every layer's
    activations recorded in float32 (for the planes estimated afterwards)."""
    return config.replace(seeds=seeds, schedule="log", schedule_value=logs,
                          record_layers=tuple(range(config.n_layers)), record_dtype="float32")


def fitting(ity: np.ndarray, h_y: float) -> dict:
    """Per layer: the rise of the seed-mean I(T;Y) from the first logged epoch to its peak
    (bits), whether it fits (``FITS_BITS``), whether it starts at the ceiling H(Y)."""
    mean = np.asarray(ity, dtype=float).mean(axis=0)
    rise = mean.max(axis=0) - mean[0]
    at_ceiling = mean[0] >= h_y - AT_CEILING_BITS
    return {"rise": rise, "fits": rise >= FITS_BITS, "at_ceiling": at_ceiling}


def claims(exact: Mapping, h_y: Mapping, binned: Mapping) -> list[dict]:
    """The paper's claims judged on our planes.

    Args:
        exact: setting -> (I_XT, I_TY) [seed, logged_epoch, layer] in bits, the exact planes.
        h_y: setting -> H(Y) in bits.
        binned: setting -> n_bins -> (I_XT, I_TY) of the float network, global bounds.
    """
    out = []
    fit = {s: fitting(exact[s][1], h_y[s]) for s in exact}
    judged = {s: bool(np.all(f["fits"] | f["at_ceiling"])) for s, f in fit.items()}
    out.append(claim(
        "a fitting phase in every layer (I(T;Y) rises early in training), in all experiments",
        {s: np.round(f["rise"], 3) for s, f in fit.items()},
        f"agree if in every setting every layer's seed-mean I(T;Y) rises by >= {FITS_BITS} "
        f"bit from the first logged epoch to its peak; a layer that starts within "
        f"{AT_CEILING_BITS} bit of H(Y) has nothing to fit and is listed in at_ceiling",
        all(judged.values()), per_setting=judged,
        at_ceiling={s: np.flatnonzero(f["at_ceiling"]) for s, f in fit.items()}))
    comp = {s: compression(exact[s][0])["compression"] for s in exact}
    last = {s: float(c[-1]) for s, c in comp.items()}
    out.append(claim(
        "a compression phase in the output layer, in all experiments", last,
        f"agree if in every setting the output layer's seed-mean I(X;T) falls by >= "
        f"{COMPRESSES_BITS} bit from its peak to the last logged epoch",
        all(v >= COMPRESSES_BITS for v in last.values()),
        per_setting={s: v >= COMPRESSES_BITS for s, v in last.items()}))
    if "tanh" in comp and "relu" in comp:
        hidden = {a: comp[a][:-1] >= COMPRESSES_BITS for a in ("tanh", "relu")}
        differ = np.flatnonzero(hidden["tanh"] != hidden["relu"])
        out.append(claim(
            "compression in the hidden layers depends on the activation function (tanh "
            "against ReLU)", {a: np.round(comp[a][:-1], 3) for a in ("tanh", "relu")},
            f"agree if at least one hidden layer compresses (>= {COMPRESSES_BITS} bit from "
            "its peak) under one activation and not under the other",
            differ.size > 0, layers_that_differ=differ,
            compresses={a: np.flatnonzero(v) for a, v in hidden.items()}))
    verdicts = {s: {b: compression(p[0])["compression"] >= COMPRESSES_BITS
                    for b, p in by_bins.items()} for s, by_bins in binned.items()}
    disagree = {s: [int(j) for j in range(len(next(iter(v.values()))))
                    if len({bool(v[b][j]) for b in v}) > 1] for s, v in verdicts.items()}
    if binned:
        out.append(claim(
            "binning the float network in different ways gives qualitatively different "
            "planes (compression or not)",
            {s: {b: np.round(compression(p[0])["compression"], 3) for b, p in v.items()}
             for s, v in binned.items()},
            f"agree if in some setting a layer compresses (>= {COMPRESSES_BITS} bit) at one "
            f"of {', '.join(map(str, FLOAT_BINS))} global bins and not at another",
            any(disagree.values()), layers_that_disagree=disagree))
    return out


def _accuracy(info: RunResult) -> dict:
    return {"train": float(info.history.train_acc[:, -1].mean()),
            "test": float(info.history.test_acc[:, -1].mean())}


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train the quantised and float networks of every setting, count the exact planes,
    bin the float ones, compare the estimators with the exact values, draw and judge the
    claims; see the module."""
    started = time.time()
    sizes = sizes_at(SCALES, scale)
    extra = dict(overrides or {})
    out = out_dir(out, NAME)

    def fit(config, run_dir):
        # A resumed study continues the runs it has and starts those it never reached.
        again = resume and (run_dir / "config.json").is_file()
        return train(config, run_dir, resume=again, overwrite=overwrite, progress=progress)

    exact, binned, h_y, infos, accuracy = {}, {}, {}, {}, {}
    for s in SETTINGS:
        config = setting_config(s, sizes).replace(**extra)
        info = fit(config, out / "runs" / s / "exact")
        exact[s], h_y[s], infos[s] = (info.plane.I_XT, info.plane.I_TY), info.plane.H_Y, info.plane
        accuracy[s] = {"quantised": _accuracy(info)}
        fconfig = recorded(setting_config(s, sizes, quantised=False),
                           sizes.float_seeds, sizes.float_logs).replace(**extra)
        fdir = out / "runs" / s / "float"
        finfo = fit(fconfig, fdir)
        accuracy[s]["float"] = _accuracy(finfo)
        epochs, layers = read_activations(fdir)
        labels = load_dataset(fconfig.dataset).y
        binned[s] = {b: (*global_binned_plane(layers, labels, b), epochs) for b in FLOAT_BINS}
        del layers
    est_dirs = {}
    for s in ("tanh", "relu"):
        config = recorded(setting_config(s, sizes), sizes.est_seeds,
                          sizes.est_logs).replace(**extra)
        est_dirs[s] = out / "runs" / s / "recorded"
        fit(config, est_dirs[s])
    data = load_dataset("tishby12")
    table = compare_estimators(est_dirs, data)
    markdown = estimator_markdown(table)
    (out / "estimators_table.md").write_text(markdown + "\n")
    numbers = summarise(exact, binned, infos, accuracy, table, sizes, scale)
    judged = claims(exact, h_y, {s: {b: v[:2] for b, v in by.items()}
                                 for s, by in binned.items()})
    paths = figures(exact, binned, infos, table, out)
    results = write_results(out, NAME, numbers, judged, started, scale=scale)
    print("estimators against the exact plane (bits):\n" + markdown)
    print(f"wrote {out / 'results.json'}, {out / 'estimators_table.md'} and "
          f"{', '.join(p.name for p in paths)} in {results['wall_time_s']} s")
    return results


def summarise(exact, binned, infos, accuracy, table, sizes, scale) -> dict:
    """The study's numbers: per setting the layers, H(X), H(Y), the exact plane's peak and
    final I(X;T), compression and I(T;Y) rise per layer (seed means, bits), the float
    network's compression at each bin count, accuracies; the estimator table; the sizes."""
    per = {}
    for s, (ixt, ity) in exact.items():
        info = infos[s]
        c = compression(ixt, info.epochs)
        per[s] = {
            "layers": list(info.layer_names),
            "seeds": int(ixt.shape[0]), "logged_epochs": int(ixt.shape[1]),
            "epochs_trained": int(info.epochs[-1]) + 1,
            "H_X": info.H_X, "H_Y": info.H_Y,
            "exact_peak_I_XT": c["peak"], "exact_final_I_XT": c["final"],
            "exact_compression": c["compression"], "exact_peak_epoch": c["peak_epoch"],
            "exact_final_I_TY": ity.mean(axis=0)[-1],
            "exact_I_TY_rise": fitting(ity, info.H_Y)["rise"],
            "float_binned_compression": {b: compression(v[0])["compression"]
                                         for b, v in binned[s].items()},
            "accuracy": accuracy[s],
        }
    return {"bits": BITS, "scale_sizes": sizes_dict(sizes), "settings": per,
            "rules": {"compresses_bits": COMPRESSES_BITS, "fits_bits": FITS_BITS,
                      "at_ceiling_bits": AT_CEILING_BITS},
            "estimators": table}


STUDY = Study(
    name="lorenzen2022",
    title="the exact information plane of 8-bit quantised networks, and every estimator "
          "against it (Lorenzen et al. 2022)",
    scales=SCALES,
    run=run,
    docs="studies/lorenzen2022.md",
)
