"""What every figure shares: the array layouts accepted (checked here, at the boundary), the
logarithmic ``epoch + 1`` scale, the layer markers, colours and paper font sizes."""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.ticker import FuncFormatter, NullFormatter

from .._errors import InfoplaneError

EPOCH_LABEL = "epoch + 1"
LAYER_MARKERS = ("o", "s", "^", "D", "v", "p", "h", "<", ">", "*")
MARK_COLOUR = "#d62728"
REF_COLOUR = "0.45"

# Sizes for a figure about 5 inches wide, printed at 80-100% in a paper.
_PAPER_RC = {
    "font.size": 9, "axes.labelsize": 9, "axes.titlesize": 9, "legend.fontsize": 7.5,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.frameon": False,
    "savefig.dpi": 150, "figure.dpi": 100,
}


def paper_style():
    """A context manager with font sizes for paper figures (``matplotlib.rc_context``)."""
    return matplotlib.rc_context(_PAPER_RC)


def _epochs(epochs) -> np.ndarray:
    e = np.asarray(epochs)
    if e.ndim != 1 or e.size == 0:
        raise InfoplaneError(f"epochs must be a non-empty 1-D array, got shape {e.shape}")
    if not np.issubdtype(e.dtype, np.number) or np.any(e < 0):
        raise InfoplaneError("epochs must be non-negative numbers (epoch 0 = initialisation)")
    return e


def _runs(name: str, a, n_epochs: int, per_layer: bool) -> np.ndarray:
    """``a`` as [seed, epoch, layer] (``per_layer``) or [seed, epoch]; adds a missing seed axis."""
    a = np.asarray(a, dtype=float)
    want = 3 if per_layer else 2
    if a.ndim == want - 1:
        a = a[None]
    shape = "[seed, epoch, layer] or [epoch, layer]" if per_layer else "[seed, epoch] or [epoch]"
    if a.ndim != want:
        raise InfoplaneError(f"{name} must have shape {shape}, got {np.shape(a)}")
    if a.shape[1] != n_epochs:
        raise InfoplaneError(
            f"{name} has {a.shape[1]} logged epochs on its epoch axis but epochs has "
            f"{n_epochs}; pass the epochs array of the same run")
    return a


def _same_shape(**arrays) -> None:
    shapes = {k: v.shape for k, v in arrays.items()}
    if len(set(shapes.values())) > 1:
        text = ", ".join(f"{k} {s}" for k, s in shapes.items())
        raise InfoplaneError(f"shapes do not match: {text}; they must come from the same run")


def _names(layer_names, n_layers: int) -> list[str]:
    if layer_names is None:
        return [f"layer {i + 1}" for i in range(n_layers)]
    names = [str(n) for n in np.asarray(layer_names).ravel()]
    if len(names) != n_layers:
        raise InfoplaneError(f"{len(names)} layer_names given for {n_layers} layers")
    return names


def _epoch_norm(*epoch_arrays) -> LogNorm:
    top = max(float(np.max(e)) for e in epoch_arrays) + 1.0
    return LogNorm(vmin=1.0, vmax=max(top, 2.0))


def _plain_log_ticks(axis) -> None:
    """Label a log axis 1, 10, 100, ... instead of 10^0, 10^1, ..."""
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())
