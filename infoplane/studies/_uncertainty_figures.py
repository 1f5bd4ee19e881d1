"""The uncertainty study's figure: predictive entropy, loss against H(Y|T), calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..analysis import seed_interval
from ..plotting import EPOCH_LABEL, MARK_COLOUR, REF_COLOUR, paper_style, save_figure


def _curve(ax, x, runs, colour, label, ls="-"):
    """Seed mean with its 95% interval."""
    ci = seed_interval(runs)
    ax.plot(x, ci["mean"], color=colour, ls=ls, lw=1.3, label=label)
    ax.fill_between(x, ci["low"], ci["high"], color=colour, alpha=0.2, lw=0)


def _log_epochs(ax, x, stop_epoch):
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.set_xlim(x[0], x[-1])
    ax.set_xlabel(EPOCH_LABEL)
    ax.axvline(stop_epoch + 1, color=MARK_COLOUR, ls=":", lw=1.0)


def uncertainty_figure(out: Path, c: dict, h_y: float, title: str) -> list[Path]:
    """Four panels against epoch + 1 (the red dotted line: the test-loss minimum)."""
    x = np.asarray(c["epochs"]) + 1.0
    with paper_style():
        fig = Figure(figsize=(10.0, 7.0), layout="constrained")
        (ent, loss), (ece, gap) = fig.subplots(2, 2)
        _curve(ent, x, c["entropy_train"], "C0", "training rows")
        _curve(ent, x, c["entropy_test"], "C1", "test rows")
        ent.axhline(h_y, color=REF_COLOUR, ls="--", lw=0.8, label=f"H(Y) = {h_y:.3f} bits")
        ent.set_ylabel("mean entropy of q(y|x) (bits)")
        ent.set_title("(a) entropy of the softmax predictions", loc="left")

        _curve(loss, x, c["loss_all"], "k", "cross-entropy loss, all inputs")
        _curve(loss, x, c["H_Y_given_T"], "C2", "H(Y|T) = H(Y) - I(T;Y), output layer")
        _curve(loss, x, c["H_Y_given_T"] - c["slack"], "C2", "H(Y|T) - binning slack", ls=":")
        _curve(loss, x, c["train_loss"], "C0", "loss, training rows", ls="--")
        _curve(loss, x, c["test_loss"], "C1", "loss, test rows", ls="--")
        loss.set_ylabel("bits")
        loss.set_ylim(bottom=0)
        loss.set_title("(b) the loss bounds H(Y|T) from above", loc="left")

        _curve(ece, x, c["ece_train"], "C0", "training rows")
        _curve(ece, x, c["ece_test"], "C1", "test rows")
        ece.set_ylabel("expected calibration error (15 bins)")
        ece.set_title("(c) calibration (Guo et al. 2017)", loc="left")

        _curve(gap, x, c["gap_train"], "C0", "training rows")
        _curve(gap, x, c["gap_test"], "C1", "test rows")
        gap.axhline(0.0, color=REF_COLOUR, lw=0.8)
        gap.set_ylabel("mean confidence - accuracy")
        gap.set_title("(d) over-confidence (> 0) or under-confidence (< 0)", loc="left")
        for ax in (ent, loss, ece, gap):
            _log_epochs(ax, x, c["stop_epoch"])
            ax.legend(fontsize="small")
        seeds = np.shape(c["ece_test"])[0]
        fig.suptitle(f"{title}: mean and 95% interval over {seeds} seeds; red dotted: "
                     f"test-loss minimum (epoch {c['stop_epoch']})",
                     fontweight="bold")
        return save_figure(fig, out / "uncertainty")
