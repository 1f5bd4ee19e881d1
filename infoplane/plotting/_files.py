"""Figures to files: ``save_figure`` (atomic, one file per format) and ``run_figures`` (the
standard figures of a run)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from .._errors import InfoplaneError
from ..analysis import find_snr_transition
from ..records import InformationPlane, RunResult
from ..runs import atomic_write_bytes
from ._compare import place_reference_labels
from ._conventions import paper_style, wrap_caption
from ._curves import gradient_snr, loss_accuracy
from ._plane import information_plane
from ._uncertainty import estimator_caption


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


def run_figures(run: RunResult | InformationPlane, out_dir, *, transition: bool = True,
                formats: Sequence[str] = ("png", "pdf"), name: str | None = None) -> list[Path]:
    """The standard figures of a run, written to ``out_dir``.

    * ``plane``: the plane (mean over seeds) with H(X), H(Y) and, if
      ``transition``, the gradient-SNR transition epoch ringed (``detect_snr_transition``
      with ``method="crossing"``, labelled "SNR transition", falling back to
      ``"midpoint"``, labelled "SNR drop midpoint"); with what the plane carries drawn
      (``information_plane``: its seed intervals or standard errors, its bracket), and a
      caption naming the estimator and its settings (``estimator_caption``).
    * ``loss_accuracy``: losses (bits) and accuracies, with the transition marked.
    * ``gradient_snr``: per-layer gradient mean and std, with the transition marked.

    The last two need a training history: a plane alone, or a run recorded from another
    framework, gets the plane figure only.

    Args:
        run: the ``RunResult`` of ``infoplane.train`` or ``runs.read_run``, or a plane.
        out_dir: the folder for the figures (created).
        transition: detect and mark the SNR transition.
        formats: file formats of each figure.
        name: the plane's name, appended to the file names (``figure_stem``): "kde_upper" for
            the plane of information_kde_upper.npz writes plane_kde_upper.png.

    Returns:
        The paths written.
    """
    if not isinstance(run, RunResult | InformationPlane):
        raise InfoplaneError(f"run_figures takes a RunResult or an InformationPlane, got "
                             f"{type(run).__name__}")
    plane, history = (run, None) if isinstance(run, InformationPlane) else (run.plane,
                                                                            run.history)
    out = Path(out_dir)
    e = plane.epochs
    mark, mark_label = None, "SNR transition"
    if transition and history is not None:
        mark, mark_label = find_snr_transition(e, history.grad_mean, history.grad_std)

    written: list[Path] = []
    with paper_style():
        fig = Figure(figsize=(5.2, 4.4), layout="constrained")
        ax = fig.add_subplot()
        information_plane(ax, plane, mark_epoch=mark, mark_label=mark_label)
        caption = estimator_caption(plane)
        if caption:
            fig.supxlabel(wrap_caption(caption, fig.get_figwidth()), fontsize="small", color="0.3")
        place_reference_labels(fig)
        written += save_figure(fig, out / figure_stem("plane", name), formats)

        if history is not None:
            fig = Figure(figsize=(5.2, 3.2), layout="constrained")
            loss_accuracy(fig.add_subplot(), history.epochs, history.train_loss,
                          history.test_loss, history.train_acc, history.test_acc,
                          mark_epoch=mark, mark_label=mark_label)
            written += save_figure(fig, out / figure_stem("loss_accuracy", name), formats)

            fig = Figure(figsize=(6.0, 3.6), layout="constrained")
            gradient_snr(fig.add_subplot(), history.epochs, history.grad_mean,
                         history.grad_std, history.weight_names,
                         transition_epoch=mark, transition_label=mark_label)
            written += save_figure(fig, out / figure_stem("gradient_snr", name), formats)
    return written
