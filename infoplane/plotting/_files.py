"""Figures to files: ``save_figure`` (atomic, one file per format) and ``run_figures`` (the
standard figures of a run)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .._errors import InfoplaneError
from ..analysis import find_snr_transition
from ..runs import atomic_write_bytes
from ._compare import place_reference_labels
from ._conventions import paper_style, wrap_caption
from ._curves import gradient_snr, loss_accuracy
from ._plane import information_plane
from ._uncertainty import estimator_caption, inputs_count

UNCERTAINTY = ("I_XT_ci95", "I_TY_ci95", "I_XT_stderr", "I_TY_stderr", "I_TY_lower",
               "I_TY_outside", "I_XT_lower", "I_XT_upper", "I_XT_outside")


def writes_here() -> bool:
    """False only in a process of a distributed run other than process 0, which alone writes
    the shared files (``training.distributed.is_writer``); JAX not yet imported means no
    distributed run."""
    import sys

    if "jax" not in sys.modules:
        return True
    from ..training.distributed import is_writer

    return is_writer()


def save_figure(fig, path_without_suffix, formats: Sequence[str] = ("png", "pdf"),
                dpi: int = 150) -> list[Path]:
    """Write ``fig`` once per format, creating parent folders, each file atomically.

    Each file is written to a temporary file in the same folder and renamed into place, so a
    reader never sees half a figure. The PDF carries no creation date, so it is reproducible.

    Args:
        fig: the Figure.
        path_without_suffix: e.g. ``run/figures/information_plane``; ".png" etc. are appended.
        formats: file formats matplotlib knows ("png", "pdf", "svg", ...).
        dpi: resolution of raster formats.

    Returns:
        The paths written, in the order of ``formats`` (in a distributed run only process 0
        writes; the others return the same paths without writing).
    """
    base = Path(path_without_suffix)
    supported = fig.canvas.get_supported_filetypes()
    for fmt in formats:
        if fmt not in supported:
            raise InfoplaneError(f"unknown figure format {fmt!r}; use one of "
                                 f"{', '.join(sorted(supported))}")
    if not writes_here():
        return [base.parent / f"{base.name}.{fmt}" for fmt in formats]
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = base.parent / f"{base.name}.{fmt}"
        meta = {"CreationDate": None} if fmt == "pdf" else None
        atomic_write_bytes(path, lambda f, fmt=fmt, meta=meta: fig.savefig(
            f, format=fmt, dpi=dpi, bbox_inches="tight", metadata=meta))
        path.chmod(0o644)  # the temporary file was private (0600); figures are for sharing
        written.append(path)
    return written


def figure_stem(kind: str, name: str | None = None) -> str:
    """A figure's file name without suffix: ``kind`` ("plane", "loss_accuracy", ...) for a
    run's own plane, ``kind_name`` for the plane ``information_<name>.npz`` (one scheme:
    information_<name>.npz, plane_<name>.png, plane_<name>.gif)."""
    return f"{kind}_{name}" if name else kind


def run_figures(info: Mapping[str, np.ndarray], out_dir, *, transition: bool = True,
                formats: Sequence[str] = ("png", "pdf"), name: str | None = None) -> list[Path]:
    """The standard figures of a run, written to ``out_dir``.

    * ``plane``: the plane (mean over seeds) with H(X), H(Y) and, if
      ``transition``, the gradient-SNR transition epoch ringed (``detect_snr_transition``
      with ``method="crossing"``, labelled "SNR transition", falling back to
      ``"midpoint"``, labelled "SNR drop midpoint"); with the seed 95% intervals
      ("I_XT_ci95", "I_TY_ci95") or standard errors ("I_XT_stderr", "I_TY_stderr") of
      ``info`` drawn as a band, and a caption naming the estimator and its settings when
      ``info`` names them ("provenance", or "method" and "settings"; ``estimator_caption``);
      with the bracket of I(T;Y) ("I_TY_lower", "I_TY_outside") the probe bound dotted and
      the points outside it crossed out, and for a noisy network that of I(X;T)
      ("I_XT_lower", "I_XT_upper", "I_XT_outside") dashed.
    * ``loss_accuracy``: losses (bits) and accuracies, with the transition marked.
    * ``gradient_snr``: per-layer gradient mean and std, with the transition marked.

    Figures whose arrays are missing from ``info`` are skipped.

    Args:
        info: the dict of ``experiment.train`` or ``runs.read_information``.
        out_dir: the folder for the figures (created).
        transition: detect and mark the SNR transition.
        formats: file formats of each figure.
        name: the plane's name, appended to the file names (``figure_stem``): "kde_upper" for
            the plane of information_kde_upper.npz writes plane_kde_upper.png.

    Returns:
        The paths written.
    """
    for key in ("I_XT", "I_TY", "epochs"):
        if key not in info:
            raise InfoplaneError(f"info has no {key!r}; pass the dict of a run's information.npz")
    out = Path(out_dir)
    e = np.asarray(info["epochs"])
    names = info.get("layer_names")
    has_grad = "grad_mean" in info and "grad_std" in info
    mark, mark_label = None, "SNR transition"
    if transition and has_grad:
        mark, mark_label = find_snr_transition(e, info["grad_mean"], info["grad_std"])

    written: list[Path] = []
    with paper_style():
        fig = Figure(figsize=(5.2, 4.0), layout="constrained")
        ax = fig.add_subplot()
        information_plane(ax, info["I_XT"], info["I_TY"], e, H_X=info.get("H_X"),
                          H_Y=info.get("H_Y"), layer_names=names, mark_epoch=mark,
                          mark_label=mark_label, n_inputs=inputs_count(info),
                          **{k: info[k] for k in UNCERTAINTY if k in info})
        caption = estimator_caption(info)
        if caption:
            fig.supxlabel(wrap_caption(caption, fig.get_figwidth()), fontsize="small", color="0.3")
        place_reference_labels(fig)
        written += save_figure(fig, out / figure_stem("plane", name), formats)

        if all(k in info for k in ("train_loss", "test_loss", "train_acc", "test_acc")):
            fig = Figure(figsize=(5.2, 3.2), layout="constrained")
            loss_accuracy(fig.add_subplot(), e, info["train_loss"], info["test_loss"],
                          info["train_acc"], info["test_acc"], mark_epoch=mark,
                          mark_label=mark_label)
            written += save_figure(fig, out / figure_stem("loss_accuracy", name), formats)

        if has_grad:
            fig = Figure(figsize=(6.0, 3.6), layout="constrained")
            gradient_snr(fig.add_subplot(), e, info["grad_mean"], info["grad_std"],
                         info.get("weight_names", names),
                         transition_epoch=mark, transition_label=mark_label)
            written += save_figure(fig, out / figure_stem("gradient_snr", name), formats)
    return written
