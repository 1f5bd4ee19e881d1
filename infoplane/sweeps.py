"""Sweeps: one run per point of a grid of configuration values, resumable, with one summary.

``sweep(base, {"activation": ("tanh", "relu"), "learning_rate": (4e-4, 1e-3)}, "DIR")`` trains
every point of the grid (their product, the first field varying slowest) as its own run folder
``DIR/runs/<field>=<value>,...``, each point's seeds split over every device of every process
(``infoplane.training.distributed``). A finished point is skipped when the sweep is resumed; a
point interrupted half way continues from its last chunk. After every point the writer (process
0) rewrites ``summary.csv`` (one row per point and layer) and ``summary.json`` (one entry per
point), and at the end draws ``overview.png`` / ``.pdf``: the information plane of every point.
``sweep.json`` holds the base configuration and the grid, so that a resume with other settings
is refused.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path

from ._errors import InfoplaneError
from .analysis import compression, run_summary
from .records import InformationPlane, RunResult
from .runs import (
    atomic_write_bytes,
    prepare_dir,
    provenance,
    read_information,
    read_run,
    write_json,
)
from .training import RunConfig, distributed, train

SUMMARY_FIELDS = ("layer", "final_I_XT", "peak_I_XT", "peak_epoch_I_XT", "compression_I_XT",
                  "final_I_TY", "peak_I_TY", "train_acc", "test_acc", "test_acc_std")


def parse_grid(items: list[str]) -> dict[str, tuple]:
    """``["FIELD=V1,V2", ...]`` as {field: (v1, v2)}; each value JSON if it parses (numbers,
    lists such as ``hidden=[10,7],[5,5]``), else a string."""
    grid: dict[str, tuple] = {}
    for item in items:
        field, sep, values = item.partition("=")
        field = field.strip()
        if not sep or not field or not values.strip():
            raise InfoplaneError(f"--grid takes FIELD=V1,V2,..., got {item!r}")
        if field in grid:
            raise InfoplaneError(f"--grid names {field!r} twice; give all its values in one")
        grid[field] = tuple(_value(v) for v in _split_top_level(values))
    return grid


def grid_points(grid: dict[str, tuple]) -> list[dict]:
    """Every point of the grid, the first field varying slowest."""
    return [dict(zip(grid, combo, strict=True)) for combo in itertools.product(*grid.values())]


def point_name(point: dict) -> str:
    """A point's folder name, e.g. ``activation=relu,learning_rate=0.001``."""
    text = ",".join(f"{k}={json.dumps(v, separators=(',', ':')).strip(chr(34))}"
                    for k, v in point.items())
    return text.replace("/", "_").replace(" ", "")


def sweep(base: RunConfig, grid: dict[str, tuple], out, *, resume: bool = False,
          overwrite: bool = False, progress: bool = True) -> list[dict]:
    """Train every point of ``grid`` (field -> values) on ``base``; write runs and a summary.

    Args:
        base: the configuration every point starts from (its seeds are each point's seeds).
        grid: configuration field -> the values to try; every combination is one run.
        out: the sweep directory.
        resume: continue a sweep in ``out``: finished points are skipped, an interrupted one
            continues from its last chunk.
        overwrite: replace an existing ``out``.
        progress: show each run's progress bar.

    Returns:
        One summary per point (``point_summary``), in grid order.

    Raises:
        InfoplaneError: an unknown field or bad value (before any training), a directory that
            exists without --resume or --overwrite, or a resume with another base or grid.
    """
    points = grid_points(grid)
    configs = [_configure(base, point) for point in points]
    out = Path(out)
    plan = {"base": base.to_dict(), "grid": {k: list(v) for k, v in grid.items()}}
    distributed.writer_first(lambda: _start(out, plan, resume, overwrite), f"start {out}")
    rows = []
    for i, (point, config) in enumerate(zip(points, configs, strict=True)):
        run_dir = out / "runs" / point_name(point)
        if progress and distributed.is_writer():
            print(f"[{i + 1}/{len(points)}] {point_name(point)}", flush=True)
        info = _run_point(config, run_dir, progress)
        rows.append(point_summary(point, info))
        if distributed.is_writer():
            write_summary(out, rows)
    if distributed.is_writer():
        overview_figure(out, grid, rows, [read_information(out / "runs" / r["run"])
                                          for r in rows])
    return rows


def point_summary(point: dict, info: RunResult) -> dict:
    """What a point reached: its grid values, accuracies (``run_summary``), and per layer the
    final and peak seed-mean I(X;T) and I(T;Y) (bits), the epoch of the I(X;T) peak, and the
    compression (peak minus final I(X;T), ``analysis.compression``)."""
    summary = run_summary(info)
    plane = info.plane
    ixt = compression(plane.I_XT, plane.epochs)
    ity = compression(plane.I_TY, plane.epochs)
    return {
        "point": dict(point), "run": point_name(point),
        "layers": list(plane.layer_names),
        "seeds": plane.n_seeds, "epochs": int(plane.epochs[-1]),
        "train_acc": summary["train_acc"], "test_acc": summary["test_acc"],
        "test_acc_std": summary["test_acc_std"],
        "final_I_XT": ixt["final"].tolist(), "peak_I_XT": ixt["peak"].tolist(),
        "peak_epoch_I_XT": [int(e) for e in ixt["peak_epoch"]],
        "compression_I_XT": ixt["compression"].tolist(),
        "final_I_TY": ity["final"].tolist(), "peak_I_TY": ity["peak"].tolist(),
    }


def write_summary(out, rows: list[dict]) -> None:
    """``summary.json`` (the rows as given) and ``summary.csv`` (a row per point and layer,
    the point's fields first), each written atomically."""
    out = Path(out)
    prov = provenance(method="binning", source=str(out), settings={
        "bins": "each point's own: runs/<point>/config.json and information.npz"})
    write_json(out / "summary.json", {"unit": "bits", "points": rows, "provenance": prov})
    text = io.StringIO()
    fields = list(rows[0]["point"]) if rows else []
    writer = csv.writer(text)
    writer.writerow([*fields, *SUMMARY_FIELDS])
    for row in rows:
        for li, layer in enumerate(row["layers"]):
            values = [row[f][li] if isinstance(row[f], list) and f != "layers" else row[f]
                      for f in SUMMARY_FIELDS[1:]]
            writer.writerow([*(_csv(row["point"][f]) for f in fields), layer,
                             *(_csv(v) for v in values)])
    data = text.getvalue().encode()
    atomic_write_bytes(out / "summary.csv", lambda f: f.write(data))


def overview_figure(out, grid: dict[str, tuple], rows: list[dict], infos: list[InformationPlane]
                    ) -> list[Path]:
    """``overview.png`` / ``.pdf``: every point's seed-mean information plane, one panel each
    (a row per value of the grid's first field), titled with its point, final test accuracy
    and the last hidden layer's compression (the layer before the output)."""
    from matplotlib.figure import Figure

    from .plotting import estimator_caption, information_plane_grid, save_figure, wrap_caption

    first = next(iter(grid))
    ncols = max(1, len(rows) // len(grid[first]))
    planes = {}
    for row, info in zip(rows, infos, strict=True):
        last = -min(2, len(row["layers"]))  # the last hidden layer
        lines = (_label(row["point"]), f"test acc {row['test_acc']:.2f}, {row['layers'][last]} "
                 f"compresses {row['compression_I_XT'][last]:.2f} bits")
        # each line wrapped to its panel, in the size set below: titles never meet
        title = "\n".join(wrap_caption(line, PANEL_WIDTH_IN - 0.3, TITLE_SIZE, max_lines=3)
                          for line in lines)
        planes[title] = info
    nrows = -(-len(rows) // ncols)
    fig = Figure(figsize=(PANEL_WIDTH_IN * ncols + 1.2, 3.5 * nrows + 0.5), layout="constrained")
    axes = information_plane_grid(fig, planes, ncols=ncols)
    for ax in axes.flat:
        if ax.figure is fig:  # the grid removes unused cells
            ax.title.set_fontsize(TITLE_SIZE)
    # The grid draws its layer legend along the top: the caption goes below.
    caption = (f"sweep over {', '.join(grid)}: the seed-mean information plane of each point",
               estimator_caption(infos[0]))  # the estimator on a line of its own
    fig.supxlabel("\n".join(wrap_caption(line, fig.get_figwidth(), "medium", max_lines=1)
                            for line in caption if line), fontsize="medium")
    return save_figure(fig, Path(out) / "overview")


PANEL_WIDTH_IN = 3.6  # the overview's panels
TITLE_SIZE = "medium"


def _label(point: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.items())


def _configure(base: RunConfig, point: dict) -> RunConfig:
    changes = {k: tuple(v) if isinstance(v, list) else v for k, v in point.items()}
    try:
        config = base.replace(**changes)
        config.validate()
    except InfoplaneError as err:
        raise InfoplaneError(f"grid point {point_name(point)}: {err}") from None
    return config


def _start(out: Path, plan: dict, resume: bool, overwrite: bool) -> None:
    """Create the sweep directory (or check that a resumed one ran the same plan)."""
    if resume:
        if not (out / "sweep.json").is_file():
            raise InfoplaneError(f"cannot resume: {out} holds no sweep (no sweep.json)",
                                 usage=True)
        if json.loads((out / "sweep.json").read_text()) != json.loads(json.dumps(plan)):
            raise InfoplaneError(f"cannot resume {out}: its sweep.json has another base "
                                 "configuration or grid; resume with the same settings",
                                 usage=True)
        return
    prepare_dir(out, resume=False, overwrite=overwrite)
    write_json(out / "sweep.json", plan)


def _run_point(config: RunConfig, run_dir: Path, progress: bool) -> RunResult:
    """Train one point, skipping it when finished and continuing it when interrupted."""
    if (run_dir / "information.npz").is_file():
        info = read_run(run_dir)
        if info.complete:
            return info
    started = (run_dir / "config.json").is_file()
    return train(config, run_dir, resume=started, overwrite=not started, progress=progress)


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text.strip()


def _split_top_level(text: str) -> list[str]:
    """Split at the commas outside brackets: ``[10,7],[5]`` -> ``["[10,7]", "[5]"]``."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch in "[{"
        depth -= ch in "]}"
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [p for p in [*parts, text[start:]] if p.strip()]


def _csv(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    return json.dumps(value) if isinstance(value, (list, dict)) else value


