"""Data drift: train on tishby12, then continue on shifted data (online learning); the
information-plane trajectory of forgetting and re-fitting, and accuracy on old versus new data.

Context: Shwartz-Ziv & Tishby (2017) describe a fitting phase followed by compression; what
happens to a trained network when the data change under it is the question of catastrophic
forgetting (McCloskey & Cohen 1989; Goodfellow et al. 2013, "An empirical investigation of
catastrophic forgetting", whose permuted-input tasks we use) and of fitting label noise (Zhang
et al. 2017, "Understanding deep learning requires rethinking generalization"; Arpit et al.
2017: clean structure is learnt before noise).

Protocol. Phase 1: the IDNNs network (12-10-7-5-4-3-2 tanh, Adam 4e-4, batch 512, the first
80% of rows for training) on tishby12 for ``epochs`` epochs. Phase 2 continues from phase 1's
final parameters and Adam state (``config.init_from``) for another ``epochs`` epochs on one of
two shifted data sets, each saved as .npz in the output folder:
  (a) ``drift_flipped.npz``: 20% of the labels flipped (a fixed seeded draw; same inputs);
  (b) ``drift_permuted.npz``: the 12 input columns permuted by a fixed random permutation
      (same labels). The permuted inputs are again all 4096 patterns, so H(X) is unchanged
      and the network's outputs on them also give its answers on the old inputs.
Phase 2 records the softmax output on all inputs at its logged epochs, from which accuracy on
the old data (the old labels, or the old inputs) is computed beside accuracy on the new data.
The plane uses 30 bins on [-1, 1]; I(T;Y) is measured against the labels of the phase's data.
Epochs of phase 2 continue those of phase 1 (offset by ``epochs``).

Scales: the default trains 5 seeds for 2000 + 2000 epochs (three trainings, about four
minutes on two CPU cores); ``--full`` is 50 seeds for 8000 + 8000 epochs as in the paper (well
over an hour here: scale it with ``--seeds 10``, or run on more devices); ``--quick`` is a smoke
test.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..data import split, tishby12
from ..records import RunResult
from ..runs import read_activations, write_npz
from ..training import preset, train
from ._common import claim, out_dir, scaled_config, within, write_results
from ._data_drift_figures import SHIFTS, curves_figure, planes_figure
from ._registry import Sizes, Study, sizes_at
from .ib_bound import flip_labels

FLIP_FRACTION = 0.2
SHIFT_SEED = 8

SCALES = {"quick": Sizes({"seeds": 2, "epochs": 60, "schedule": "log", "schedule_value": 8}),
          "default": Sizes({"seeds": 5, "epochs": 2000, "schedule": "log", "schedule_value": 40}),
          "full": Sizes({"seeds": 50, "epochs": 8000, "schedule": "log", "schedule_value": 80})}


def permutation(n: int, seed: int) -> np.ndarray:
    """A seeded random permutation of range(n) that is not the identity (for n > 1)."""
    rng = np.random.default_rng(seed)
    while True:
        perm = rng.permutation(n)
        if n < 2 or np.any(perm != np.arange(n)):
            return perm


def match_rows(x_old, x_new) -> np.ndarray:
    """idx with x_new[idx[j]] == x_old[j] for every row j; x_new must hold every row of x_old."""
    where = {row.tobytes(): i for i, row in enumerate(np.ascontiguousarray(x_new))}
    try:
        return np.array([where[row.tobytes()] for row in np.ascontiguousarray(x_old)])
    except KeyError:
        raise ValueError("x_new does not contain every row of x_old") from None


def accuracies(probs, labels, rows) -> np.ndarray:
    """Accuracy [seed, epoch] of softmax outputs probs [seed, epoch, n, K] on ``rows``."""
    return (probs[:, :, rows].argmax(axis=-1) == labels[rows]).mean(axis=-1)


def first_epoch_within(epochs, values, target: float, tol: float) -> int | None:
    """The first logged epoch from which values stay within ``tol`` of ``target``."""
    ok = np.abs(np.asarray(values) - target) <= tol
    for i in range(ok.size):
        if ok[i:].all():
            return int(epochs[i])
    return None


def _outputs(run_dir: Path) -> np.ndarray:
    return read_activations(run_dir, [5], np.float32)[1][0]


def _phase2(out: Path, base, phase1_dir: Path, name: str, data_path: Path, options: dict
            ) -> tuple[RunResult, np.ndarray]:
    """Phase 2 of a shift: the run, and its recorded softmax outputs [seed, epoch, n, 2]."""
    config = base.replace(dataset=str(data_path.resolve()), init_from=str(phase1_dir.resolve()),
                          record_layers=(5,), record_dtype="float32")
    run_dir = out / "runs" / name
    info = train(config, run_dir, **options)
    return info, _outputs(run_dir)


def _shifted_sets(out: Path, data) -> dict:
    y_flip = flip_labels(data.y, FLIP_FRACTION, 2, SHIFT_SEED)
    perm = permutation(data.x.shape[1], SHIFT_SEED)
    sets = {"flipped": (data.x, y_flip), "permuted": (data.x[:, perm], data.y)}
    # How often the new task agrees with the old one on the same input pattern: the label
    # depends mostly on the number of set bits, which a permutation keeps.
    agree = {name: float(np.mean(data.y[match_rows(x, data.x)] == y))
             for name, (x, y) in sets.items()}
    paths = {}
    for name, (x, y) in sets.items():
        paths[name] = out / f"drift_{name}.npz"
        write_npz(paths[name], X=x, y=y, permutation=perm if name == "permuted" else np.arange(12))
    return {"paths": paths, "y_flip": y_flip, "perm": perm, "sets": sets, "agree": agree}


def old_new_accuracy(probs: np.ndarray, data, x_new, y_new, rows) -> dict:
    """Accuracies [seed, epoch] of phase 2 (its outputs ``probs``) on old and new data,
    training and test rows."""
    idx = match_rows(data.x, x_new)  # the new row holding each old input
    old = probs[:, :, idx]
    return {"old_train": accuracies(old, data.y, rows.train),
            "old_test": accuracies(old, data.y, rows.test),
            "new_train": accuracies(probs, y_new, rows.train),
            "new_test": accuracies(probs, y_new, rows.test)}


def summarise(p1: RunResult, p2: dict[str, RunResult], acc: dict, shifts: dict) -> dict:
    e1 = int(p1.plane.epochs[-1]) + 1
    s = {"layers": [str(n) for n in p1.plane.layer_names], "phase_epochs": e1,
         "seeds": int(p1.plane.I_XT.shape[0]), "flipped_fraction":
         float(np.mean(shifts["y_flip"] != tishby12().y)), "permutation": shifts["perm"],
         "phase1_train_acc": float(p1.history.train_acc[:, -1].mean()),
         "phase1_test_acc": float(p1.history.test_acc[:, -1].mean()),
         "phase1_final_I_XT": p1.plane.I_XT[:, -1].mean(axis=0),
         "phase1_final_I_TY": p1.plane.I_TY[:, -1].mean(axis=0)}
    for name, info in p2.items():
        a = {k: v.mean(axis=0) for k, v in acc[name].items()}
        ixt, ity = info.plane.I_XT.mean(axis=0), info.plane.I_TY.mean(axis=0)
        last_hidden = ixt.shape[1] - 2
        peak = int(np.argmax(ixt[:, last_hidden]))
        s[name] = {
            "task_agreement": shifts["agree"][name],
            "at_switch": {k: float(v[0]) for k, v in a.items()},
            "final": {k: float(v[-1]) for k, v in a.items()},
            "least_old_train_acc": float(a["old_train"].min()),
            "refit_epoch": first_epoch_within(info.plane.epochs, a["new_train"],
                                              float(a["new_train"][-1]), 0.01),
            "I_XT_change_at_switch": float(np.max(np.abs(ixt[0] - p1.plane.I_XT[:, -1].mean(0)))),
            "I_TY_at_switch": ity[0], "I_TY_min": ity.min(axis=0), "I_TY_final": ity[-1],
            "I_XT_final": ixt[-1],
            "last_hidden_peak_I_XT": float(ixt[peak, last_hidden]),
            "last_hidden_peak_epoch": e1 + int(info.plane.epochs[peak]),
            "last_hidden_compression_bits": float(ixt[peak, last_hidden] - ixt[-1, last_hidden]),
        }
    return s


def claims(s: dict) -> list[dict]:
    f, p = s["flipped"], s["permuted"]
    drop = s["phase1_train_acc"] - p["final"]["old_train"]
    before = s["phase1_final_I_TY"][-1]
    moved = max(f["I_XT_change_at_switch"], p["I_XT_change_at_switch"])
    return [
        within("catastrophic forgetting: training on permuted inputs alone destroys the old "
               "task (McCloskey & Cohen 1989; Goodfellow et al. 2013)", drop, 0.1,
               np.inf, why="ours: the drop in old-input train accuracy over phase 2",
               detail=f"{s['phase1_train_acc']:.3f} -> {p['final']['old_train']:.3f}"),
        within("the network re-fits the permuted task", p["final"]["new_train"],
               s["phase1_train_acc"] - 0.05, 1.0,
               why="ours: final train accuracy on the new task; at least phase 1's minus 0.05",
               at_switch=round(p["at_switch"]["new_train"], 3), steady_from=p["refit_epoch"]),
        claim("clean structure is kept while label noise is fitted slowly (Zhang et al. 2017; "
              "Arpit et al. 2017)",
              {"old_labels_test": round(f["final"]["old_test"], 3),
               "new_labels_test": round(f["final"]["new_test"], 3),
               "new_labels_train": round(f["final"]["new_train"], 3)},
              "agree if the final test accuracy on the old (clean) labels is above that on the "
              "flipped ones", f["final"]["old_test"] > f["final"]["new_test"]),
        claim("at the switch I(X;T) is unchanged and only I(T;Y) drops: forgetting starts on "
              "the I(T;Y) axis (same inputs, or the same input set; the two measurements are "
              "one epoch of training apart)",
              {"largest_I_XT_change": float(f"{moved:.3g}"),
               "last_layer_I_TY": {"before": round(before, 3),
                                   "flipped": round(f["I_TY_at_switch"][-1], 3),
                                   "permuted": round(p["I_TY_at_switch"][-1], 3)}},
              "agree if no layer's I(X;T) changes by 0.01 bit or more and the last layer's "
              "I(T;Y) drops for the permuted data",
              moved < 0.01 and p["I_TY_at_switch"][-1] < before),
        within("fitting is followed by compression (Shwartz-Ziv & Tishby 2017), here after the "
               "switch", [f["last_hidden_compression_bits"],
                          p["last_hidden_compression_bits"]], 0.5, np.inf,
               why="ours: the 3-unit layer's fall from its phase-2 peak, flipped and permuted, "
                   "bits"),
    ]


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train on tishby12, then on each shifted set from where it ended; draw and judge the
    claims; see the module."""
    started = time.time()
    base = scaled_config(preset("tishby2017"), sizes_at(SCALES, scale).config, overrides)
    out = out_dir(out, "data_drift")
    out.mkdir(parents=True, exist_ok=True)
    data = tishby12()
    rows = split(data, base.split, base.train_fraction, base.split_seed)
    shifts = _shifted_sets(out, data)
    kw = {"resume": resume, "overwrite": overwrite, "progress": progress}
    phase1_dir = out / "runs" / "phase1"
    p1 = train(base, phase1_dir, **kw)
    p2, acc = {}, {}
    for name in SHIFTS:
        p2[name], probs = _phase2(out, base, phase1_dir, name, shifts["paths"][name], kw)
        acc[name] = old_new_accuracy(probs, data, *shifts["sets"][name], rows)
    e1 = base.epochs
    numbers = summarise(p1, p2, acc, shifts)
    paths = planes_figure(out, p1, p2, e1) + curves_figure(out, p1, p2, acc, e1)
    results = write_results(out, "data_drift", numbers, claims(numbers), started,
                            scale=scale)
    print(f"wrote {', '.join(p.name for p in shifts['paths'].values())}, {out / 'runs'}, "
          f"{out / 'results.json'} and {', '.join(p.name for p in paths)} in "
          f"{results['wall_time_s']} s")
    return results


STUDY = Study(
    name="data_drift",
    title="switching to shifted data mid-training: forgetting and re-fitting",
    scales=SCALES,
    run=run,
    docs="studies/data_drift.md",
)
