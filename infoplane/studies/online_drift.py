"""Online learning on a drifting stream: a model updated online against the same model frozen
after its first stretch and one retrained from scratch at intervals; accuracy on the current
data over time, and the information plane of the online model along the stream.

Protocol (``_online_drift_stream``). Two streams of 2-D inputs and binary labels rotate
gradually through a half turn: "rule", the labelling rule rotates (concept drift); "inputs",
the inputs move round a fixed ring-shaped rule (covariate drift). A warm-up of
``warmup`` batches at angle 0 comes first, then ``stretches`` stretches of ``stretch`` batches
over which the angle rises linearly to pi. Data arrive in batches of ``batch_size`` and each is
seen once. After the warm-up and after every stretch, each learner is measured on 4096 fresh
samples of the current distribution: its accuracy, and for the online model the binned
I(X;T), I(T;Y) of every layer on those samples (30 bins on [-1, 1]; X uniform over the 4096
samples, so H(X) = 12 bits).

Which loop. This study has its own compact optax loop, not ``train``: online learning is one
pass over data that change with every batch, with no epochs, no fixed training set and no test
split, which ``train`` would need one call (and one compilation) per stretch to express, and a
retraining from scratch is a few thousand steps on a window of the stream. The loop is vmapped
over seeds and compiled once per stream (about 60 lines in ``_online_drift_stream.py``).

From the RunConfig overrides, this study reads ``seeds``, ``seed``, ``hidden``, ``activation``,
``optimiser``, ``learning_rate``, ``momentum``, ``batch_size``, the binning (``n_bins``,
``bin_low``, ``bin_high``) and ``epochs``, the epochs a retrained model trains over its window;
the other fields do not apply.

Claim (the premise of online learning under concept drift; e.g. Gama et al. 2014, "A survey on
concept drift adaptation", ACM Computing Surveys): online updates keep accuracy on the current
data while a model frozen after its first stretch decays.

Scales: the default streams 10 seeds, 500 warm-up batches and 40 stretches of 50 batches of 16
(40,000 samples per stream; 228 s on two CPU cores shared with other jobs); ``--full`` 30 seeds
and 80 stretches of 25 batches, retraining every 16 stretches on the newest four; ``--quick`` a
smoke test.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from tqdm.auto import tqdm

from ..analysis import seed_interval
from ..records import InformationPlane
from ..runs import prepare_dir, read_npz, write_json, write_npz
from ..training import RunConfig
from ._common import claim, out_dir, scale_kind, scaled_config, write_results
from ._online_drift_figures import accuracy_figure, plane_figure
from ._online_drift_stream import STREAMS, Learner, Stream, StreamRun, compile_learner, draw
from ._registry import Study, sizes_at

BASE = RunConfig(dataset="rotating stream", hidden=(10, 7, 5, 4, 3), activation="tanh",
                 optimiser="adam", learning_rate=3e-3, batch_size=16, epochs=20, seeds=10,
                 schedule="every", schedule_value=1)


@dataclass(frozen=True)
class OnlineDriftSizes:
    """The study's sizes at one scale.

    Attributes:
        config: the RunConfig fields set on top of ``BASE`` (seeds, and the epochs a
            retrained model trains over its window).
        stream: the stream's lengths: warm-up, stretches, retraining, evaluation samples.
    """

    config: Mapping
    stream: Stream


SCALES = {
    "quick": OnlineDriftSizes({"seeds": 2, "epochs": 3},
                              Stream(warmup=40, stretches=4, stretch=10, retrain_every=2,
                                     window=2, n_eval=1024)),
    "default": OnlineDriftSizes({"seeds": 10, "epochs": 20},
                                Stream(warmup=500, stretches=40, stretch=50, retrain_every=8,
                                       window=2, n_eval=4096)),
    "full": OnlineDriftSizes({"seeds": 30, "epochs": 20},
                             Stream(warmup=500, stretches=80, stretch=25, retrain_every=16,
                                    window=4, n_eval=4096)),
}
MODELS = ("online", "frozen", "retrained")
ACTIVATIONS = {"tanh": jnp.tanh, "relu": jax.nn.relu, "sigmoid": jax.nn.sigmoid,
               "softsign": jax.nn.soft_sign, "softplus": jax.nn.softplus, "linear": lambda h: h}
KEEPS, DECAYS = 0.05, 0.1  # accuracy: "kept" within 0.05 of the warm-up's; "decays" by > 0.1


def learner_of(config: RunConfig) -> Learner:
    """The network (2 inputs, ``config.hidden``, 2 classes) and optimiser of a configuration."""
    lr = config.learning_rate
    opt = {"adam": lambda: optax.adam(lr), "sgd": lambda: optax.sgd(lr),
           "momentum": lambda: optax.sgd(lr, momentum=config.momentum)}[config.optimiser]()
    return Learner((2, *config.hidden, 2), ACTIVATIONS[config.activation], opt)


def stream_run(kind: str, stream: Stream, config: RunConfig, progress: bool) -> StreamRun:
    """Stream ``kind`` through the three learners; accuracies [model, seed, checkpoint] and
    the online model's plane [seed, checkpoint, layer] in bits."""
    seeds = np.arange(config.seed, config.seed + config.seeds)
    d = draw(kind, stream, config.batch_size, seeds)
    f = compile_learner(learner_of(config), config.bins, config.epochs)
    keys = jax.vmap(jax.random.key)(jnp.asarray(seeds))
    params = f["init"](keys)
    state = f["opt_init"](params)
    w, span = stream.warmup, stream.window * stream.stretch

    def batches(lo, hi):
        return jnp.asarray(d["x"][:, lo:hi]), jnp.asarray(d["y"][:, lo:hi])

    def scratch(k, end):
        return f["scratch"](jax.vmap(jax.random.fold_in, (0, None))(keys, k), *batches(
            max(0, end - span), end))

    params, state = f["updates"](params, state, *batches(0, w))
    models = {"online": params, "frozen": params, "retrained": scratch(0, w)}
    records = []
    bar = tqdm(total=stream.stretches, unit="stretch", desc=kind, disable=not progress)
    for k in range(stream.stretches + 1):
        if k:
            lo = w + (k - 1) * stream.stretch
            params, state = f["updates"](params, state, *batches(lo, lo + stream.stretch))
            models["online"] = params
            if k % stream.retrain_every == 0:
                models["retrained"] = scratch(k, lo + stream.stretch)
            bar.update()
        ev = (jnp.asarray(d["x_eval"][:, k]), jnp.asarray(d["y_eval"][:, k]))
        records.append({m: jax.device_get(f["evaluate"](p, *ev)) for m, p in models.items()})
    bar.close()
    online = [r["online"] for r in records]  # the learners' evaluations, checkpoint by one
    plane = InformationPlane(
        np.stack([r["I_XT"] for r in online], axis=1), np.stack([r["I_TY"] for r in online],
                                                                axis=1),
        np.arange(len(records)), H_X=math.log2(stream.n_eval), method="binning",
        H_Y=float(np.mean([_h2(y.mean()) for y in d["y_eval"].reshape(-1, stream.n_eval)])))
    return StreamRun(
        acc=np.stack([[r[m]["acc"] for r in records] for m in MODELS], axis=0
                     ).transpose(0, 2, 1), plane=plane, theta=np.asarray(d["theta"]),
        samples=(w + np.arange(stream.stretches + 1) * stream.stretch) * config.batch_size)


def _h2(p: float) -> float:
    return 0.0 if p in (0.0, 1.0) else float(-p * np.log2(p) - (1 - p) * np.log2(1 - p))


def summarise(r: StreamRun, stream: Stream) -> dict:
    """Per learner: accuracy after the warm-up, over the drift (mean of its checkpoints), at
    the end, with 95% intervals over seeds; the drops the claims judge, paired by seed."""
    out = {}
    for i, m in enumerate(MODELS):
        a = r.acc[i]  # [seed, checkpoint]
        out[m] = {key: _ci(v) for key, v in (("after_warmup", a[:, 0]),
                                             ("over_drift", a[:, 1:].mean(axis=1)),
                                             ("second_half", a[:, 1 + stream.stretches // 2:]
                                              .mean(axis=1)),
                                             ("final", a[:, -1]))}
    on, fr = r.acc[0], r.acc[1]
    out["online_drift_minus_warmup"] = _ci(on[:, 1:].mean(axis=1) - on[:, 0])
    out["frozen_warmup_minus_final"] = _ci(fr[:, 0] - fr[:, -1])
    out["online_minus_frozen_second_half"] = _ci(
        (on - fr)[:, 1 + stream.stretches // 2:].mean(axis=1))
    ixt, ity = r.plane.I_XT.mean(axis=0), r.plane.I_TY.mean(axis=0)
    out["online_plane"] = {"I_XT_first": ixt[0], "I_XT_last": ixt[-1], "I_XT_min": ixt.min(0),
                           "I_TY_first": ity[0], "I_TY_last": ity[-1], "I_TY_min": ity.min(0)}
    return out


def _ci(v) -> dict:
    c = seed_interval(v)
    return {"mean": float(c["mean"]), "low": float(c["low"]), "high": float(c["high"])}


def _fmt(c: dict) -> str:
    return f"{c['mean']:.3f} [{c['low']:.3f}, {c['high']:.3f}]"


def claims(numbers: dict) -> list[dict]:
    out = []
    for kind in STREAMS:
        s = numbers[kind]
        keep, decay = s["online_drift_minus_warmup"], s["frozen_warmup_minus_final"]
        gap = s["online_minus_frozen_second_half"]
        out += [
            claim(f"{kind} stream: online updates keep accuracy on the current data",
                  f"{_fmt(keep)} (after warm-up {_fmt(s['online']['after_warmup'])}, over the "
                  f"drift {_fmt(s['online']['over_drift'])})",
                  f"agree if the online accuracy averaged over the drift minus that after the "
                  f"warm-up has its 95% interval above -{KEEPS}", keep["low"] > -KEEPS),
            claim(f"{kind} stream: a model frozen after its first stretch decays",
                  f"{_fmt(decay)} (final {_fmt(s['frozen']['final'])})",
                  f"agree if the frozen accuracy after the warm-up minus at the end has its 95% "
                  f"interval above {DECAYS}", decay["low"] > DECAYS),
            claim(f"{kind} stream: the online model beats the frozen one on the drifted data",
                  _fmt(gap), "agree if online minus frozen accuracy, averaged over the second "
                             "half of the drift, has its 95% interval above 0",
                  gap["low"] > 0.0)]
    return out


def _stream_or_saved(kind, stream, config, out, resume, overwrite, progress) -> StreamRun:
    run_dir = out / "runs" / kind
    settings = {"config": config.to_dict(), "stream": stream._asdict(), "kind": kind}
    if resume and (run_dir / "stream.npz").is_file():
        return StreamRun.from_arrays(read_npz(run_dir / "stream.npz"))
    if resume and not (run_dir / "config.json").is_file():
        resume = False  # nothing saved yet: start this stream
    prepare_dir(run_dir, resume=resume, overwrite=overwrite)
    write_json(run_dir / "config.json", settings)
    r = stream_run(kind, stream, config, progress)
    write_npz(run_dir / "stream.npz", **r.arrays())
    return r


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Stream both drifts through the three learners, draw and judge; see the module."""
    started = time.time()
    sizes = sizes_at(SCALES, scale)
    config = scaled_config(BASE, sizes.config, overrides).validate()
    stream = sizes.stream
    out = out_dir(out, "online_drift")
    runs = {k: _stream_or_saved(k, stream, config, out, resume, overwrite, progress)
            for k in STREAMS}
    numbers = {k: summarise(r, stream) for k, r in runs.items()}
    paths = accuracy_figure(out, runs, stream, MODELS) + plane_figure(out, runs, config)
    numbers["protocol"] = {
        "stream": stream._asdict(), "seeds": config.seeds, "hidden": config.hidden,
        "activation": config.activation, "optimiser": config.optimiser,
        "learning_rate": config.learning_rate, "batch": config.batch_size,
        "retrain_epochs": config.epochs, "H_Y_mean": {k: r.plane.H_Y for k, r in runs.items()},
        "interval": "95% Student-t over seeds, paired by seed", "loop": "own optax loop",
        "kind": scale_kind(scale)}
    results = write_results(out, "online_drift", numbers, claims(numbers), started,
                            scale=scale)
    print(f"wrote {out / 'results.json'} and {', '.join(p.name for p in paths)} in "
          f"{results['wall_time_s']} s")
    return results


STUDY = Study(
    name="online_drift",
    title="online learning on a gradually rotating stream",
    scales=SCALES,
    run=run,
    docs="studies/online_drift.md",
)
