"""Where the wall time of ``infoplane reproduce tishby2017`` goes, and the command's wall time
from several source trees side by side.

``--part stages`` runs the study's steps one by one in one process (the steps of
``studies/tishby2017.run``, in its order but each alone, so each is timed) and prints a table:
import, data and program set-up, compilation, training (the plane measured inside it), the
writes after each chunk, the summary, each still figure, the GIF, results.json. Wall seconds
and CPU seconds of this process are given for each; "training" is the engine's
``train_seconds`` (it includes the per-chunk writes, shown apart on their own row as the cost
of writing the final arrays once per chunk).

``--part wall`` times the whole command (``python -m infoplane.cli reproduce tishby2017``) in
a fresh process for each source tree given, the trees in turn within each repeat, and prints
the median, with the load average before each run.

    python benchmarks/bench_end_to_end.py --part stages            # the main job
    python benchmarks/bench_end_to_end.py --part stages --full
    python benchmarks/bench_end_to_end.py --part wall --trees /tmp/before . --repeats 3
    python benchmarks/bench_end_to_end.py --part post --trees /tmp/before . --run RUN

``--part post`` times only what follows training (the still figures and the GIF) from a
finished run folder, in a fresh process per tree, the trees in turn: the tree's own flow
(in turn, or the GIF in a drawer process beside the figures, the drawer started ``--idle``
seconds before as if during training). Short and repeatable on a busy machine, where the whole
command's wall time varies more than what changed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


class _Clock:
    """Rows of (step, wall s, CPU s of this process)."""

    def __init__(self):
        self.rows: list[tuple[str, float, float]] = []

    def add(self, step: str, wall: float, cpu: float) -> None:
        self.rows.append((step, wall, cpu))

    def __call__(self, step: str, fn, *args, **kwargs):
        w, c = time.perf_counter(), time.process_time()
        value = fn(*args, **kwargs)
        self.add(step, time.perf_counter() - w, time.process_time() - c)
        return value


def stages(full: bool, out: Path) -> None:
    clock = _Clock()
    w, c = time.perf_counter(), time.process_time()
    import numpy as np

    from infoplane.plotting import animate_run, run_figures
    from infoplane.runs import write_checkpoint, write_information
    from infoplane.studies import tishby2017
    from infoplane.studies._common import scaled_config, write_results
    from infoplane.training import preset, train
    from infoplane.training.schedules import logged_epochs, plan_chunks

    clock.add("import (infoplane, JAX, matplotlib)", time.perf_counter() - w,
              time.process_time() - c)
    scale = "full" if full else "default"
    config = scaled_config(preset("tishby2017"), tishby2017.SCALES[scale].config, None)
    started = time.time()
    w, c = time.perf_counter(), time.process_time()
    info = train(config, out, overwrite=True, progress=False)
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    compile_s, train_s = float(info.compile_seconds), float(info.train_seconds)
    clock.add("data, program set-up, initial state", wall - compile_s - train_s, float("nan"))
    clock.add("compilation", compile_s, float("nan"))
    clock.add(f"training, plane included ({config.seeds} x {config.epochs})", train_s,
              float("nan"))
    clock.add("  the three above together (CPU: every thread)", wall, cpu)
    n_chunks = len(plan_chunks(logged_epochs(config.schedule, config.epochs), config.epochs,
                               config.chunk_logs, config.chunk_epochs))

    def writes():  # what _train_chunks writes after every chunk, at its final size
        with tempfile.TemporaryDirectory() as tmp:
            leaves = [np.asarray(v) for v in np.load(out / "checkpoint.npz").values()]
            for ci in range(n_chunks):
                write_information(tmp, info)
                write_checkpoint(tmp, ci + 1, leaves)

    clock(f"  of which per-chunk writes ({n_chunks} chunks, upper bound)", writes)
    numbers = clock("summary and claims", tishby2017.summarise, info)
    figs = out / "figures_again"
    clock("still figures (3 x PNG + PDF)", run_figures, info, figs)
    clock("GIF (150 frames)", animate_run, out, figs / "plane.gif")
    clock("results.json", write_results, out, "tishby2017", numbers,
          tishby2017.claims(numbers), started, scale=scale)
    print(f"`{scale}`: {config.seeds} seeds x {config.epochs} epochs; load average "
          f"{os.getloadavg()[0]:.1f} at the end\n")
    print("| step | wall (s) | CPU of this process (s) |")
    print("|---|---|---|")
    for step, wall, cpu in clock.rows:
        print(f"| {step} | {wall:.2f} | {'' if cpu != cpu else f'{cpu:.2f}'} |")


def wall(trees: list[str], full: bool, repeats: int) -> None:
    runs: dict[str, list[float]] = {t: [] for t in trees}
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            for tree in trees:
                root = str(Path(tree).resolve())
                env = dict(os.environ, PYTHONPATH=root)
                cmd = [sys.executable, "-m", "infoplane.cli", "reproduce", "tishby2017",
                       "--out", str(Path(tmp) / "run"), "--overwrite", "--no-progress",
                       *(["--full"] if full else [])]
                loads.append(os.getloadavg()[0])
                t0 = time.perf_counter()
                subprocess.run(cmd, env=env, cwd=root, check=True, stdout=subprocess.DEVNULL)
                runs[tree].append(time.perf_counter() - t0)
    print(f"`reproduce tishby2017{' --full' if full else ''}`, {repeats} repeat(s), the trees "
          f"in turn; load average before the runs {min(loads):.1f}-{max(loads):.1f}\n")
    print("| source tree | median wall (s) | runs (s) |")
    print("|---|---|---|")
    for tree, times in runs.items():
        print(f"| {tree} | {statistics.median(times):.1f} | "
              f"{', '.join(f'{t:.1f}' for t in times)} |")


def post_child(run: str, out: str, idle: float) -> None:
    """The study's work after training, as the tree in PYTHONPATH does it, timed alone: the
    still figures and the GIF, in turn (the earlier flow) or beside each other (a drawer
    process started ``idle`` seconds before, as the study starts it before training)."""
    import importlib.util

    from infoplane import InfoplaneError
    from infoplane.plotting import animate_plane, run_figures
    from infoplane.runs import read_run

    info = read_run(run)
    gif = Path(out) / "plane.gif"
    if importlib.util.find_spec("infoplane.plotting._background") is None:
        t0 = time.perf_counter()
        run_figures(info, out)
        animate_plane(info.plane, gif)
        print(time.perf_counter() - t0)
        return
    from infoplane.plotting._background import BackgroundDrawer

    with BackgroundDrawer() as drawer:
        time.sleep(idle)  # training, during which the drawer starts
        drawer.submit("animate_run", Path(out) / "nowhere")  # answered once it has started:
        try:  # on a busy machine its imports may outlast ``idle``, and training would not
            drawer.result()
        except InfoplaneError:
            pass
        t0 = time.perf_counter()
        drawer.submit("animate_run", run, gif)
        run_figures(info, out)
        drawer.result()
        print(time.perf_counter() - t0)


def post(trees: list[str], run: str, repeats: int, idle: float) -> None:
    runs: dict[str, list[float]] = {t: [] for t in trees}
    loads = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            for tree in trees:
                env = dict(os.environ, PYTHONPATH=str(Path(tree).resolve()))
                loads.append(os.getloadavg()[0])
                out = subprocess.run([sys.executable, __file__, "--post-child", run, tmp,
                                      str(idle)], env=env, check=True, capture_output=True,
                                     text=True)
                runs[tree].append(float(out.stdout.split()[-1]))
    print(f"after training: the still figures and the GIF of {run}, {repeats} repeat(s), the "
          f"trees in turn; load average before the runs {min(loads):.1f}-{max(loads):.1f}\n")
    print("| source tree | median wall (s) | runs (s) |")
    print("|---|---|---|")
    for tree, times in runs.items():
        print(f"| {tree} | {statistics.median(times):.2f} | "
              f"{', '.join(f'{t:.2f}' for t in times)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["stages", "wall", "post"], default="stages")
    parser.add_argument("--full", action="store_true", help="50 seeds (the paper's protocol)")
    parser.add_argument("--trees", nargs="+", default=["."],
                        help="--part wall: source trees (folders holding infoplane/) to time")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=None, help="--part stages: the run folder")
    parser.add_argument("--run", help="--part post: a finished run folder of the study")
    parser.add_argument("--idle", type=float, default=10.0,
                        help="--part post: seconds of training to stand for (default 10)")
    parser.add_argument("--post-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.post_child:
        post_child(args.post_child[0], args.post_child[1], float(args.post_child[2]))
        return
    if args.part == "post":
        post(args.trees, args.run, args.repeats, args.idle)
        return
    if args.part == "wall":
        wall(args.trees, args.full, args.repeats)
        return
    # One JAX device per core, as the command line makes (before JAX starts): a Python
    # process otherwise has one CPU device and trains on one core.
    from infoplane.cli import use_all_cpu_cores

    use_all_cpu_cores()
    with tempfile.TemporaryDirectory() as tmp:
        stages(args.full, Path(args.out or Path(tmp) / "run"))


if __name__ == "__main__":
    main()
