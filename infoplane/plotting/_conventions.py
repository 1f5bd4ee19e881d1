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


def epoch_ticks(low: float, high: float) -> np.ndarray:
    """Colour-bar ticks of "epoch + 1" in [low, high]: the decades, the first and the last
    (a decade within a fifth of a decade of the last is dropped: it would print on it)."""
    decades = 10.0 ** np.arange(0, np.floor(np.log10(high)) + 1)
    ticks = np.union1d(decades[(decades >= low) & (decades <= high)], [low, high])
    keep = (ticks == high) | (np.log10(high) - np.log10(ticks) > 0.2)
    return ticks[keep]
