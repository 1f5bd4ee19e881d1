"""Comparisons on the information plane: several planes side by side with one colour scale
(``information_plane_grid``) and the information-bottleneck curve overlaid (``ib_curve``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.collections import LineCollection

from .._errors import InfoplaneError
from ..analysis import check_epochs
from ._conventions import (
    EPOCH_LABEL,
    LAYER_MARKERS,
    _epoch_norm,
    _names,
    _plain_log_ticks,
)
from ._plane import _plane_legend, information_plane, layer_handles


def information_plane_grid(fig, planes: Mapping[str, tuple], *, ncols: int | None = None,
                           H_X=None, H_Y=None, layer_names=None, cmap="viridis",
                           sharey: bool = True, **plane_kw):
    """Several information planes side by side with one shared, logarithmic epoch colour bar.

    For comparisons such as estimators (binning vs KDE) or activations (tanh vs ReLU).

    Args:
        fig: the Figure to draw in (best with ``layout="constrained"``).
        planes: title -> (I_XT, I_TY, epochs), each as for ``information_plane``.
        ncols: panels per row; default all in one row.
        H_X, H_Y, layer_names, cmap: as for ``information_plane``, the same for all panels.
        sharey: share the I(T;Y) axis between panels.
        **plane_kw: further arguments of ``information_plane`` (mark_epoch, size, ...).

    Returns:
        The Axes as a 2-D object array [row, column]; unused cells are removed.
    """
    _check_planes(planes)
    n = len(planes)
    ncols = n if ncols is None else max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=sharey)
    norm = _epoch_norm(*(check_epochs(p[2]) for p in planes.values()))
    for k, (title, (ixt, ity, ep)) in enumerate(planes.items()):
        ax = axes.flat[k]
        information_plane(ax, ixt, ity, ep, H_X=H_X, H_Y=H_Y, layer_names=layer_names,
                          cmap=cmap, norm=norm, colorbar=False, legend=False, **plane_kw)
        ax.set_title(title)
        if sharey and k % ncols:
            ax.set_ylabel("")
    for ax in axes.flat[n:]:
        ax.remove()
    used = list(axes.flat[:n])
    _share_limits(used)
    mappable = next(c for c in used[0].collections if c.get_array() is not None
                    and not isinstance(c, LineCollection))
    cbar = fig.colorbar(mappable, ax=used, pad=0.02)
    cbar.set_label(EPOCH_LABEL)
    _plain_log_ticks(cbar.ax.yaxis)
    names = _names(layer_names, np.shape(next(iter(planes.values()))[0])[-1])
    handles = layer_handles(names, plane_kw.get("markers", LAYER_MARKERS))
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 6),
               frameon=False)
    return axes


def _check_planes(planes: Mapping[str, tuple]) -> None:
    if not planes:
        raise InfoplaneError("planes is empty; give at least one title -> (I_XT, I_TY, epochs)")
    for title, value in planes.items():
        if not isinstance(value, tuple | list) or len(value) != 3:
            raise InfoplaneError(f"planes[{title!r}] must be a tuple (I_XT, I_TY, epochs)")


def _share_limits(axes: list) -> None:
    """The same limits on every panel (the largest), so the panels compare at a glance."""
    ax0 = axes[0]
    ax0.set_xlim(0, max(a.get_xlim()[1] for a in axes))
    ax0.set_ylim(0, max(a.get_ylim()[1] for a in axes))
    for a in axes[1:]:
        a.set_xlim(ax0.get_xlim())
        a.set_ylim(ax0.get_ylim())


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
