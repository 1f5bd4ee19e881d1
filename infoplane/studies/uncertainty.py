"""What the network's predictions say about its uncertainty: the entropy of its softmax
outputs, the cross-entropy loss against the conditional entropy H(Y|T) of its output layer,
and its calibration as it overfits a small training set.

Protocol. The 12-10-7-5-4-3-2 tanh network on tishby12 (Adam 4e-4, batch 256, Saxe et al.'s
random split) trained on only ``train_fraction`` = 10% of the rows (410), so that it overfits;
the softmax output (layer 5) is recorded in float32 on all 4096 inputs at every logged epoch.
From it, per seed and logged epoch:

- the mean entropy of the predicted distribution, H(q(.|x)) in bits, on training and test rows;
- the cross-entropy loss in bits on all 4096 rows (the records' train and test losses, weighted
  by their row counts) beside H(Y|T) = H(Y) - I(T;Y) of the binned output layer (30 edges on
  [-1, 1], the plane's estimator), on the same rows. For any predictor q that depends on x only
  through T, E[-log2 q(Y|T)] >= H(Y|T) (Gibbs' inequality). The network's q depends on the
  continuous output, of which T is a binning, so the bound holds up to a slack we compute per
  seed and epoch: with r_b(y) the upper edge of row i's bin in coordinate y (>= q_i(y)) and
  Z_b = sum_y r_b(y), loss >= H(Y|T) - mean_i log2 Z_b(i) (``certified_slack``);
- the expected calibration error (Guo et al. 2017, "On calibration of modern neural
  networks"): 15 equal-width confidence bins, ECE = sum_m |B_m|/n |acc(B_m) - conf(B_m)|, and
  the mean confidence minus the accuracy, on training and test rows.

Scales: ``--quick`` is a smoke test (2 seeds x 60 epochs); the default 6 seeds x 3000 epochs;
``--full`` 20 seeds x 8000 epochs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .._errors import InfoplaneError
from ..analysis import seed_interval
from ..data import load_dataset, split
from ..records import RunResult
from ..runs import read_activations
from ..training import preset, train
from ._common import out_dir, scaled_config, write_results
from ._registry import Sizes, Study, sizes_at
from ._uncertainty_figures import uncertainty_figure

ECE_BINS = 15  # Guo et al. (2017)
TOLERANCE = 1e-4  # bits: float32 rounding of the loss and of the binned I(T;Y)
SCALES = {"quick": Sizes({"seeds": 2, "epochs": 60, "schedule": "log", "schedule_value": 10}),
          "default": Sizes({"seeds": 6, "epochs": 3000, "schedule": "log", "schedule_value": 60}),
          "full": Sizes({"seeds": 20, "epochs": 8000, "schedule": "log", "schedule_value": 80})}
BASE = {"split": "random", "train_fraction": 0.1, "batch_size": 256, "record_dtype": "float32"}


def predictive_entropy(probs) -> np.ndarray:
    """H(q) in bits of each predicted distribution: probs [..., K] -> [...]."""
    p = np.asarray(probs, dtype=np.float64)
    return -(p * np.log2(np.where(p > 0, p, 1.0))).sum(axis=-1)


def calibration(probs, labels, n_bins: int = ECE_BINS) -> dict:
    """Expected calibration error and mean confidence minus accuracy (Guo et al. 2017).

    Args:
        probs: [..., n, K] predicted distributions.
        labels: (n,) true classes.
        n_bins: equal-width confidence bins on [0, 1]; confidence 1 falls in the last.

    Returns:
        "ece" and "gap" (mean confidence - accuracy), each shaped [...].
    """
    p = np.asarray(probs, dtype=np.float64)
    conf = p.max(axis=-1)
    correct = (p.argmax(axis=-1) == np.asarray(labels)).astype(np.float64)
    lead, n = conf.shape[:-1], conf.shape[-1]
    m = np.minimum((conf * n_bins).astype(np.int64), n_bins - 1)
    flat = (np.arange(int(np.prod(lead)))[:, None] * n_bins + m.reshape(-1, n)).ravel()
    size = int(np.prod(lead)) * n_bins
    diff = np.bincount(flat, weights=(conf - correct).ravel(), minlength=size)
    ece = np.abs(diff.reshape(*lead, n_bins)).sum(axis=-1) / n
    return {"ece": ece, "gap": (conf - correct).mean(axis=-1)}


def certified_slack(probs, edges) -> np.ndarray:
    """mean_i log2 Z_b(i), bits, for probs [..., n, K] binned by ``edges`` (np.digitize):
    Z_b = sum_y min(r_b(y), 1), r_b(y) the upper edge of the bin of q_i(y). Then
    loss >= H(Y|T) - slack for the binned T (see the module)."""
    p = np.asarray(probs)
    e = np.asarray(edges, dtype=p.dtype)  # in the dtype that training compares them in
    codes = np.digitize(p, e)
    upper = np.append(e.astype(np.float64), np.inf)[codes]
    return np.log2(np.minimum(upper, 1.0).sum(axis=-1)).mean(axis=-1)


def summarise(info: RunResult, probs: np.ndarray, data, rows, edges) -> dict:
    """Per-(seed, epoch) curves and their summaries."""
    n_tr, n_te = rows.train.size, rows.test.size
    loss = (n_tr * info.history.train_loss + n_te * info.history.test_loss) / (n_tr + n_te)
    h_y_t = float(info.plane.H_Y) - info.plane.I_TY[:, :, -1]
    slack = certified_slack(probs, edges)
    ent = predictive_entropy(probs)
    cal = {part: calibration(probs[:, :, r], data.y[r])
           for part, r in (("train", rows.train), ("test", rows.test))}
    e = info.plane.epochs
    stop = int(np.argmin(info.history.test_loss.mean(axis=0)))
    excess = loss - h_y_t
    return {"epochs": e, "loss_all": loss, "H_Y_given_T": h_y_t, "slack": slack,
            "entropy_train": ent[:, :, rows.train].mean(axis=-1),
            "entropy_test": ent[:, :, rows.test].mean(axis=-1),
            "ece_train": cal["train"]["ece"], "ece_test": cal["test"]["ece"],
            "gap_train": cal["train"]["gap"], "gap_test": cal["test"]["gap"],
            "test_loss": info.history.test_loss, "train_loss": info.history.train_loss,
            "train_acc": info.history.train_acc, "test_acc": info.history.test_acc,
            "stop_index": stop, "stop_epoch": int(e[stop]),
            "min_excess": float(excess.min()), "violations": int((excess < -TOLERANCE).sum()),
            "certified_violations": int((excess + slack < -TOLERANCE).sum()),
            "max_slack": float(slack.max()), "points": int(excess.size)}


def claims(c: dict) -> list[dict]:
    """The two claims, with rules fixed before the runs."""
    i = c["stop_index"]
    ece_rise = seed_interval(c["ece_test"][:, -1] - c["ece_test"][:, i])
    gap = seed_interval(c["gap_test"][:, -1])
    return [
        {"claim": "the cross-entropy loss bounds H(Y|T) of the output layer from above at every "
                  f"epoch (here: loss >= H(Y|T) - {TOLERANCE} bits for every seed and logged "
                  "epoch, on all inputs)",
         "ours": f"{c['violations']} of {c['points']} (seed, epoch) points below; smallest "
                 f"loss - H(Y|T) = {c['min_excess']:+.4f} bits; with the binning's certified "
                 f"slack (at most {c['max_slack']:.3f} bits) {c['certified_violations']} below",
         "agree": c["violations"] == 0},
        {"claim": "networks become over-confident as they overfit (Guo et al. 2017) (here: from "
                  "the test-loss minimum to the end the test ECE rises by >= 0.02, and at the "
                  "end the mean test confidence exceeds the test accuracy, 95% interval > 0)",
         "ours": f"test ECE {c['ece_test'][:, i].mean():.3f} at epoch {c['stop_epoch']} -> "
                 f"{c['ece_test'][:, -1].mean():.3f} (rise {ece_rise['mean']:+.3f}, "
                 f"[{ece_rise['low']:+.3f}, {ece_rise['high']:+.3f}]); confidence - accuracy "
                 f"{gap['mean']:+.3f} [{gap['low']:+.3f}, {gap['high']:+.3f}]",
         "agree": bool(ece_rise["mean"] >= 0.02 and gap["low"] > 0)},
    ]


def _numbers(c: dict, config) -> dict:
    """The summaries kept in results.json (the curves are drawn, not stored)."""
    i = c["stop_index"]
    last = {k: seed_interval(c[k][:, -1]) for k in (
        "train_acc", "test_acc", "train_loss", "test_loss", "entropy_train", "entropy_test",
        "ece_train", "ece_test", "gap_train", "gap_test")}
    at_stop = {k: seed_interval(c[k][:, i]) for k in ("test_loss", "test_acc", "ece_test",
                                                      "gap_test", "entropy_test")}
    return {"seeds": config.seeds, "epochs": config.epochs,
            "train_rows_fraction": config.train_fraction, "early_stopping_epoch": c["stop_epoch"],
            "final": last, "at_test_loss_minimum": at_stop,
            "loss_minus_H_Y_given_T_min_bits": c["min_excess"],
            "points_below_bound": c["violations"], "points_checked": c["points"],
            "certified_slack_max_bits": c["max_slack"], "tolerance_bits": TOLERANCE,
            "ece_bins": ECE_BINS}


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train on a small training set recording the softmax output; entropy, loss against
    H(Y|T), calibration; see the module."""
    started = time.time()
    config = scaled_config(preset("saxe2018").replace(**BASE), sizes_at(SCALES, scale).config,
                          overrides)
    config = config.replace(record_layers=(config.n_layers - 1,))  # the softmax output
    if config.bin_rule != "fixed":
        raise InfoplaneError("the uncertainty study bins the softmax output with fixed edges; "
                             f"remove bin_rule={config.bin_rule!r} from the overrides")
    out = out_dir(out, "uncertainty")
    data = load_dataset(config.dataset)
    rows = split(data, config.split, config.train_fraction, config.split_seed)
    info = train(config, out / "run", resume=resume, overwrite=overwrite, progress=progress)
    _, (probs,) = read_activations(out / "run", [config.n_layers - 1], np.float32)
    c = summarise(info, probs, data, rows, config.bins.edges())
    numbers = _numbers(c, config)
    widths = "-".join(str(w) for w in (data.x.shape[1], *config.hidden, data.n_classes))
    title = (f"{widths} {config.activation} on {round(100 * config.train_fraction)}% of "
             f"{config.dataset}")
    paths = uncertainty_figure(out, c, float(info.plane.H_Y), title)
    results = write_results(out, "uncertainty", numbers, claims(c), started, scale=scale)
    print(f"wrote {out / 'results.json'} and {', '.join(p.name for p in paths)} in "
          f"{results['wall_time_s']} s")
    return results


STUDY = Study(
    name="uncertainty",
    title="predictive entropy, the loss against H(Y|T), and calibration",
    scales=SCALES,
    run=run,
    docs="studies/uncertainty.md",
)
