"""Zhang et al. (2017), "Understanding deep learning requires rethinking generalization":
networks fit random labels. 0, 20, 50 and 100% of the training labels of tishby12 replaced by
random ones; accuracy over training, and the information plane measured against the true
labels and against the labels trained on.

Protocol. A 12-64-32-16-8-4-2 tanh network (wide enough to memorise 3277 random labels; the
IDNNs network is not), Adam 1e-3, batch 256 reshuffled every epoch, Saxe et al.'s random 80%
split, the IDNNs initialisation. For a noise level p, exactly round(p * 3277) training rows,
chosen at random (seed ``LABEL_SEED``), get a class drawn uniformly (so about half of them keep
their true class by chance, as in Zhang et al.); test labels stay true. Every level trains on
its relabelled ``Dataset`` (``train(config, out, data=...)``), recording every layer's
activations on all 4096 inputs at the logged epochs. The plane is binned (30 edges on
[-1, 1], the IDNNs estimator) on all inputs: against the labels trained on (the relabelled
training rows, the true test rows), as training records it, and against the true labels, by
``plane.plane_from_activations`` from the recorded activations (float16). Accuracies are
those training records: the training rows against the labels trained on, the test rows against
the true labels.

Scales: ``--quick`` is a smoke test (2 seeds x 40 epochs of a 12-16-8-4-2 network); the
default 3 seeds x 2000 epochs; ``--full`` 10 seeds x 4000 epochs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..analysis import seed_interval
from ..data import Dataset, load_dataset, split
from ..plane import plane_from_activations
from ..records import InformationPlane, RunResult
from ..runs import read_activations
from ..training import preset, train
from ._common import out_dir, scaled_config, write_results
from ._random_labels_figures import curves_figure, planes_figure
from ._registry import Sizes, Study, sizes_at

LEVELS = (0.0, 0.2, 0.5, 1.0)
LABEL_SEED = 17
FIT = 0.9  # the training accuracy that counts as "fitted" for the time to fit
_HIDDEN = (64, 32, 16, 8, 4)
# quick: fewer and narrower layers (each layer compiles the binned plane once), still the two
# hidden layers below the softmax that the last claim reads
SCALES = {"quick": Sizes({"seeds": 2, "epochs": 40, "schedule": "log", "schedule_value": 6,
                          "hidden": (16, 8, 4)}),
          "default": Sizes({"seeds": 3, "epochs": 2000, "schedule": "log", "schedule_value": 25,
                            "hidden": _HIDDEN}),
          "full": Sizes({"seeds": 10, "epochs": 4000, "schedule": "log", "schedule_value": 30,
                         "hidden": _HIDDEN})}
BASE = {"learning_rate": 1e-3, "batch_size": 256,
        "batch_order": "shuffle", "record_dtype": "float16"}


def relabel(data: Dataset, train_rows: np.ndarray, fraction: float, seed: int = LABEL_SEED
            ) -> Dataset:
    """``data`` with round(fraction * len(train_rows)) of its training rows (chosen at random)
    given uniformly random classes; every other row keeps its label."""
    rng = np.random.default_rng(seed)
    chosen = rng.permutation(train_rows)[: int(round(fraction * train_rows.size))]
    y = data.y.copy()
    y[chosen] = rng.integers(0, data.n_classes, chosen.size)
    return data._replace(y=y.astype(data.y.dtype), name=f"{data.name}-random{fraction:g}")


def first_epoch_reaching(epochs, acc, level: float) -> int | None:
    """The first logged epoch where the seed-mean accuracy reaches ``level`` (None if never)."""
    hit = np.flatnonzero(np.asarray(acc).mean(axis=0) >= level)
    return int(np.asarray(epochs)[hit[0]]) if hit.size else None


def true_label_information(run_dirs: dict[str, Path], y_true: np.ndarray, bins: dict
                           ) -> dict[str, np.ndarray]:
    """I(T;Y_true) [seed, epoch, layer] of each run, binned from its recorded activations.

    The runs share their inputs and the true labels, so their seeds are stacked and estimated
    in one call (one compilation per layer, not one per run)."""
    acts, seeds = None, {}
    for name, run_dir in run_dirs.items():
        _, layers = read_activations(run_dir)
        acts = layers if acts is None else [np.concatenate([a, b]) for a, b in zip(
            acts, layers, strict=True)]
        seeds[name] = layers[0].shape[0]
    ity = plane_from_activations([a.astype(np.float32) for a in acts], y_true,
                                 method="binning", **bins).I_TY
    bounds = np.cumsum([0, *seeds.values()])
    return {name: ity[a:b] for name, a, b in zip(seeds, bounds[:-1], bounds[1:], strict=True)}


def summarise(level: float, info: RunResult, p: dict[str, InformationPlane], changed: float
              ) -> dict:
    """One noise level's numbers, seed intervals of the final values."""
    return {"noise_level": level, "labels_changed": changed,
            "train_acc": seed_interval(info.history.train_acc[:, -1]),
            "test_acc": seed_interval(info.history.test_acc[:, -1]),
            "epoch_train_acc_reaches_fit": first_epoch_reaching(info.plane.epochs,
                                                                info.history.train_acc, FIT),
            "final_I_XT": seed_interval(p["trained"].I_XT[:, -1]),
            "final_I_TY_true": seed_interval(p["true"].I_TY[:, -1]),
            "final_I_TY_trained": seed_interval(p["trained"].I_TY[:, -1])}


def claims(s: dict, chance: float, names: list[str]) -> list[dict]:
    """Zhang et al.'s claims, judged on the seed means; thresholds fixed before the runs."""
    lv = [s[f"{round(100 * p)}%"] for p in LEVELS]
    fit = [r["epoch_train_acc_reaches_fit"] for r in lv]
    later = all(a is not None for a in fit) and all(b >= a for a, b in zip(fit, fit[1:],
                                                                           strict=False))
    deep = np.array([r["final_I_TY_true"]["mean"][-3:-1] for r in lv])  # last two hidden
    falls = bool(np.all(np.diff(deep, axis=0) <= 0.01) and np.all(deep[0] - deep[-1] >= 0.2))
    return [
        {"claim": "the network fits even fully random labels (here: final training accuracy on "
                  "the labels trained on >= 0.95 at 100% noise)",
         "ours": ", ".join(f"{round(100 * p)}%: {r['train_acc']['mean']:.3f}"
                           for p, r in zip(LEVELS, lv, strict=True)),
         "agree": bool(lv[-1]["train_acc"]["mean"] >= 0.95)},
        {"claim": f"later and slower (here: the first epoch with training accuracy >= {FIT} "
                  "never comes earlier as the noise grows, and at 100% comes >= 2x later than "
                  "at 0%)",
         "ours": ", ".join(f"{round(100 * p)}%: epoch {f}" for p, f in zip(LEVELS, fit,
                                                                             strict=True)),
         "agree": bool(later and fit[-1] >= 2 * max(fit[0], 1))},
        {"claim": f"test accuracy falls to chance (here: <= {chance:.3f} + 0.05 at 100% noise; "
                  "chance = the test rows' majority class)",
         "ours": ", ".join(f"{round(100 * p)}%: {r['test_acc']['mean']:.3f}"
                           for p, r in zip(LEVELS, lv, strict=True)),
         "agree": bool(lv[-1]["test_acc"]["mean"] <= chance + 0.05)},
        {"claim": "I(T;Y_true) of the deep layers falls with the noise level (here: the last "
                  f"two hidden layers, {names[-3]} and {names[-2]}, final values never rise by "
                  "> 0.01 bit from one level to the next, and fall >= 0.2 bit from 0% to 100%)",
         "ours": "; ".join(f"{round(100 * p)}%: " + ", ".join(f"{v:.3f}" for v in d)
                           for p, d in zip(LEVELS, deep, strict=True)) + " bits",
         "agree": falls},
    ]


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train on each noise level, re-estimate the planes, draw and judge; see the module."""
    started = time.time()
    config = scaled_config(preset("saxe2018").replace(**BASE), sizes_at(SCALES, scale).config,
                          overrides)
    config = config.replace(record_layers=tuple(range(config.n_layers)))
    out = out_dir(out, "random_labels")
    data = load_dataset(config.dataset)
    rows = split(data, config.split, config.train_fraction, config.split_seed)
    bins = {"rule": config.bin_rule, "n_bins": config.n_bins, "low": config.bin_low,
            "high": config.bin_high}
    infos, run_dirs, changed = {}, {}, {}
    numbers = {"scale": scale, "seeds": config.seeds, "epochs": config.epochs}
    for level in LEVELS:
        name = f"{round(100 * level)}%"
        noisy = relabel(data, rows.train, level)
        print(f"{name} random labels: {config.seeds} seeds x {config.epochs} epochs")
        run_dirs[name] = out / "runs" / f"random{round(100 * level)}"
        infos[name] = train(config, run_dirs[name], resume=resume, overwrite=overwrite,
                            progress=progress, data=noisy)
        changed[name] = float(np.mean(noisy.y[rows.train] != data.y[rows.train]))
    true_ity = true_label_information(run_dirs, data.y, bins)
    # each run's plane against the labels trained on, and against the true labels
    plane_sets = {name: {"trained": info.plane,
                         "true": replace(info.plane, I_TY=true_ity[name])}
                  for name, info in infos.items()}
    for level, name in zip(LEVELS, infos, strict=True):
        numbers[name] = summarise(level, infos[name], plane_sets[name], changed[name])
    names = list(infos["0%"].plane.layer_names)
    chance = float(np.bincount(data.y[rows.test]).max() / rows.test.size)
    numbers.update(layers=names, chance_test_acc=chance)
    paths = curves_figure(out, infos, plane_sets, chance) + planes_figure(out, infos, plane_sets)
    results = write_results(out, "random_labels", numbers, claims(numbers, chance, names),
                            started, scale=scale)
    print(f"wrote {out / 'results.json'} and {', '.join(p.name for p in paths)} in "
          f"{results['wall_time_s']} s")
    return results


STUDY = Study(
    name="random_labels",
    title="fitting random labels (Zhang et al. 2017)",
    scales=SCALES,
    run=run,
    docs="studies/random_labels.md",
)
