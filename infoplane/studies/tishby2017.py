"""Shwartz-Ziv & Tishby (2017): the information plane of the 12-10-7-5-4-3-2 tanh network
trained on tishby12 with the IDNNs protocol, the gradient signal-to-noise plot, and the
drift-to-diffusion transition marked on both; the plane also as an animation,
``plane.gif`` (``plotting.animate_plane``: about 4 s more).

Scales: the default (the README's main job) trains 20 seeds for the protocol's 8000 epochs,
about a minute on two CPU cores; ``--full`` is the paper's 50 seeds x 8000 epochs; ``--quick`` is a
smoke test.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from ..analysis import find_snr_transition, seed_interval
from ..plotting import animate_plane, run_figures
from ..plotting._background import BackgroundDrawer
from ..plotting._files import writes_here
from ..records import RunResult
from ..training import preset, train
from ._common import claim, in_range, near, out_dir, scaled_config, within, write_results
from ._registry import Sizes, Study, sizes_at

SCALES = {"quick": Sizes({"seeds": 2, "epochs": 200}),
          "default": Sizes({"seeds": 20, "epochs": 8000}),
          "full": Sizes({"seeds": 50, "epochs": 8000})}

# The published single run of this protocol (docs/protocols.md): final I(X;T) per layer, bits.
PUBLISHED_FINAL_IXT = [(11.9, 12.1), (11.8, 12.0), (11.7, 11.9), (11.0, 11.2), (4.0, 4.8),
                       (1.7, 2.0)]


def summarise(info: RunResult) -> dict:
    """The study's numbers from a run's arrays (means over seeds)."""
    ixt = info.plane.I_XT.mean(axis=0)  # (epoch, layer)
    ity = info.plane.I_TY.mean(axis=0)
    epochs = info.plane.epochs
    small = ixt.shape[1] - 2  # the 3-unit layer, last hidden layer
    peak_at = int(np.argmax(ixt[:, small]))
    transition, rule = find_snr_transition(epochs, info.history.grad_mean, info.history.grad_std)
    return {
        "layers": [str(n) for n in info.plane.layer_names],
        "final_I_XT": ixt[-1],
        "final_I_TY": ity[-1],
        # the 95% Student-t interval of the seed mean, [low, high] per layer
        **{f"final_{key}_ci95": np.stack([ci["low"], ci["high"]], axis=1)
           for key, a in (("I_XT", info.plane.I_XT), ("I_TY", info.plane.I_TY))
           for ci in [seed_interval(a[:, -1])]},
        "last_hidden_peak_I_XT": float(ixt[peak_at, small]),
        "last_hidden_peak_epoch": int(epochs[peak_at]),
        "last_hidden_compression_bits": float(ixt[peak_at, small] - ixt[-1, small]),
        "train_acc": float(info.history.train_acc[:, -1].mean()),
        "test_acc": float(info.history.test_acc[:, -1].mean()),
        "snr_transition_epoch": transition,
        "snr_transition_rule": rule,
        "seeds": int(info.plane.I_XT.shape[0]),
        "epochs_trained": int(epochs[-1]) + 1,
        # seeds whose final I(T;Y) of each layer lies outside its bracket (probe bound, H(Y))
        "final_I_TY_outside_seeds": ([int(v) for v in info.plane.I_TY_outside[:, -1].sum(0)]
                                     if info.plane.I_TY_outside is not None else None),
    }


def claims(s: dict) -> list[dict]:
    """Each published claim with our number, the rule that judges it and its verdict."""
    per_layer = [in_range(v, a - 0.05, b + 0.05)
                 for v, (a, b) in zip(s["final_I_XT"], PUBLISHED_FINAL_IXT, strict=True)]
    crossed = s["snr_transition_rule"] == "SNR transition"
    outside = s.get("final_I_TY_outside_seeds")
    return [
        within("final I(T;Y) >= 0.99 bits for the first four hidden layers",
               [float(v) for v in s["final_I_TY"][:4]], 0.99, np.inf,
               published=">= 0.99 (about H(Y))",
               bracket=("not recorded" if outside is None else
                        "every final point of these layers lies in its bracket "
                        "[probe bound, H(Y)]" if not any(outside[:4]) else
                        f"rests on points outside their bracket: {outside[:4]} seeds per "
                        "layer below the probe bound or above H(Y)")),
        claim("final I(X;T) per layer (single published run)",
              [round(float(v), 2) for v in s["final_I_XT"]],
              "agree if every layer is within its published range +- 0.05 bits",
              all(per_layer), published=PUBLISHED_FINAL_IXT, per_layer=per_layer),
        within("the 3-unit layer's I(X;T) peaks around epoch 20-25",
               s["last_hidden_peak_epoch"], 10, 50, published="20-25",
               why="a factor of 2 around the published epochs"),
        near("the 3-unit layer peaks near 8 bits", s["last_hidden_peak_I_XT"], 8.0,
             1.0),
        within("the 3-unit layer then compresses by >= 1 bit (peak minus final I(X;T))",
               s["last_hidden_compression_bits"], 1.0, np.inf, published=">= 1"),
        within("train accuracy about 1.00", s["train_acc"], 0.99, 1.0,
               published=1.0),
        near("test accuracy about 0.97", s["test_acc"], 0.97, 0.03),
        claim("the gradient SNR (mean over std of the batch gradients) falls below 1, the "
              "drift-to-diffusion switch, near epoch 350", s["snr_transition_epoch"],
              "agree if the layer-averaged SNR crosses 1 within epochs [175, 700] (a factor "
              "of 2 around 350); the midpoint of the SNR drop, used when it never crosses, is "
              "not a crossing and does not agree",
              crossed and in_range(s["snr_transition_epoch"], 175, 700), published=350,
              how=s["snr_transition_rule"]),
    ]


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train the IDNNs networks, draw their figures and judge the claims; see the module."""
    started = time.time()
    config = scaled_config(preset("tishby2017"), sizes_at(SCALES, scale).config, overrides)
    out = out_dir(out, "tishby2017")
    # The animation is drawn by a process of its own from the saved information.npz while
    # this one draws the still figures; started now, its imports overlap compilation.
    with (BackgroundDrawer() if writes_here() else nullcontext()) as drawer:
        info = train(config, out, resume=resume, overwrite=overwrite, progress=progress)
        numbers = summarise(info)
        gif = out / "plane.gif"
        if drawer is not None:
            drawer.submit("animate_run", out, gif)
        paths = run_figures(info, out)
        paths.append(drawer.result() if drawer is not None else animate_plane(info.plane, gif))
    results = write_results(out, "tishby2017", numbers, claims(numbers), started,
                            scale=scale)
    print(f"wrote {out / 'information.npz'}, {out / 'results.json'} and "
          f"{', '.join(p.name for p in paths)} in {results['wall_time_s']} s")
    return results


STUDY = Study(
    name="tishby2017",
    title="the information plane of the IDNNs network and the gradient signal-to-noise ratio "
          "(Shwartz-Ziv & Tishby 2017)",
    scales=SCALES,
    run=run,
    docs="studies/tishby2017.md",
)
