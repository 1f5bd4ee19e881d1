"""Figures of the capacity study: accuracy and the hidden layer's plane against width
(``capacity_figure``), and the 1-D approximation against width (``approximation_figure``)."""

from __future__ import annotations

from pathlib import Path

import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullFormatter

from ..plotting import REF_COLOUR, paper_style, save_figure
from ._capacity_approx import N_TEST, target

COLOURS = {"tanh": "C0", "relu": "C3"}
TITLES = {"tishby12": "tishby12 (12 bits, 2 classes)",
          "mnist1d": "MNIST-1D (40 points, 10 classes)"}


def _band(ax, widths, per_width: dict, key: str, colour, ls, label):
    mean = np.array([per_width[w][key]["mean"] for w in widths])
    lo = np.array([per_width[w][key]["low"] for w in widths])
    hi = np.array([per_width[w][key]["high"] for w in widths])
    ax.plot(widths, mean, color=colour, ls=ls, marker="o", ms=3, lw=1.2, label=label)
    ax.fill_between(widths, lo, hi, color=colour, alpha=0.18, lw=0)


def _width_axis(ax, widths):
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(widths))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("hidden units")


def _row(axes, numbers: dict, dataset: str, widths) -> None:
    acc_ax, x_ax, y_ax = axes
    for act, colour in COLOURS.items():
        row = numbers[f"{dataset}_{act}"]
        pw = {w: row["per_width"][w] for w in widths}
        _band(acc_ax, widths, pw, "train_acc", colour, "-", f"{act} train")
        _band(acc_ax, widths, pw, "test_acc", colour, "--", f"{act} test")
        acc_ax.axvline(row["saturation_width"], color=colour, ls=":", lw=1.0)
        _band(x_ax, widths, pw, "peak_I_XT", colour, ":", f"{act} peak")
        _band(x_ax, widths, pw, "final_I_XT", colour, "-", f"{act} final")
        _band(y_ax, widths, pw, "peak_I_TY", colour, ":", f"{act} peak")
        _band(y_ax, widths, pw, "final_I_TY", colour, "-", f"{act} final")
    x_ax.axhline(row["H_X"], color=REF_COLOUR, ls="--", lw=0.8)
    y_ax.axhline(row["H_Y"], color=REF_COLOUR, ls="--", lw=0.8)
    x_ax.annotate("H(X)", (widths[0], row["H_X"]), xytext=(2, -9), textcoords="offset points",
                  color=REF_COLOUR, fontsize="small")
    y_ax.annotate("H(Y)", (widths[0], row["H_Y"]), xytext=(2, -9), textcoords="offset points",
                  color=REF_COLOUR, fontsize="small")
    acc_ax.set_ylabel("accuracy")
    x_ax.set_ylabel("hidden layer I(X;T) (bits)")
    y_ax.set_ylabel("hidden layer I(T;Y) (bits)")
    acc_ax.set_title("accuracy (dotted: saturation width)", loc="left")
    x_ax.set_title("I(X;T): final (solid), peak (dotted)", loc="left")
    y_ax.set_title("I(T;Y): final (solid), peak (dotted)", loc="left")
    acc_ax.set_ylim(0, 1.02)  # intervals of few seeds can reach past what is possible
    x_ax.set_ylim(0, row["H_X"] * 1.08)
    y_ax.set_ylim(0, row["H_Y"] * 1.1)
    for ax in axes:
        _width_axis(ax, widths)
    acc_ax.legend(ncols=2, fontsize="small", loc="lower right")


def capacity_figure(out: Path, numbers: dict, widths) -> list[Path]:
    """One row per data set: accuracy, I(X;T) and I(T;Y) of the hidden layer against width,
    seed means with their 95% intervals, tanh and relu."""
    with paper_style():
        fig = Figure(figsize=(12.0, 7.6), layout="constrained")
        for sub, dataset in zip(fig.subfigures(2, 1), ("tishby12", "mnist1d"), strict=True):
            sub.suptitle(TITLES[dataset], fontweight="bold")
            _row(sub.subplots(1, 3), numbers, dataset, list(widths))
        seeds = numbers["tishby12_tanh"]["seeds"]
        fig.suptitle(f"One hidden layer of growing width (mean and 95% interval over {seeds} "
                     "seeds)", fontweight="bold", fontsize="large")
        return save_figure(fig, out / "capacity")


def approximation_figure(out: Path, widths, mse, pred) -> list[Path]:
    """Left: the target and the fits of a few widths (first seed). Right: test MSE against
    width on log-log axes (median over seeds, min..max band) with Barron's O(1/width) line
    through the width-1 median."""
    x = np.linspace(-1.0, 1.0, N_TEST)
    med = np.median(mse, axis=0)
    with paper_style():
        fig = Figure(figsize=(10.0, 3.8), layout="constrained")
        left, right = fig.subplots(1, 2)
        left.plot(x, np.asarray(target(jnp.asarray(x))), color="k", lw=2.2, label="target")
        shown = [i for i, w in enumerate(widths) if w in (1, 2, 4, 8, 16)]
        for k, i in enumerate(shown):
            left.plot(x, pred[0, i], lw=1.1, color=f"C{k}", label=f"{widths[i]} units")
        left.set_xlabel("x")
        left.set_ylabel("f(x)")
        left.set_title("sin(3 pi x) exp(-x^2) + 0.5 x and one-hidden-layer tanh fits",
                       loc="left")
        left.legend(fontsize="small", ncols=2)
        w = np.asarray(widths, dtype=float)
        right.plot(w, med, "o-", color="C0", label=f"test MSE, median of {mse.shape[0]} seeds")
        right.fill_between(w, mse.min(axis=0), mse.max(axis=0), color="C0", alpha=0.2, lw=0)
        right.plot(w, med[0] / w, "--", color=REF_COLOUR, label="O(1/width) (Barron 1993)")
        right.set_xscale("log", base=2)
        right.set_yscale("log")
        right.xaxis.set_major_formatter(lambda v, _: f"{v:g}")
        right.set_xlabel("hidden units")
        right.set_ylabel("squared error")
        right.set_title("error against width", loc="left")
        right.legend(fontsize="small")
        return save_figure(fig, out / "capacity_approximation")
