"""Two processes x one device against one process x two devices, on the same seeds.

The tishby2017 network (12-10-7-5-4-3-2 tanh, Adam, batch 512, binned plane of every layer at
every logged epoch). Each repeat runs both layouts one after the other (interleaved, since the
machine may be shared), each in fresh processes; the table gives the median training time
(compilation apart), milliseconds per seed-epoch and whether the two layouts gave the same
I(X;T) array for array; a third layout binds each of the two processes to a core of its own
(``distributed.initialize(..., cores=...)``), measured beside the unbound one, never instead of
it; then the CPU seconds per kind of thread. Then the projected wall time of the paper-scale
studies on N devices, from the measured cost per seed-epoch per device.

    python benchmarks/bench_distributed.py                 # 10 seeds x 2000 epochs, 3 repeats
    python benchmarks/bench_distributed.py --seeds 20 --epochs 8000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository, importable without installing
# Paper-scale studies at --full: (name, runs, seeds, epochs), from infoplane/studies/*.py.
STUDIES = [("tishby2017", 1, 50, 8000), ("saxe2018_activations", 4, 50, 10000),
           ("initialisation", 8, 20, 8000), ("regularisation", 4, 20, 8000),
           ("generalisation", 2, 50, 10000)]


def child(seeds: int, epochs: int, dump: str, coordinator: str | None, pid: int,
          out: str | None, pin: bool = False) -> None:
    if coordinator:  # pin: each process bound to a core of its own by the library's option
        from infoplane.training import distributed

        cores = sorted(os.sched_getaffinity(0))
        distributed.initialize(coordinator, 2, pid, cores=[cores[pid % len(cores)]] if pin
                               else None)
    import jax
    import numpy as np

    from infoplane.training import preset, train

    spent = _time_the_chunk_loop()
    info = train(preset("tishby2017").replace(seeds=seeds, epochs=epochs),
                 out, progress=False,
                 overwrite=True)
    timings = {"compile_s": float(info.compile_seconds), "train_s": float(info.train_seconds),
               **{k: round(v, 3) for k, v in spent.items()}, **thread_cpu()}
    every = _gather_all(timings) if coordinator else [timings]
    if jax.process_index() == 0:
        np.save(dump, info.plane.I_XT)
        summed = {k: sum(t.get(k, 0.0) for t in every) for k in every[0] if k.startswith("thr_")}
        print(json.dumps({**every[0], **summed, "cpu_s": sum(t["cpu_s"] for t in every),
                          "gather_s": max(t["gather_s"] for t in every)}), flush=True)


# Thread names (/proc/self/task/*/comm) grouped into kinds, for the CPU seconds per kind.
# Unnamed threads carry the program's name, "python", as the main thread does.
KINDS = {"unnamed_and_main": ("python",),
         "xla_compute": ("xla", "eigen", "tf_", "cpu", "pjrt", "Async"),
         "grpc_gloo": ("grpc", "gloo", "default-executo", "resolver", "timer", "event_engine",
                       "lifeguard"),
         "heartbeat": ("infoplane",)}


def thread_cpu() -> dict:
    """The CPU seconds of this process's threads so far (the whole run: compilation included),
    summed per kind of thread (KINDS; the rest as thr_other), as "thr_KIND" keys."""
    tick = os.sysconf("SC_CLK_TCK")
    kinds = {f"thr_{k}": 0.0 for k in [*KINDS, "other", "main"]}
    names = []
    for task in Path("/proc/self/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        cpu = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        kind = next((k for k, prefixes in KINDS.items()
                     if name.lower().startswith(tuple(p.lower() for p in prefixes))), "other")
        kinds[f"thr_{kind}"] += cpu
        if task.name == str(os.getpid()):
            kinds["thr_main"] = cpu
        names.append(f"{name}:{cpu:.2f}")
    if os.environ.get("BENCH_THREADS"):
        print(" ".join(sorted(names, key=lambda n: -float(n.rsplit(":", 1)[1]))[:12]),
              file=sys.stderr, flush=True)
    return kinds


def _time_the_chunk_loop() -> dict:
    """Wrap the chunk loop's steps with timers: the CPU seconds of this process while running
    chunks (compute and gathering, all threads), and the wall seconds spent in the gathers
    after the first chunk, once this process's computation is done (the all-gather and the
    wait for the slower process; none in one process). The first gather also waits for the
    other process to finish compiling."""
    import jax

    from infoplane.training import distributed, loop

    spent = {"cpu_s": 0.0, "gather_s": 0.0}
    calls = []

    def chunk(*args, **kwargs):
        t0 = time.process_time()
        try:
            return run_chunk(*args, **kwargs)
        finally:
            spent["cpu_s"] += time.process_time() - t0

    def gather(tree, *args, **kwargs):
        jax.block_until_ready(tree)  # the chunk's computation is asynchronous: not counted
        t0 = time.perf_counter()
        try:
            return gather_all(tree, *args, **kwargs)
        finally:
            calls.append(time.perf_counter() - t0)
            spent["gather_s"] = sum(calls[1:])

    run_chunk, gather_all = loop._run_chunk, distributed.gather
    loop._run_chunk, distributed.gather = chunk, gather
    return spent


def _gather_all(timings: dict) -> list[dict]:
    import numpy as np
    from jax.experimental import multihost_utils

    keys = sorted(timings)
    rows = multihost_utils.process_allgather(np.array([timings[k] for k in keys]))
    return [dict(zip(keys, map(float, row), strict=True)) for row in rows]


# The layouts: (key, processes, pinned, label). The pinned one is measured beside, never instead
# of, the unpinned one; the one-process layout is the baseline of both.
LAYOUTS = [("1", 1, False, "1 process x 2 devices"), ("2", 2, False, "2 processes x 1 device"),
           ("2pin", 2, True, "2 processes x 1 device, each pinned to its own core")]


def run_layout(processes: int, seeds: int, epochs: int, dump: Path, out: Path | None,
               xla_flags: str = "", pin: bool = False) -> dict:
    """One run in ``processes`` processes (2 devices in all); process 0's timings, the CPU
    seconds of all processes and the longest time a process spent gathering. ``pin``: each
    process runs on one core of its own (``os.sched_setaffinity``)."""
    env = dict(os.environ, JAX_PLATFORMS="cpu",
               XLA_FLAGS=f"--xla_force_host_platform_device_count={2 // processes} {xla_flags}",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = []
    for pid in range(processes):
        cmd = [sys.executable, __file__, "--child", str(seeds), str(epochs), str(dump),
               str(pid)] + (["--coordinator", f"127.0.0.1:{port}"] if processes > 1 else []) \
            + (["--out", str(out)] if out else []) + (["--pin"] if pin else [])
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=3600)[0] for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit(f"a {processes}-process run failed")
    return json.loads(next(line for line in outputs[0].splitlines() if line.startswith("{")))


def load() -> float:
    """The one-minute load average (the machine may be shared)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def measure(args, tmp: Path) -> tuple[dict[str, list[dict]], bool]:
    """The layouts, interleaved (all see the same machine load), ``args.repeats`` times;
    whether their I(X;T) arrays were identical every time."""
    import numpy as np

    layouts = [layout for layout in LAYOUTS if layout[0] in args.layouts]
    times: dict[str, list[dict]] = {key: [] for key, *_ in layouts}
    same = True
    for r in range(args.repeats):
        for key, processes, pin, _ in layouts:
            dump = tmp / f"ixt_{key}.npy"
            out = tmp / f"run_{key}" if args.write else None
            before = load()
            t = run_layout(processes, args.seeds, args.epochs, dump, out, args.xla_flags, pin)
            times[key].append(dict(t, load=(before + load()) / 2))
            print(f"repeat {r + 1}, layout {key}: {times[key][-1]}", file=sys.stderr)
        first = np.load(tmp / f"ixt_{layouts[0][0]}.npy")
        same &= all(np.array_equal(first, np.load(tmp / f"ixt_{key}.npy"))
                    for key, *_ in layouts)
    return times, same


def table(times: dict[str, list[dict]], same: bool, seed_epochs: int) -> dict[str, dict]:
    """Print the medians per layout, then the CPU seconds of each kind of thread (whole
    processes, compilation included); return the medians per layout."""
    print("| layout | compile (s) | train (s) | of which gathering (s) | CPU (s), all processes "
          "| ms / seed-epoch | load | I(X;T) identical |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    median = {}
    for key, _, _, label in LAYOUTS:
        if key not in times:
            continue
        med = median[key] = {k: statistics.median(t[k] for t in times[key])
                             for k in times[key][0]}
        print(f"| {label} | {med['compile_s']:.1f} | {med['train_s']:.2f} | "
              f"{med['gather_s']:.2f} | {med['cpu_s']:.2f} | "
              f"{1e3 * med['train_s'] / seed_epochs:.4f} | {med['load']:.1f} | "
              f"{'yes' if same else 'NO'} |")
    kinds = [k for k in next(iter(median.values())) if k.startswith("thr_")]
    print("\nCPU seconds per kind of thread, whole run (compilation included), all processes:\n")
    print("| layout | " + " | ".join(k[4:] for k in kinds) + " |")
    print("|---|" + "---:|" * len(kinds))
    for key, _, _, label in LAYOUTS:
        if key in median:
            print(f"| {label} | " + " | ".join(f"{median[key][k]:.2f}" for k in kinds) + " |")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="train into a run folder "
                        "(information.npz and a checkpoint after every chunk), as the CLI does")
    parser.add_argument("--xla-flags", default="", help="more XLA_FLAGS for both layouts")
    parser.add_argument("--devices", type=int, nargs="+", default=[2, 8, 32, 128])
    parser.add_argument("--cost-ms", type=float, help="only print the projection, from "
                        "this cost per seed-epoch per device (ms)")
    parser.add_argument("--layouts", nargs="+", default=["1", "2", "2pin"],
                        choices=[key for key, *_ in LAYOUTS], help="which layouts to run: 1 "
                        "process x 2 devices (the baseline), 2 processes x 1 device, the same "
                        "with each process pinned to a core of its own")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--pin", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--coordinator", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        seeds, epochs, dump, pid = args.child
        child(int(seeds), int(epochs), dump, args.coordinator, int(pid), args.out, args.pin)
        return
    if args.cost_ms:
        projection(args.cost_ms / 1e3, args.devices)
        return
    with tempfile.TemporaryDirectory() as tmp:
        times, same = measure(args, Path(tmp))
    seed_epochs = args.seeds * args.epochs
    writing = ", writing a run folder" if args.write else ""
    print(f"{args.seeds} seeds x {args.epochs} epochs{writing}, median of {args.repeats}, "
          "interleaved; load: the one-minute load average\n")
    median = table(times, same, seed_epochs)
    for key, _, _, label in LAYOUTS[1:]:
        if key in median and "1" in median:
            train, cpu = (median["1"][k] / median[key][k] for k in ("train_s", "cpu_s"))
            print(f"\n{label}: throughput relative to 1 process x 2 devices {train:.2f} "
                  f"(target: at least 0.85, {'met' if train >= 0.85 else 'NOT met'}); "
                  f"CPU seconds of the chunks relative to it {1 / cpu:.2f}")
    loads = [t["load"] for layout in times.values() for t in layout]
    if statistics.median(loads) > 0.5 * (os.cpu_count() or 1):
        print(f"the machine was busy (load {statistics.median(loads):.1f} on {os.cpu_count()} "
              "cores): the wall-time ratio then measures how the scheduler shares the cores "
              "among processes; compare the CPU seconds")
    if "2" in median:  # per device: 2 devices ran
        projection(2 * median["2"]["train_s"] / seed_epochs, args.devices)


def projection(sec_per_seed_epoch_device: float, devices: list[int]) -> None:
    """Projected training time of the full studies: every run's seeds split over N devices
    (ceil(seeds / N) per device), runs one after another; compilation and figures apart. A
    device's cost per seed falls somewhat with more seeds per device (they are batched), so
    the minutes for few devices are an upper bound."""
    print("\nprojected training time at --full (minutes), compilation and estimation apart, "
          f"at {1e3 * sec_per_seed_epoch_device:.3f} ms per seed-epoch per device\n")
    print("| study | runs x seeds x epochs | " + " | ".join(f"{n} devices" for n in devices)
          + " |")
    print("|---|---|" + "---:|" * len(devices))
    for name, runs, seeds, epochs in STUDIES:
        minutes = [runs * -(-seeds // n) * epochs * sec_per_seed_epoch_device / 60
                   for n in devices]
        print(f"| {name} | {runs} x {seeds} x {epochs} | "
              + " | ".join(f"{m:.1f}" for m in minutes) + " |")


if __name__ == "__main__":
    main()
