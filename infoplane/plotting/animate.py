"""The information plane as an animation: one frame per logged epoch, with fading trails.

``animate_plane`` draws a plane; ``animate_run`` reads a run folder's ``information.npz`` (or a
re-estimated ``information_<estimator>.npz``) and writes ``plane.gif`` (``plane_<estimator>.gif``)
beside it.
Each frame shows the seed-mean point of every layer at one logged epoch (the markers of
``LAYER_MARKERS``, coloured by ``epoch + 1`` on the log colour scale of the still figure,
``information_plane``), a thin line joining the layers of that epoch, the layers' paths over
the previous ``trail`` frames fading out behind them, an epoch counter and, on the colour bar,
the current epoch. The axes and colour scale are fixed over the whole run, so motion in the
animation is motion in the plane.

Long runs are thinned to at most ``max_frames`` frames, spread evenly over the logged epochs
(which are themselves usually log-spaced), always keeping the first and the last.

Frames are rendered by blitting (the axes, legend and colour bar drawn once, each frame's
points drawn over a copy), about 4x faster than redrawing every frame as matplotlib's movie
writers do; GIFs are then written with Pillow exactly as matplotlib's pillow writer writes them
(Pillow is a dependency of matplotlib). MP4 needs the ``ffmpeg`` program, and without it
``animate_*`` raises an InfoplaneError saying so.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import animation
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from PIL import Image

from .._errors import InfoplaneError
from ..analysis import plane_runs
from ..records import InformationPlane
from ..runs import not_a_run_folder, read_information
from ._conventions import (
    EPOCH_LABEL,
    LAYER_MARKERS,
    _epoch_norm,
    _plain_log_ticks,
    paper_style,
    wrap_caption,
)
from ._files import figure_stem, writes_here
from ._plane import _draw_entropies, layer_handles
from ._uncertainty import estimator_caption

MAX_FRAMES = 150
FPS = 12
TRAIL = 12
FORMATS = (".gif", ".mp4")


def frame_indices(n_logged: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Which logged epochs become frames: all of them when there are at most ``max_frames``,
    else ``max_frames`` indices spread evenly from the first to the last (both kept)."""
    if max_frames < 2:
        raise InfoplaneError(f"max_frames must be at least 2, got {max_frames}")
    if n_logged <= max_frames:
        return np.arange(n_logged)
    return np.unique(np.round(np.linspace(0, n_logged - 1, max_frames)).astype(int))


def _check_format(path: Path) -> str:
    """The animation format of ``path`` ("gif" or "mp4"); MP4 only where ffmpeg is installed."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InfoplaneError(f"cannot write an animation as {path.name!r}: name it .gif, or "
                             ".mp4 where ffmpeg is installed")
    if suffix == ".mp4" and not animation.writers.is_available("ffmpeg"):
        raise InfoplaneError("writing MP4 needs the ffmpeg program, which is not on the "
                             "PATH; install ffmpeg, or write a .gif instead")
    return suffix[1:]


class _Artists:
    """What changes from frame to frame: the layer points, the line through them, the trails,
    the epoch counter and the mark on the colour bar (all drawn over a fixed background)."""

    def __init__(self, fig, ax, cax, n_layers: int, markers, size: float):
        self.points = [ax.scatter([], [], s=size * 2.2, marker=markers[l % len(markers)],
                                  edgecolors="0.15", linewidths=0.4, zorder=4, animated=True)
                       for l in range(n_layers)]
        self.joint = ax.plot([], [], lw=0.8, zorder=3, animated=True)[0]
        self.trails = LineCollection([], linewidths=1.4, zorder=2, animated=True)
        ax.add_collection(self.trails)
        self.counter = fig.text(0.97, 0.965, "", ha="right", va="top", fontsize="large",
                                fontweight="bold", animated=True)
        self.now = cax.axhline(1.0, color="k", lw=2.5, animated=True)

    def all(self) -> list:
        return [self.trails, self.joint, *self.points, self.now, self.counter]


def _update(art: _Artists, ixt, ity, e, frames, f: int, colours, trail: int) -> None:
    """Set the artists to frame number ``f`` (ixt, ity: [logged_epoch, layer], seed means;
    colours: [logged_epoch, 4], the RGBA of each logged epoch on the colour scale, computed
    once for all frames because the colour map's normalisation is slow per call)."""
    i = frames[f]
    colour = colours[i]
    for l, pts in enumerate(art.points):
        pts.set_offsets([[ixt[i, l], ity[i, l]]])
        pts.set_facecolors([colour])
    art.joint.set_data(ixt[i], ity[i])
    art.joint.set_color(colour)
    past = frames[max(0, f - trail): f + 1]
    a, b = past[:-1], past[1:]  # each step of the trail, oldest first: [step]
    # [step, layer, end (a, b), (x, y)] -> one segment per step and layer, step-major
    segments = np.stack([np.stack([ixt[a], ity[a]], axis=-1),
                         np.stack([ixt[b], ity[b]], axis=-1)], axis=2).reshape(-1, 2, 2)
    rgba = colours[b].copy()
    rgba[:, 3] = 0.85 * (np.arange(len(b)) + 1 + trail - len(b)) / trail  # the oldest faintest
    # matplotlib's stubs want sequences; an (N, 2, 2) or (N, 4) array is one
    art.trails.set_segments(segments)  # type: ignore[arg-type]
    art.trails.set_colors(np.repeat(rgba, ixt.shape[1], axis=0)  # type: ignore[arg-type]
                          if len(b) else "none")
    art.counter.set_text(f"epoch {int(e[i])}")
    art.now.set_ydata([e[i] + 1.0, e[i] + 1.0])


def _figure(ixt, ity, e, *, H_X, H_Y, names, markers, cmap, title, dpi):
    """The fixed part of every frame: axes, limits, H(X) and H(Y), legend and colour bar, at
    fixed positions (no layout engine, so that every frame has the same geometry)."""
    fig = Figure(figsize=(5.2, 4.4), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.12, 0.11, 0.64, 0.66))
    cax = fig.add_axes((0.80, 0.11, 0.03, 0.66))
    norm = _epoch_norm(e)
    cm = matplotlib.colormaps[cmap]
    _draw_entropies(ax, ixt, ity, H_X, H_Y)
    ax.set_xlabel("I(X;T) (bits)")
    ax.set_ylabel("I(T;Y) (bits)")
    ax.legend(handles=layer_handles(names, markers), loc="lower left",
              bbox_to_anchor=(0.0, 1.01), ncols=min(len(names), 4), frameon=False,
              handletextpad=0.3, columnspacing=1.0, borderaxespad=0.2, title=title,
              title_fontsize="small", alignment="left")
    cbar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cm), cax=cax)
    cbar.set_label(EPOCH_LABEL)
    _plain_log_ticks(cbar.ax.yaxis)
    return fig, ax, cax, cm, norm


def _frames(fig, art: _Artists, draw_frame, n: int):
    """Yield ``n`` RGBA frames: the background is rendered once and each frame's artists are
    drawn over a copy of it (blitting), several times faster than redrawing the figure."""
    canvas = fig.canvas
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    for f in range(n):
        draw_frame(f)
        canvas.restore_region(background)
        for a in art.all():
            fig.draw_artist(a)
        yield np.asarray(canvas.buffer_rgba()).copy()


def _write(frames, path: Path, fmt: str, fps: int) -> None:
    """GIF through Pillow, as matplotlib's pillow writer does; MP4 through ffmpeg."""
    if fmt == "gif":
        images = [Image.fromarray(f, "RGBA") for f in frames]
        images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                       duration=int(1000 / fps), loop=0)
        return
    frames = list(frames)
    h, w = frames[0].shape[:2]
    cmd = ["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgba",
           "-s", f"{w}x{h}", "-r", str(fps), "-i", "-", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2",
           "-pix_fmt", "yuv420p", "-f", "mp4", str(path)]
    subprocess.run(cmd, input=b"".join(f.tobytes() for f in frames), check=True)


def animate_plane(plane: InformationPlane, out, *, max_frames: int = MAX_FRAMES,
                  fps: int = FPS, trail: int = TRAIL, dpi: int = 90, cmap: str = "viridis",
                  markers=LAYER_MARKERS, size: float = 14.0) -> Path:
    """Write the information plane over the logged epochs as an animated GIF (or MP4).

    Args:
        plane: the ``InformationPlane`` (bits); the seed mean is drawn, as in the still
            figure, with H(X), H(Y) as dashed lines, the layer names in the legend and, under
            the plane, the estimator and its settings (``estimator_caption``), wrapped to at
            most two lines.
        out: the file to write, ending in .gif or .mp4 (written atomically; folders created).
        max_frames: at most this many frames (``frame_indices``).
        fps: frames per second.
        trail: how many previous frames each layer's fading path reaches back.
        dpi: resolution; the figure is 5.2 x 4.4 inches.
        cmap, markers, size: as in ``information_plane``.

    Returns:
        The path written.
    """
    out = Path(out)
    fmt = _check_format(out)
    n_seeds = plane.n_seeds
    ixt, ity, e = plane_runs(plane.I_XT, plane.I_TY, plane.epochs, mean_over_seeds=True)
    ixt, ity = ixt[0], ity[0]
    names = list(plane.layer_names)
    caption = estimator_caption(plane)
    frames = frame_indices(len(e), max_frames)
    title = f"mean of {n_seeds} runs" if n_seeds > 1 else None
    if not writes_here():  # a distributed run: process 0 draws and writes the file
        return out
    with paper_style():
        fig, ax, cax, cm, norm = _figure(ixt, ity, e, H_X=plane.H_X, H_Y=plane.H_Y, names=names,
                                         markers=markers, cmap=cmap, title=title, dpi=dpi)
        if caption:  # two lines under the x label: the axes give up their bottom 6%
            for a in (ax, cax):
                x0, y0, w, h = a.get_position().bounds
                a.set_position((x0, y0 + 0.06, w, h - 0.06))
            fig.text(0.5, 0.012, wrap_caption(caption, fig.get_figwidth()), ha="center",
                     va="bottom", fontsize="small", color="0.3")
        art = _Artists(fig, ax, cax, len(names), markers, size)
        colours = cm(norm(e + 1.0))
        images = _frames(fig, art, lambda f: _update(art, ixt, ity, e, frames, f, colours,
                                                     trail), len(frames))
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=out.suffix)
        os.close(fd)
        try:
            _write(images, Path(tmp), fmt, fps)
            os.chmod(tmp, 0o644)
            os.replace(tmp, out)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return out


def animate_run(run_dir, out=None, estimator: str | None = None, *,
                max_frames: int = MAX_FRAMES, fps: int = FPS, trail: int = TRAIL) -> Path:
    """Animate a run's information plane (``animate_plane``) from its run folder.

    Args:
        run_dir: a run directory written by ``infoplane.train`` (or ``infoplane plane``).
        out: the file to write (.gif, or .mp4 where ffmpeg is installed); default
            ``run_dir/plane.gif``, or ``run_dir/plane_<estimator>.gif``.
        estimator: read ``information_<estimator>.npz`` (a plane re-estimated by
            ``infoplane plane RUN --estimator NAME``) instead of ``information.npz``.
        max_frames, fps, trail: as for ``animate_plane``.

    Returns:
        The path written.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir() or not any(run_dir.glob("information*.npz")):
        raise not_a_run_folder(run_dir)
    name = "information" if estimator is None else f"information_{estimator}"
    path = run_dir / f"{name}.npz"
    if not path.is_file():
        found = sorted(p.stem for p in run_dir.glob("information*.npz") if p.is_file())
        held = ', '.join(f + '.npz' for f in found) if found else 'no information*.npz file'
        what = "is not a file" if path.exists() else f"is missing; {run_dir} holds {held}"
        message = f"{path} {what}"
        make = ("" if estimator is None else
                f"; make it with plane_from_run({str(run_dir)!r}, method={estimator!r}, "
                f"out_name={name!r})")
        make_cli = ("" if estimator is None else
                    f"; make it with: infoplane plane {run_dir} --estimator {estimator}")
        raise InfoplaneError(message + make, cli=message + make_cli)
    plane = read_information(path)
    if out is None:
        out = run_dir / f"{figure_stem('plane', estimator)}.gif"
    return animate_plane(plane, out, max_frames=max_frames, fps=fps, trail=trail)
