"""The figures of the ``online_drift`` study: accuracy on the current data along the stream for
the online, frozen and retrained learners (``online_drift_accuracy``), and the information
plane of the online model along the stream (``online_drift_plane``), one column per stream.

``runs`` maps a stream's name to ``stream_run``'s arrays: "acc" [model, seed, checkpoint],
"I_XT", "I_TY" [seed, checkpoint, layer] (bits), "samples" [checkpoint], "theta" [checkpoint].
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..analysis import seed_interval
from ..plotting import LAYER_MARKERS, REF_COLOUR, paper_style, save_figure

if TYPE_CHECKING:
    from ._online_drift_stream import StreamRun

TITLES = {"rule": "labelling rule rotates (concept drift)",
          "inputs": "inputs move round a fixed ring rule (covariate drift)"}
COLOURS = {"online": "C0", "frozen": "C3", "retrained": "C2"}


def accuracy_figure(out: Path, runs: dict[str, StreamRun], stream, models) -> list[Path]:
    """Draw and save ``online_drift_accuracy``: mean accuracy with 95% band per learner."""
    with paper_style():
        fig = Figure(figsize=(10.0, 3.6), layout="constrained")
        axes = fig.subplots(1, len(runs), sharey=True, squeeze=False)[0]
        for ax, (kind, r) in zip(axes, runs.items(), strict=True):
            x = r.samples / 1000.0
            for i, m in enumerate(models):
                ci = seed_interval(r.acc[i])
                ax.plot(x, ci["mean"], color=COLOURS[m], lw=1.4, label=m)
                ax.fill_between(x, ci["low"], ci["high"], color=COLOURS[m], alpha=0.15, lw=0)
            for k in range(0, stream.stretches + 1, stream.retrain_every):
                ax.axvline(x[k], color=COLOURS["retrained"], ls=":", lw=0.8)
            ax.axhline(0.5, color=REF_COLOUR, lw=0.8, ls="--")
            ax.set_xlim(x[0], x[-1])  # the rotation axis above maps this span to 0-180
            top = ax.secondary_xaxis("top", functions=(
                lambda v, x=x: np.interp(v, x, np.linspace(0, 180, x.size)),
                lambda d, x=x: np.interp(d, np.linspace(0, 180, x.size), x)))
            top.set_xlabel("rotation (degrees)")
            ax.set_title(TITLES[kind], fontsize="medium")
            ax.set_xlabel("samples seen (thousands); warm-up before the first point")
            ax.set_ylim(0.0, 1.02)
        axes[0].set_ylabel("accuracy on the current data")
        axes[0].legend(loc="lower left", fontsize="small",
                       title=f"mean of {next(iter(runs.values())).acc.shape[1]} seeds, 95% "
                             "band; dotted: retraining", title_fontsize="x-small")
        return save_figure(fig, out / "online_drift_accuracy")


def plane_figure(out: Path, runs: dict[str, StreamRun], config) -> list[Path]:
    """Draw and save ``online_drift_plane``: the online model's layers along the stream."""
    names = [f"L{i + 1} ({w})" for i, w in enumerate(config.hidden)] + ["out (2)"]
    with paper_style():
        fig = Figure(figsize=(10.0, 4.0), layout="constrained")
        axes = fig.subplots(1, len(runs), squeeze=False)[0]
        for ax, (kind, r) in zip(axes, runs.items(), strict=True):
            ixt, ity = r.plane.I_XT.mean(axis=0), r.plane.I_TY.mean(axis=0)
            x = r.samples / 1000.0
            norm = Normalize(x[0], x[-1])
            for li in range(ixt.shape[1]):
                ax.plot(ixt[:, li], ity[:, li], color="0.75", lw=0.7, zorder=1)
                ax.scatter(ixt[:, li], ity[:, li], c=x, cmap="viridis", norm=norm, s=16,
                           marker=LAYER_MARKERS[li % len(LAYER_MARKERS)], zorder=2)
            h_x = float(r.plane.H_X or 0.0)  # log2 of the evaluation points
            ax.axvline(h_x, color=REF_COLOUR, ls="--", lw=0.8)
            ax.axhline(float(r.plane.H_Y or 0.0), color=REF_COLOUR, ls="--", lw=0.8)
            ax.set_xlim(0, h_x * 1.05)
            # Zoomed on the points: I(T;Y) moves little while the online model keeps up.
            ax.set_ylim(max(0.0, float(ity.min()) - 0.1), 1.05)
            ax.set_title(TITLES[kind], fontsize="medium")
            ax.set_xlabel("I(X;T) (bits)")
        axes[0].set_ylabel("I(T;Y) (bits)")
        cb = fig.colorbar(ScalarMappable(norm, "viridis"), ax=list(axes), pad=0.01)
        cb.set_label("samples seen (thousands)")
        handles = [Line2D([], [], ls="", marker=LAYER_MARKERS[i % len(LAYER_MARKERS)],
                          color="0.35", label=n) for i, n in enumerate(names)]
        fig.legend(handles=handles, loc="outside upper center", ncols=len(names),
                   title="online model, binned (30 bins on [-1, 1]) on fresh samples of the "
                         "current data; dashed: H(X), H(Y)", title_fontsize="small")
        return save_figure(fig, out / "online_drift_plane")
