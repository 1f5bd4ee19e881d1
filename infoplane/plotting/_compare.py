"""Comparisons on the information plane: several planes side by side with one colour scale
(``information_plane_grid``), the information-bottleneck curve overlaid (``ib_curve``), and
the H(X), H(Y) labels moved to where no data crosses them (``place_reference_labels``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection

from .._errors import InfoplaneError, check_choice
from ..analysis import check_epochs
from ..records import InformationPlane
from ._conventions import (
    EPOCH_LABEL,
    LAYER_MARKERS,
    _epoch_norm,
    _plain_log_ticks,
    epoch_ticks,
)
from ._plane import _plane_legend, information_plane, layer_handles


def information_plane_grid(fig, planes: Mapping[str, InformationPlane], *,
                           ncols: int | None = None, cmap="viridis", sharey: bool = True,
                           share: str = "all", **plane_kw):
    """Several information planes side by side with one shared, logarithmic epoch colour bar.

    For comparisons such as estimators (binning vs KDE) or activations (tanh vs ReLU).

    Args:
        fig: the Figure to draw in (best with ``layout="constrained"``).
        planes: title -> ``InformationPlane``; the legend shows the first one's layer names,
            and the axes reach out to its H(X) and H(Y).
        ncols: panels per row; default all in one row.
        cmap: as for ``information_plane``, the same for all panels.
        sharey: share the I(T;Y) axis between panels (within a row when ``share="row"``).
        share: which panels get the same axis limits: "all"; "row" (one estimator per row:
            panels of different estimators keep their own scale); "none".
        **plane_kw: further arguments of ``information_plane`` (mark_epoch, size, ...).

    Returns:
        The Axes as a 2-D object array [row, column]; unused cells are removed.
    """
    _check_planes(planes)
    check_choice("share", share, ("all", "row", "none"))
    n = len(planes)
    ncols = n if ncols is None else max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    together = {"all": True, "row": "row", "none": False}[share]
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=together if sharey else False)
    norm = _epoch_norm(*(check_epochs(p.epochs) for p in planes.values()))
    first = next(iter(planes.values()))
    H_X, H_Y = first.H_X, first.H_Y
    for k, (title, plane) in enumerate(planes.items()):
        ax = axes.flat[k]
        information_plane(ax, plane, cmap=cmap, norm=norm, colorbar=False, legend=False,
                          **plane_kw)
        ax.set_title(title)
        if sharey and share != "none" and k % ncols:
            ax.set_ylabel("")
    for ax in axes.flat[n:]:
        ax.remove()
    used = list(axes.flat[:n])
    groups = {"all": [used], "none": [[a] for a in used],
              "row": [used[r:r + ncols] for r in range(0, n, ncols)]}[share]
    for group in groups:
        _share_limits(group, fit=share != "all", H_X=H_X, H_Y=H_Y)
    mappable = next(c for c in used[0].collections if c.get_array() is not None
                    and not isinstance(c, LineCollection))
    cbar = fig.colorbar(mappable, ax=used, pad=0.02)
    cbar.set_label(EPOCH_LABEL)
    _plain_log_ticks(cbar.ax.yaxis)
    cbar.set_ticks(epoch_ticks(float(norm.vmin), float(norm.vmax)))  # type: ignore[arg-type]
    handles = layer_handles(first.layer_names, plane_kw.get("markers", LAYER_MARKERS))
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 6),
               frameon=False)
    place_reference_labels(fig)
    return axes


def _check_planes(planes: Mapping[str, InformationPlane]) -> None:
    if not planes:
        raise InfoplaneError("planes is empty; give at least one title -> InformationPlane")
    for title, value in planes.items():
        if not isinstance(value, InformationPlane):
            raise InfoplaneError(f"planes[{title!r}] must be an InformationPlane, got "
                                 f"{type(value).__name__}")


def _share_limits(axes: list, *, fit: bool = False, H_X=None, H_Y=None) -> None:
    """The same limits on every panel, so the panels compare at a glance: the largest of
    their limits, or with ``fit`` the extent of their data, reaching out to H(X) or H(Y) only
    where the data come within a quarter of it (else that line is off the axes). Above H(Y)
    there is room for its label."""
    if fit:
        data = np.concatenate([_data_points(a) for a in axes], axis=0)
        top = np.nanmax(data, axis=0) if data.size else np.ones(2)
        xmax = _reach(float(top[0]), H_X, 1.08)
        ymax = _reach(float(top[1]), H_Y, 1.15)
    else:
        xmax = max(a.get_xlim()[1] for a in axes)
        ymax = max([a.get_ylim()[1] for a in axes] + ([float(H_Y) * 1.15] if H_Y else []))
    for a in axes:
        a.set_xlim(0, xmax)
        a.set_ylim(0, ymax)


def _reach(top: float, ref, room: float) -> float:
    """An axis limit past ``top`` (the data), and past ``ref`` (an entropy) when it is near:
    ``room`` times the larger."""
    top = max(top, 1e-3)
    if ref is not None and float(ref) <= 1.25 * top:
        return max(top, float(ref)) * room
    return top * 1.08


def ib_curve(ax, r_bits, ty_bits, *, label: str = "IB curve", color="black", **line_kw):
    """Overlay an information-bottleneck curve: the best I(T;Y) for each I(X;T), both bits.

    If the Axes already has a legend (e.g. from ``information_plane``), the curve is added
    to it.

    Args:
        ax: the Axes (usually an information plane).
        r_bits: [n] I(X;T) values, bits.
        ty_bits: [n] the matching I(T;Y) values, bits; the pairs are drawn sorted by I(X;T).
        label: legend text.
        color: line colour.
        **line_kw: further ``Axes.plot`` arguments.

    Returns:
        ax.
    """
    r = np.asarray(r_bits, dtype=float)
    t = np.asarray(ty_bits, dtype=float)
    if r.ndim != 1 or r.shape != t.shape:
        raise InfoplaneError(
            f"r_bits and ty_bits must be 1-D of the same length, got {r.shape} and {t.shape}")
    order = np.argsort(r, kind="stable")
    kw = {"lw": 1.2, "ls": "-", "zorder": 5} | line_kw
    (line,) = ax.plot(r[order], t[order], color=color, label=label, **kw)
    old = ax.get_legend()
    if old is not None and hasattr(old, "infoplane_title"):
        _plane_legend(ax, [*old.legend_handles, line], old.infoplane_title)
    elif old is not None:
        ax.legend()
    return ax


REFERENCE_LABELS = ("H(X) =", "H(Y) =")


def place_reference_labels(fig) -> None:
    """Move each plane's "H(X) = ..." and "H(Y) = ..." labels to the spot along their dashed
    line that the fewest data points and lines cross (ties: the usual spot; where every spot
    is crossed, on a white backing), and hide those whose line is off the axes. Call it once
    the figure is otherwise complete: it lays the figure out to measure the labels."""
    labels = [(ax, t) for ax in fig.axes for t in ax.texts
              if t.get_text().startswith(REFERENCE_LABELS)]
    for ax, text in labels:
        vertical = text.get_text().startswith("H(X)")
        low, high = ax.get_xlim() if vertical else ax.get_ylim()
        text.set_visible(bool(low <= (text.xy[0] if vertical else text.xy[1]) <= high))
        text.set_in_layout(False)  # where it goes must not resize the axes it is measured in
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure: measure with Agg
        FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    data = {}
    for ax, text in labels:
        if not text.get_visible():
            continue
        if ax not in data:
            data[ax] = _data_pixels(ax)
        spots = _VERTICAL_SPOTS if text.get_text().startswith("H(X)") else _HORIZONTAL_SPOTS
        crossings = [_crossings(text, spot, data[ax], ax, renderer) for spot in spots]
        best = int(np.argmin(crossings))
        _move(text, spots[best])
        if crossings[best] > 0:  # nowhere clear: keep it legible over the data
            text.set_bbox({"facecolor": "white", "alpha": 0.75, "edgecolor": "none",
                           "pad": 0.5})


# Where a label may sit along its line: the point on the line in axes fraction (along it),
# the offset in points, and the alignment. The first is the usual spot.
_VERTICAL_SPOTS = [(0.02, (-2, 0), "right", "bottom"), (0.98, (-2, 0), "right", "top"),
                   (0.5, (-2, 0), "right", "center"), (0.02, (2, 0), "left", "bottom"),
                   (0.98, (2, 0), "left", "top")]
_HORIZONTAL_SPOTS = [(0.01, (0, 2), "left", "bottom"), (0.99, (0, 2), "right", "bottom"),
                     (0.5, (0, 2), "center", "bottom"), (0.01, (0, -2), "left", "top"),
                     (0.99, (0, -2), "right", "top"), (0.5, (0, -2), "center", "top")]


def _move(text, spot) -> None:
    along, offset, ha, va = spot
    x, y = text.xy
    text.xy = (x, along) if text.get_rotation() == 90 else (along, y)
    text.set_position(offset)
    text.set_ha(ha)
    text.set_va(va)


def _crossings(text, spot, data: np.ndarray, ax, renderer) -> float:
    """How many data pixels the label covers at ``spot``; infinite where it leaves the axes."""
    _move(text, spot)
    box = text.get_window_extent(renderer).padded(1.0)
    frame = ax.get_window_extent(renderer).padded(0.5)
    if not (frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0
            and box.y1 <= frame.y1):
        return np.inf
    inside = ((data[:, 0] >= box.x0) & (data[:, 0] <= box.x1) & (data[:, 1] >= box.y0)
              & (data[:, 1] <= box.y1))
    return float(inside.sum())


def _data_pixels(ax) -> np.ndarray:
    """Every point and line of the data (``_data_points``) in pixels."""
    points = _data_points(ax)
    return ax.transData.transform(points) if points.size else np.zeros((0, 2))


def _data_points(ax, per_segment: int = 24) -> np.ndarray:
    """Every point and line of the data in data coordinates, lines sampled ``per_segment``
    times per segment (the dashed reference lines, drawn in axes coordinates, are left
    out)."""
    pieces = [np.zeros((0, 2))]
    for c in ax.collections:
        if isinstance(c, LineCollection):
            pieces += [_sample(np.asarray(seg), per_segment) for seg in c.get_segments()]
        elif len(c.get_offsets()):
            pieces.append(np.asarray(c.get_offsets(), dtype=float))
    for line in ax.lines:
        if line.get_transform() == ax.transData:
            pieces.append(_sample(np.asarray(line.get_xydata(), dtype=float), per_segment))
    return np.concatenate([p.reshape(-1, 2) for p in pieces], axis=0)


def _sample(vertices: np.ndarray, k: int) -> np.ndarray:
    """Points along a polyline: each segment at k evenly spaced fractions."""
    if len(vertices) < 2:
        return vertices.reshape(-1, 2)
    t = np.linspace(0.0, 1.0, k, endpoint=False)[None, :, None]
    a, b = vertices[:-1, None, :], vertices[1:, None, :]
    return np.concatenate([(a + t * (b - a)).reshape(-1, 2), vertices[-1:]], axis=0)
