"""How redundant, and how irrelevant, is what each layer keeps? The IDNNs network
(12-10-7-5-4-3-2 tanh, Adam 4e-4, batch 512, the first 80% of rows) trained plainly, with
dropout on the hidden units, and with Gaussian noise added to every hidden unit during training
(``RunConfig.dropout`` / ``unit_noise``).

Two quantities per layer T and logged epoch, both of the binned layer (30 edges on [-1, 1], as
the plane), X uniform over the 4096 inputs, in bits:

* redundancy, the total correlation of the layer's units,
  ``TC(T) = sum_i H(T_i) - H(T)`` (``analysis.total_correlation``, from the recorded
  activations; 0 when the binned units are independent over the inputs);
* the irrelevant information, ``I(X;T|Y) = H(T|Y) - H(T|X,Y) = H(T|Y) = I(X;T) - I(T;Y)`` for a
  deterministic layer (T is a function of X): what T keeps about the input beyond the label.

**All layers are measured clean**: the recorded activations and the plane are those of the
network's deterministic forward pass (no dropout, no noise), as ``regularisation`` measures
them; the noise acts only through what training did to the weights. Achille & Soatto's
quantity is the information of the *noisy* representation, which noise lowers by construction
(a channel with noise passes less); the clean measurement asks the harder question, whether the
deterministic code the noisy training leaves behind keeps less irrelevant information.

Claim: Achille & Soatto (2018), "Information Dropout: learning optimal representations through
noisy computation", IEEE TPAMI: injecting noise in the units (dropout is a special case) lowers
the information a layer keeps about nuisances, I(X;T|Y), and, with a factorised prior, its total
correlation (their information dropout adds a KL penalty that plain noise has not: a reading of
their claim, not their method). Differences are paired by seed (the same initial weights) with
95% Student-t intervals over seeds.

Scales: the default trains 4 conditions x 5 seeds x 3000 epochs, 40 log-spaced logged epochs,
every layer recorded in float32 (about 15 minutes on two CPU cores shared with other jobs);
``--full`` 10 seeds x 4000 epochs, 50 logged epochs (not run here: about 3x the default);
``--quick`` a smoke test (baseline and the stronger unit noise).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..analysis import seed_interval, total_correlation
from ..records import RunResult
from ..runs import read_activations
from ..training import preset, train
from ._common import IDNNS_HIDDEN, claim, out_dir, scale_kind, scaled_config, write_results
from ._redundancy_figures import curves_figure, finals_figure
from ._registry import ConditionSizes, Study, sizes_at

CONDITIONS = {
    "baseline": ("no noise", {}),
    "dropout": ("dropout 0.2", {"dropout": 0.2}),
    "noise_0.1": ("unit noise, std 0.1", {"unit_noise": 0.1}),
    "noise_0.3": ("unit noise, std 0.3", {"unit_noise": 0.3}),
}


# quick: fewer and narrower layers, each layer width compiles the plane's estimators once
SCALES = {
    "quick": ConditionSizes({"hidden": (5, 3), "seeds": 2, "epochs": 30, "schedule": "log",
                             "schedule_value": 6}, ("baseline", "noise_0.3")),
    "default": ConditionSizes({"hidden": IDNNS_HIDDEN, "seeds": 5, "epochs": 3000,
                               "schedule": "log", "schedule_value": 40}, tuple(CONDITIONS)),
    "full": ConditionSizes({"hidden": IDNNS_HIDDEN, "seeds": 10, "epochs": 4000,
                            "schedule": "log", "schedule_value": 50}, tuple(CONDITIONS)),
}


def layer_measures(run_dir: Path, info: RunResult, bins) -> dict:
    """Per seed, logged epoch and layer: TC, the sum of unit entropies, and I(X;T|Y), bits.

    Also the largest gap between the joint entropy of the recorded activations and training's
    I(X;T): the same binned layer measured twice, so it must be 0 (a check of the reading).
    """
    n_layers = info.plane.I_XT.shape[2]
    parts = []
    for li in range(n_layers):  # one layer at a time: only it is held in memory
        _, (acts,) = read_activations(run_dir, [li], np.float32)
        parts.append(total_correlation(acts, bins))
    tc = np.stack([p["total_correlation"] for p in parts], axis=-1)
    joint = np.stack([p["joint_entropy"] for p in parts], axis=-1)
    return {"TC": tc, "unit_entropies": np.stack([p["sum_unit_entropies"] for p in parts], -1),
            "irrelevant": info.plane.I_XT - info.plane.I_TY,
            "joint_vs_I_XT_bits": float(np.max(np.abs(joint - info.plane.I_XT)))}


def summarise(info: RunResult, m: dict) -> dict:
    """Final values per layer (seed means with intervals) and accuracies."""
    out = {"train_acc": float(info.history.train_acc[:, -1].mean()),
           "test_acc": float(info.history.test_acc[:, -1].mean()),
           "joint_vs_I_XT_bits": m["joint_vs_I_XT_bits"]}
    for key in ("TC", "irrelevant"):
        ci = seed_interval(m[key][:, -1])
        out[key] = {"final_mean": ci["mean"], "final_low": ci["low"], "final_high": ci["high"],
                    "peak_of_mean": m[key].mean(axis=0).max(axis=0)}
    out["final_I_XT"] = info.plane.I_XT[:, -1].mean(axis=0)
    out["final_I_TY"] = info.plane.I_TY[:, -1].mean(axis=0)
    return out


def paired(measures: dict, name: str, key: str) -> dict:
    """Final ``key`` of condition ``name`` minus the baseline's, per seed, as the mean over the
    hidden layers and per layer: means with 95% intervals."""
    d = measures[name][key][:, -1, :-1] - measures["baseline"][key][:, -1, :-1]
    hidden, per_layer = seed_interval(d.mean(axis=1)), seed_interval(d)
    return {"hidden_mean": hidden["mean"], "hidden_low": hidden["low"],
            "hidden_high": hidden["high"], "per_layer_mean": per_layer["mean"]}


def claims(diffs: dict) -> list[dict]:
    out = []
    for name, d in diffs.items():
        title = CONDITIONS[name][0]
        for key, what, who in (
                ("irrelevant", "the irrelevant information I(X;T|Y)",
                 "Achille & Soatto 2018: noise in the units lowers"),
                ("TC", "the total correlation (redundancy) of the units",
                 "Achille & Soatto 2018 (our reading, plain noise without their KL penalty): "
                 "noise in the units lowers")):
            x = d[key]
            out.append(claim(
                f"{who} {what} a layer keeps ({title}, clean layers)",
                f"{x['hidden_mean']:+.3f} bits [{x['hidden_low']:+.3f}, "
                f"{x['hidden_high']:+.3f}]; per hidden layer "
                + ", ".join(f"{v:+.2f}" for v in x["per_layer_mean"]),
                "agree if the paired (same seed) difference noisy - baseline of the final "
                "value, averaged over the hidden layers, has its 95% interval below 0",
                x["hidden_high"] < 0.0))
    return out


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train every condition recording every layer, measure TC and I(X;T|Y), draw and judge."""
    started = time.time()
    sizes = sizes_at(SCALES, scale)
    base = scaled_config(preset("tishby2017"), sizes.config, overrides)
    base = base.replace(record_layers=tuple(range(base.n_layers)), record_dtype="float32")
    out = out_dir(out, "redundancy")
    names = sizes.conditions
    infos, measures, numbers = {}, {}, {}
    for name in names:
        title, changes = CONDITIONS[name]
        config = base.replace(**changes)
        print(f"{title}: {config.seeds} seeds x {config.epochs} epochs")
        run_dir = out / "runs" / name
        # A study stopped early has no folder yet for its later runs: start those afresh.
        infos[name] = train(config, run_dir, resume=resume and (run_dir / "config.json").is_file(),
                            overwrite=overwrite, progress=progress)
        measures[name] = layer_measures(run_dir, infos[name], config.bins)
        numbers[name] = summarise(infos[name], measures[name])
    diffs = {n: {k: paired(measures, n, k) for k in ("irrelevant", "TC")}
             for n in names if n != "baseline"}
    numbers["differences_from_baseline"] = diffs
    titles = {n: CONDITIONS[n][0] for n in names}
    paths = (curves_figure(out, infos, measures, titles)
             + finals_figure(out, infos, measures, titles))
    numbers["scale"] = {"seeds": base.seeds, "epochs": base.epochs, "scale": scale,
                        "logged_epochs": int(infos["baseline"].plane.epochs.size),
                        "bins": f"{base.n_bins} edges on [{base.bin_low}, {base.bin_high}]",
                        "measured": "clean layers (no dropout, no noise at measurement)",
                        "interval": "95% Student-t over seeds, paired by seed",
                        "kind": scale_kind(scale)}
    results = write_results(out, "redundancy", numbers, claims(diffs), started, scale=scale)
    print(f"wrote {out / 'results.json'} and {', '.join(p.name for p in paths)} in "
          f"{results['wall_time_s']} s")
    return results


STUDY = Study(
    name="redundancy",
    title="total correlation and irrelevant information, with and without unit noise (Achille "
          "& Soatto 2018)",
    scales=SCALES,
    run=run,
    docs="studies/redundancy.md",
)
