"""What every figure shares: the array layouts accepted (checked here, at the boundary), the
logarithmic ``epoch + 1`` scale, the layer markers, colours and paper font sizes."""

from __future__ import annotations

import textwrap

import matplotlib
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.font_manager import FontProperties
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


# Above a ceiling by more than this (bits), a point is marked: the margin of the plane's own
# warnings (plane._checks.above_ceiling, which adds 2 standard errors where it has them). An
# estimate within it reads as at the ceiling; a plug-in estimate never passes its ceiling.
CEILING_SLACK_BITS = 0.1


def wrap_caption(text: str, width_in: float, fontsize="small", max_lines: int = 2) -> str:
    """``text`` wrapped to ``width_in`` inches (a figure's width: ``fig.get_figwidth()``) in
    at most ``max_lines`` lines, a longer text cut at a word with "...": a caption never widens
    a figure (``bbox_inches="tight"`` grows the saved image to fit a long line)."""
    points = FontProperties(size=fontsize).get_size_in_points()
    width = max(20, int(width_in * 72 / (0.55 * points)))  # ~0.55 em a character
    return "\n".join(textwrap.wrap(text, width, max_lines=max_lines, placeholder=" ..."))


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


def _h_y_label_spot(ax, ixt, ity, h_y: float, label: str) -> tuple[float, str, float, str]:
    """(x in axes fraction, ha, offset in points, va) of the H(Y) label: the first of left
    above, right above, left below, right below whose box (estimated from the font size and
    the axes' size) holds no data point; left above when every box does."""
    size = FontProperties(size="small").get_size_in_points()
    points_w = ax.bbox.width * 72.0 / ax.figure.dpi
    points_h = ax.bbox.height * 72.0 / ax.figure.dpi
    box_w = 0.55 * size * len(label) / max(points_w, 1.0)  # axes fraction
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    box_h = (1.2 * size + 2.0) / max(points_h, 1.0) * (y1 - y0)  # data units
    fx = (np.ravel(ixt) - x0) / (x1 - x0)
    y = np.ravel(ity)
    for left, above in ((True, True), (False, True), (True, False), (False, False)):
        in_x = fx <= 0.01 + box_w if left else fx >= 0.99 - box_w
        in_y = (y >= h_y) & (y <= h_y + box_h) if above else (y <= h_y) & (y >= h_y - box_h)
        if not np.any(in_x & in_y):
            break
    else:
        left, above = True, True
    return ((0.01, "left") if left else (0.99, "right")) + (
        (2.0, "bottom") if above else (-2.0, "top"))
