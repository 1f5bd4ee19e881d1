"""Figures of a run: the information plane, losses and accuracies, the gradient signal-to-noise.

Every plot function takes a matplotlib ``Axes`` first, draws on it and returns it; nothing
here opens a window or changes ``rcParams`` for good (``run_figures`` draws inside
``paper_style()``, an ``rc_context`` restored on exit). Figures are built with
``matplotlib.figure.Figure`` directly, without pyplot, so they work headless and leak no
figures. Note that ``rcParams`` are process-wide, so while ``paper_style`` is active another
thread drawing figures sees its font sizes too.

The plane figures take an ``InformationPlane`` (``infoplane.records``: I(X;T) and I(T;Y)
[seed, logged_epoch, layer] in bits, with what the estimator says about each point);
``run_figures`` takes a run's ``RunResult`` (the plane and the training history). The curves
take arrays: losses in bits and accuracies [seed, logged_epoch], gradient statistics [seed,
logged_epoch, layer].

Epoch 0 is a logged epoch (the initialisation), so every logarithmic epoch scale (the colour
of the information plane, the x axis of the loss and gradient plots) shows ``epoch + 1`` and
says so in its label.

The implementations are private modules: ``_plane`` (one information plane), ``_compare``
(planes side by side, the IB curve), ``_curves`` (losses, accuracies, gradients),
``_files`` (saving figures, a run's figures) and
``_conventions`` (what they all share).

Reference: R. Shwartz-Ziv and N. Tishby, "Opening the black box of deep neural networks via
information" (2017), Figs. 2-4.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_names

if TYPE_CHECKING:
    from ._compare import ib_curve, information_plane_grid, place_reference_labels
    from ._conventions import (
        EPOCH_LABEL,
        LAYER_MARKERS,
        MARK_COLOUR,
        REF_COLOUR,
        epoch_ticks,
        paper_style,
        wrap_caption,
    )
    from ._curves import gradient_snr, loss_accuracy
    from ._files import run_figures, save_figure
    from ._plane import information_plane, layer_trajectories
    from ._uncertainty import estimator_caption
    from .animate import animate_plane, animate_run

# the module of each public name, imported on first use (``infoplane._lazy``)
_MODULES = {
    "._compare": ("ib_curve", "information_plane_grid", "place_reference_labels"),
    "._conventions": (
        "EPOCH_LABEL", "LAYER_MARKERS", "MARK_COLOUR", "REF_COLOUR", "epoch_ticks",
        "paper_style", "wrap_caption",
    ),
    "._curves": ("gradient_snr", "loss_accuracy"),
    "._files": ("run_figures", "save_figure"),
    "._plane": ("information_plane", "layer_trajectories"),
    "._uncertainty": ("estimator_caption",),
    ".animate": ("animate_plane", "animate_run"),
}

__all__ = [
    "EPOCH_LABEL",
    "LAYER_MARKERS",
    "MARK_COLOUR",
    "REF_COLOUR",
    "animate_plane",
    "animate_run",
    "epoch_ticks",
    "estimator_caption",
    "gradient_snr",
    "ib_curve",
    "information_plane",
    "information_plane_grid",
    "layer_trajectories",
    "loss_accuracy",
    "paper_style",
    "place_reference_labels",
    "run_figures",
    "save_figure",
    "wrap_caption",
]

__getattr__, __dir__ = lazy_names(globals(), _MODULES)
