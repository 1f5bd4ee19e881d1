"""Butakov et al. (ICLR 2024), "Information bottleneck analysis of deep neural networks via
lossy compression": the information plane of every layer of a noisy convolutional network,
by mutual information between compressed representations, with binning and the KDE upper
bound beside it.

Networks. The built-in CNNs with additive Gaussian noise in every hidden layer, kept on when
the layers are measured (``unit_noise`` = ``NOISE``, ``noise_eval``; ``training/cnn.py``), so
that I(X;T) of a layer is finite (Goldfeld et al., ICML 2019): on MNIST-1D the "mnist1d_cnn"
preset (conv 16 and 32 channels of width 5 with max-pooling, dense 64, ReLU; Adam 1e-3, batch
100; 4000 training and 1000 test sequences) and on scikit-learn's 8x8 digits the 2-D variant
"digits_cnn" (conv 8 and 16 channels of 3x3, dense 32). The noise's standard deviation is
``NOISE`` = 0.1 times the root mean square of the layer's activations (one scale per layer
and batch). The paper's is 1e-3 times the activation; we take 0.1 (Goldfeld et al.'s level)
because 1e-3 is at the rounding step of the activations recorded in float16 (about 5e-4
relative), where it could not be told from rounding.

Planes. Every layer (conv1, conv2, dense1 and the softmax output) is recorded on the measured
inputs at log-spaced epochs, with one fixed draw of the noise (the same key at every logged
epoch and for every seed: ``training.network.model_network``). From the records:
"compressed" (``plane_from_activations(method="compressed")``, the paper's estimator for
I(X;T): X and the layer each compressed by PCA to ``dim`` = 4 whitened dimensions, the
weighted Kozachenko-Leonenko estimator with k = 5; I(T;Y) by the supervised estimate of
``estimators.supervised``, since PCA codes lose class signal of wide layers; standard
errors), "binning" (30 bins over each layer's range at that epoch) and "kde_upper" (noise
variance 0.1 on the raw activations, anchored, with standard errors); all on the same rows
(every input, or ``rows`` of them at the quick scale). Each plane carries the seed 95%
interval (Student t) of every point.

Claims, judged on the compressed plane of the hidden layers (conv1, conv2, dense1), with rules
fixed before the runs (``claims``): fitting (I(T;Y) rises), compression (I(X;T) falls after a
peak), and the first compression onset near the steepest fall of the training loss. The
peaks are located on the seed mean smoothed as the paper's figures (Savitzky-Golay, then a
zero-phase low-pass filter); the falls are measured on the unsmoothed per-seed values. A
fitting claim whose I(T;Y) points lie outside their bracket (the plane's probe bound and
H(Y)) says so ("caveat").

Scales: ``--quick`` (a smoke test: MNIST-1D only, 2 seeds, 2 epochs, 400 rows), the default
(3 seeds, 100 epochs), ``--full`` (5 seeds, 200 epochs).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from ..analysis import seed_interval
from ..data import load_dataset
from ..defaults import NOISE_VAR
from ..plane import plane_from_activations
from ..records import InformationPlane, RunResult
from ..runs import read_activations
from ..training import preset, train
from ._butakov_figures import smooth_curve, task_figure
from ._common import claim, out_dir, scaled_config, within, write_results
from ._registry import Study, sizes_at

NAME = "butakov2024_cnn"
NOISE = 0.1
LAYERS = (0, 1, 2, 3)  # conv1, conv2, dense1, out: every layer of both presets
HIDDEN = 3  # the first three are the hidden layers the claims are about
COMPRESSED = {"estimator": "kl_weighted", "dim_x": 4, "dim_t": 4, "k": 5}  # the paper's
TASKS = {"mnist1d": "mnist1d_cnn", "digits": "digits_cnn"}
_BASE = {"unit_noise": NOISE, "noise_eval": True, "record_layers": LAYERS}


@dataclass(frozen=True)
class ButakovSizes:
    """The study's sizes at one scale.

    Attributes:
        config: the RunConfig fields set on top of each task's preset.
        tasks: the tasks trained (names of ``TASKS``); compiling a CNN's training chunk takes
            most of a small run's time, so the quick scale runs one.
        rows: the inputs the planes are estimated on (the first ``rows``; None: all).
        anchors: the KDE's anchors.
    """

    config: Mapping
    tasks: tuple[str, ...]
    rows: int | None
    anchors: int


SCALES = {
    "quick": ButakovSizes({"seeds": 2, "epochs": 2, "schedule": "every", "schedule_value": 1},
                          ("mnist1d",), rows=400, anchors=100),
    "default": ButakovSizes({"seeds": 3, "epochs": 100, "schedule": "log",
                             "schedule_value": 30}, tuple(TASKS), rows=None, anchors=300),
    "full": ButakovSizes({"seeds": 5, "epochs": 200, "schedule": "log", "schedule_value": 45},
                         tuple(TASKS), rows=None, anchors=500),
}
METHODS = ("compressed", "binning", "kde_upper")


def _settings(method: str, anchors: int) -> dict:
    if method == "compressed":
        return dict(COMPRESSED)
    if method == "binning":
        return {"rule": "layer", "n_bins": 30}
    return {"noise_var": NOISE_VAR, "anchors": anchors}


def planes(run_dir: Path, data, rows: np.ndarray, anchors: int, run: InformationPlane,
           progress: bool = False) -> tuple[dict[str, InformationPlane], dict[str, float]]:
    """The three planes of a run's recorded layers on the inputs ``rows`` (bits; with the
    run's logged epochs and layer names, the number of rows as the setting "n"), and the
    seconds each took."""
    out, seconds = {}, {}
    for method in METHODS:
        t0, parts, used = time.time(), [], {}
        for li in LAYERS:  # one layer at a time: only it is held in memory
            _, (a,) = read_activations(run_dir, [li])
            extra = {"inputs": data.x[rows]} if method == "compressed" else {}
            p = plane_from_activations([a[:, :, rows]], data.y[rows], method=method,
                                       layer_names=[run.layer_names[li]], progress=progress,
                                       **extra, **_settings(method, anchors))
            parts.append(p)
            used = {**p.settings, **used}
        joined = {f.name: np.concatenate([getattr(p, f.name) for p in parts], axis=-1)
                  for f in fields(InformationPlane) if f.name != "epochs"
                  and isinstance(getattr(parts[0], f.name), np.ndarray)}
        out[method] = replace(parts[0], **joined, epochs=run.epochs,
                              layer_names=tuple(run.layer_names[li] for li in LAYERS),
                              layers=LAYERS, settings={**used, "n": int(rows.size)},
                              warnings=tuple(w for p in parts for w in p.warnings))
        seconds[method] = round(time.time() - t0, 1)
    return out, seconds


def _se_difference(se, layer: int, i: int, j: int) -> float:
    """The estimators' standard error of the seed mean of (value at epoch i - value at j),
    the estimates taken as independent; 0 for a method without standard errors."""
    if se is None:
        return 0.0
    s = se[:, :, layer]
    return float(np.sqrt((s[:, i] ** 2 + s[:, j] ** 2).mean() / s.shape[0]))


def phases(plane: InformationPlane, epochs: np.ndarray) -> list[dict]:
    """Per layer: the fitting phase (the rise of I(T;Y) from epoch 0 to its peak) and the
    compression phase (the fall of I(X;T) from its peak to the last logged epoch). Peaks on the
    smoothed seed mean; rises and falls per seed, with their seed 95% interval and the
    estimators' standard error of the mean difference (0 for binning). A phase is present
    when the interval lies above 0 and the mean exceeds 2 standard errors."""
    ixt, ity = plane.I_XT, plane.I_TY
    last = ixt.shape[1] - 1
    out = []
    for layer in range(ixt.shape[2]):
        p = int(np.argmax(smooth_curve(ixt[:, :, layer].mean(axis=0))))
        q = int(np.argmax(smooth_curve(ity[:, :, layer].mean(axis=0))))
        fall = seed_interval(ixt[:, p, layer] - ixt[:, last, layer])
        rise = seed_interval(ity[:, q, layer] - ity[:, 0, layer])
        se_fall = _se_difference(plane.I_XT_stderr, layer, p, last)
        se_rise = _se_difference(plane.I_TY_stderr, layer, q, 0)
        out.append({
            "peak_epoch": int(epochs[p]), "peak_I_XT": float(ixt[:, p, layer].mean()),
            "final_I_XT": float(ixt[:, last, layer].mean()),
            "fall": [fall["mean"], fall["low"], fall["high"]], "fall_stderr": float(se_fall),
            "compresses": bool(p < last and fall["low"] > 0 and fall["mean"] > 2 * se_fall),
            "I_TY_peak_epoch": int(epochs[q]),
            # the fitting phase reads I(T;Y) at epoch 0 and at its peak: seeds outside the
            # bracket (below the probe bound) there
            "rise_points_outside_bracket": (
                int(plane.I_TY_outside[:, [0, q], layer].sum())
                if plane.I_TY_outside is not None else None),
            "rise": [rise["mean"], rise["low"], rise["high"]], "rise_stderr": float(se_rise),
            "fits": bool(q > 0 and rise["low"] > 0 and rise["mean"] > 2 * se_rise)})
    return out


def steepest_loss_drop(epochs: np.ndarray, train_loss: np.ndarray) -> int | None:
    """The epoch where the smoothed seed-mean training loss falls fastest per unit of
    log(epoch + 1) (steepest on the loss plot's log axis): the geometric middle of the steepest
    logged interval, as epoch + 1 - 1; None with fewer than two logged epochs."""
    if epochs.size < 2:
        return None
    loss = smooth_curve(np.asarray(train_loss, dtype=float).mean(axis=0))
    x = np.log1p(epochs.astype(float))
    i = int(np.argmax(-np.diff(loss) / np.diff(x)))
    return int(round(np.expm1(0.5 * (x[i] + x[i + 1]))))


def summarise(task: str, info: RunResult, planes_: dict[str, InformationPlane],
              seconds: dict[str, float], config) -> dict:
    """The numbers of one task kept in results.json."""
    e = np.asarray(info.plane.epochs)
    ph = {m: phases(p, e) for m, p in planes_.items()}
    onsets = [lay["peak_epoch"] for lay in ph["compressed"][:HIDDEN] if lay["compresses"]]
    names = [str(n) for n in info.plane.layer_names]
    return {
        "task": task, "dataset": config.dataset, "model": config.model,
        "seeds": config.seeds, "epochs": config.epochs, "logged_epochs": int(e.size),
        "unit_noise_relative": config.unit_noise, "layers": names, "hidden_layers": HIDDEN,
        "train_acc": float(info.history.train_acc[:, -1].mean()),
        "test_acc": float(info.history.test_acc[:, -1].mean()),
        "train_seconds": (float(info.train_seconds) if info.train_seconds is not None else None),
        "plane_rows": planes_["compressed"].settings["n"],
        "plane_seconds": seconds,
        "settings": {m: p.settings for m, p in planes_.items()},
        "phases": {m: {n: v for n, v in zip(names, layers, strict=True)}
                   for m, layers in ph.items()},
        "first_compression_onset_epoch": min(onsets) if onsets else None,
        "steepest_loss_drop_epoch": steepest_loss_drop(e, info.history.train_loss),
    }


def claims(task: str, s: dict) -> list[dict]:
    """The paper's claims on one task's compressed plane, with rules fixed before the runs."""
    hidden = s["layers"][:HIDDEN]
    comp = s["phases"]["compressed"]
    compare = {m: {n: [s["phases"][m][n]["fits"], s["phases"][m][n]["compresses"]]
                   for n in hidden} for m in METHODS}
    fits = [comp[n]["fits"] for n in hidden]
    compresses = [comp[n]["compresses"] for n in hidden]
    onset, steep = s["first_compression_onset_epoch"], s["steepest_loss_drop_epoch"]
    ratio = (onset + 1) / (steep + 1) if onset is not None and steep is not None else None
    where = f"{task}, compressed MI"
    outside = {n: comp[n].get("rise_points_outside_bracket") for n in hidden}
    caveat = ({"caveat": f"rests on {sum(outside.values())} point(s) outside their I(T;Y) "
                         "bracket (below the probe bound): the estimator misses information "
                         "there", "points_outside_bracket": outside}
              if any(outside.values()) else {"points_outside_bracket": outside})
    return [
        claim(f"{where}: a fitting phase in the layers, I(T;Y) rising (Butakov et al. 2024, "
              "Sec. 5)", {n: comp[n]["rise"] for n in hidden},
              "agree if in every hidden layer the rise of I(T;Y) from epoch 0 to its peak "
              "(bits; mean, seed 95% interval) lies above 0 and exceeds 2 standard errors",
              all(fits), fits_and_compresses_by_estimator=compare, **caveat),
        claim(f"{where}: a compression phase, I(X;T) falling after a peak (Butakov et al. "
              "2024, Sec. 5)", {n: comp[n]["fall"] for n in hidden},
              "agree if in at least half of the hidden layers the fall of I(X;T) from its peak "
              "(on the smoothed seed mean) to the last logged epoch (bits; mean, seed 95% "
              "interval) lies above 0 and exceeds 2 standard errors",
              sum(compresses) >= len(hidden) / 2,
              peak_epochs={n: comp[n]["peak_epoch"] for n in hidden}),
        within(f"{where}: the first compression phase coincides with a faster drop of the "
               "loss (Butakov et al. 2024, Sec. 5)", ratio, 0.5, 2.0,
               why="ours: (first compression onset + 1) / (epoch of the steepest training-loss "
                   "drop per log epoch + 1); no compressing layer is a disagreement",
               onset_epoch=onset, steepest_loss_drop_epoch=steep),
    ]


def _write_planes(run_dir: Path, planes_: dict[str, InformationPlane]) -> None:
    """information_<method>.npz beside the run: the plane, its errors and settings."""
    for m, p in planes_.items():
        p.to_npz(run_dir / f"information_{m}.npz")


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train the noisy CNNs on MNIST-1D and digits, estimate the three planes of every layer,
    draw them and judge the claims; see the module."""
    started = time.time()
    sizes = sizes_at(SCALES, scale)
    out = out_dir(out, NAME)
    numbers, judged, figures = {}, [], []
    for task in sizes.tasks:
        config = scaled_config(preset(TASKS[task]).replace(**_BASE), sizes.config, overrides)
        run_dir = out / "runs" / task
        info = train(config, run_dir, resume=resume, overwrite=overwrite, progress=progress)
        data = load_dataset(config.dataset)
        n_rows = sizes.rows or data.x.shape[0]
        rows = np.arange(min(n_rows, data.x.shape[0]))
        p, seconds = planes(run_dir, data, rows, sizes.anchors, info.plane, progress)
        _write_planes(run_dir, p)
        numbers[task] = summarise(task, info, p, seconds, config)
        judged += claims(task, numbers[task])
        figures += task_figure(out, task, info, p, numbers[task])
    numbers["figures"] = [str(f.name) for f in figures]
    results = write_results(out, NAME, numbers, judged, started, scale=scale)
    print(f"wrote {out / 'results.json'} and {len(figures)} figure files in "
          f"{results['wall_time_s']} s")
    return results


STUDY = Study(
    name="butakov2024_cnn",
    title="noisy CNNs, every layer's plane by compressed MI (Butakov et al., ICLR 2024)",
    scales=SCALES,
    run=run,
    docs="studies/butakov2024_cnn.md",
)
