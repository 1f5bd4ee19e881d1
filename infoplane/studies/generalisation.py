"""Saxe et al. (2018), Fig. 4: does compression generalise? The 12-10-7-5-4-3-2 tanh network
trained on a random 30% and a random 80% of tishby12 (their protocol: Adam 4e-4, batch 512,
their logging schedule, 30 bins on [-1, 1], information on all 4096 inputs). For each, the
information plane beside its train/test loss curves, with the early-stopping epoch (the
minimum of the test loss averaged over seeds) ringed on the trajectory.

The claim: the 30% network overfits (its test loss rises again) while its layers keep
compressing, so compression is not what makes a network generalise.

Scales: the default trains 6 seeds x 4000 epochs per split (about 3 minutes on two CPU
cores); ``--full`` is the paper's 50 seeds x 10000 epochs (1-2 hours here; to scale it,
lower ``--seeds`` or run on more devices: seeds are split across ``jax.devices()``);
``--quick`` is a smoke test (2 seeds x 60 epochs).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..analysis import compression
from ..plotting import (
    information_plane,
    loss_accuracy,
    paper_style,
    place_reference_labels,
    save_figure,
)
from ..records import RunResult
from ..training import preset, train
from ._common import claim, out_dir, scaled_config, within, write_results
from ._registry import Sizes, Study, sizes_at

SCALES = {"quick": Sizes({"seeds": 2, "epochs": 60}),
          "default": Sizes({"seeds": 6, "epochs": 4000}),
          "full": Sizes({"seeds": 50, "epochs": 10000})}
FRACTIONS = (0.3, 0.8)


def early_stopping_epoch(epochs, test_loss) -> int:
    """The logged epoch with the lowest test loss, averaged over seeds.

    Args:
        epochs: [logged_epoch].
        test_loss: [seed, logged_epoch] or [logged_epoch], bits.
    """
    loss = np.asarray(test_loss, dtype=float)
    loss = loss.mean(axis=0) if loss.ndim == 2 else loss
    return int(np.asarray(epochs)[int(np.argmin(loss))])


def summarise(info: RunResult) -> dict:
    """The numbers of one split's run (means over seeds); the last hidden layer is layer -2."""
    e = info.plane.epochs
    stop = early_stopping_epoch(e, info.history.test_loss)
    comp = compression(info.plane.I_XT, e, after=stop)
    test_loss = info.history.test_loss.mean(axis=0)
    i_stop = int(np.flatnonzero(e == stop)[0])
    return {
        "seeds": int(info.plane.I_XT.shape[0]),
        "last_logged_epoch": int(e[-1]),
        "train_acc": float(info.history.train_acc[:, -1].mean()),
        "test_acc": float(info.history.test_acc[:, -1].mean()),
        "test_acc_at_stop": float(info.history.test_acc[:, i_stop].mean()),
        "train_loss_bits": float(info.history.train_loss[:, -1].mean()),
        "test_loss_bits": float(test_loss[-1]),
        "min_test_loss_bits": float(test_loss[i_stop]),
        "early_stopping_epoch": stop,
        "test_loss_rise_bits": float(test_loss[-1] - test_loss[i_stop]),
        "layers": [str(n) for n in info.plane.layer_names],
        "compression_bits": comp["compression"],
        "compression_since_stop_bits": comp["since"],
        "last_hidden_peak_I_XT": float(comp["peak"][-2]),
        "last_hidden_peak_epoch": int(comp["peak_epoch"][-2]),
        "last_hidden_final_I_XT": float(comp["final"][-2]),
        "last_hidden_compression_bits": float(comp["compression"][-2]),
        "last_hidden_compression_since_stop_bits": float(comp["since"][-2]),
    }


def claims(s30: dict, s80: dict) -> list[dict]:
    """Saxe et al.'s claims with our numbers; thresholds fixed before looking at the runs."""
    rise = s30["test_loss_rise_bits"] / max(s30["min_test_loss_bits"], 1e-12)
    return [
        within("the 30% network overfits: its test loss rises after its minimum",
               rise, 0.10, np.inf,
               why="ours: final test loss over its minimum, minus 1",
               detail=f"minimum {s30['min_test_loss_bits']:.3f} bits at epoch "
                      f"{s30['early_stopping_epoch']}, final {s30['test_loss_bits']:.3f} bits "
                      f"(+{100 * rise:.0f}%)"),
        within("while it overfits, its layers compress",
               s30["last_hidden_compression_since_stop_bits"], 0.5, np.inf,
               why="ours: the last hidden layer's fall in I(X;T) from the early-stopping epoch "
                   "to the end, bits",
               detail=f"after epoch {s30['early_stopping_epoch']}; "
                      f"{s30['last_hidden_compression_bits']:.2f} bits from its peak"),
        claim("compression is not what generalises: the 30% network compresses yet generalises "
              "worse than the 80% network",
              {"compression_bits": {"30%": round(s30["last_hidden_compression_bits"], 2),
                                    "80%": round(s80["last_hidden_compression_bits"], 2)},
               "test_acc": {"30%": round(s30["test_acc"], 3), "80%": round(s80["test_acc"], 3)}},
              "agree if the 30% network's last hidden layer loses >= 0.5 bit from its peak and "
              "its test accuracy is below the 80% network's",
              s30["last_hidden_compression_bits"] >= 0.5 and s30["test_acc"] < s80["test_acc"]),
    ]


def figure(infos: dict[str, RunResult], stops: dict[str, int]) -> Figure:
    """One row per split: the plane with the early-stopping epoch ringed, then the losses."""
    fig = Figure(figsize=(10.0, 4.2 * len(infos)), layout="constrained")
    for sub, (title, info) in zip(fig.subfigures(len(infos), 1), infos.items(), strict=True):
        sub.suptitle(title, fontweight="bold", fontsize="large")
        left, right = sub.subplots(1, 2, width_ratios=[1.15, 1.0])
        information_plane(left, info.plane, mark_epoch=stops[title],
                          mark_label="early stopping")
        h = info.history
        loss_accuracy(right, h.epochs, h.train_loss, h.test_loss, h.train_acc, h.test_acc,
                      mark_epoch=stops[title], mark_label="early stopping")
    place_reference_labels(fig)
    return fig


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train on 30% and on 80% of the data, draw both and judge the claims; see the module."""
    started = time.time()
    base = scaled_config(preset("saxe2018"), sizes_at(SCALES, scale).config, overrides)
    out = out_dir(out, "generalisation")
    infos, numbers = {}, {}
    for frac in FRACTIONS:
        name = f"train{round(100 * frac)}"
        print(f"training on {100 * frac:.0f}% of the data ({base.seeds} seeds x "
              f"{base.epochs} epochs)")
        info = train(base.replace(train_fraction=frac), out / "runs" / name, resume=resume,
                     overwrite=overwrite, progress=progress)
        infos[f"{100 * frac:.0f}% of the data for training"] = info
        numbers[name] = summarise(info)
    stops = {t: numbers[f"train{k}"]["early_stopping_epoch"]
             for t, k in zip(infos, (30, 80), strict=True)}
    with paper_style():
        paths = save_figure(figure(infos, stops), out / "generalisation")
    numbers["protocol"] = {"split": base.split, "split_seed": base.split_seed,
                           "bins": f"{base.n_bins} edges on [{base.bin_low}, {base.bin_high}]",
                           "schedule": base.schedule, "optimiser": base.optimiser,
                           "learning_rate": base.learning_rate, "batch_size": base.batch_size}
    results = write_results(out, "generalisation", numbers,
                            claims(numbers["train30"], numbers["train80"]), started, scale=scale)
    print(f"wrote {out / 'results.json'} and {', '.join(p.name for p in paths)} in "
          f"{results['wall_time_s']} s")
    return results


STUDY = Study(
    name="generalisation",
    title="training on 30% against 80% of the data (Saxe et al. 2018)",
    scales=SCALES,
    run=run,
    docs="studies/generalisation.md",
)
