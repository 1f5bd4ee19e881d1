"""Two processes x one device against one process x two devices, on the same seeds.

The tishby2017 network (12-10-7-5-4-3-2 tanh, Adam, batch 512, binned plane of every layer at
every logged epoch). Each repeat runs both layouts one after the other (interleaved, since the
machine may be shared), each in fresh processes; the table gives the median training time
(compilation apart), milliseconds per seed-epoch and whether the two layouts gave the same
I(X;T) array for array. Then the projected wall time of the paper-scale studies on N devices,
from the measured cost per seed-epoch per device.

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
from pathlib import Path

# Paper-scale studies at --full: (name, runs, seeds, epochs), from infoplane/studies/*.py.
STUDIES = [("tishby2017", 1, 50, 8000), ("saxe2018_activations", 4, 50, 10000),
           ("initialisation", 8, 20, 8000), ("regularisation", 4, 20, 8000),
           ("generalisation", 2, 50, 10000)]


def child(seeds: int, epochs: int, dump: str, coordinator: str | None, pid: int) -> None:
    if coordinator:
        from infoplane.training import distributed

        distributed.initialize(coordinator, 2, pid)
    import jax
    import numpy as np

    from infoplane.training import preset, train

    info = train(preset("tishby2017").replace(seeds=seeds, epochs=epochs), None,
                 progress=False)
    if jax.process_index() == 0:
        np.save(dump, info["I_XT"])
        print(json.dumps({"compile_s": float(info["compile_seconds"]),
                          "train_s": float(info["train_seconds"])}), flush=True)


def run_layout(processes: int, seeds: int, epochs: int, dump: Path) -> dict:
    """One run in ``processes`` processes (2 devices in all); process 0's timings."""
    env = dict(os.environ, JAX_PLATFORMS="cpu",
               XLA_FLAGS=f"--xla_force_host_platform_device_count={2 // processes}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = []
    for pid in range(processes):
        cmd = [sys.executable, __file__, "--child", str(seeds), str(epochs), str(dump),
               str(pid)] + (["--coordinator", f"127.0.0.1:{port}"] if processes > 1 else [])
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=3600)[0] for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit(f"a {processes}-process run failed")
    return json.loads(next(line for line in outputs[0].splitlines() if line.startswith("{")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--devices", type=int, nargs="+", default=[2, 8, 32, 128])
    parser.add_argument("--cost-ms", type=float, help="only print the projection, from "
                        "this cost per seed-epoch per device (ms)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--coordinator", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        seeds, epochs, dump, pid = args.child
        child(int(seeds), int(epochs), dump, args.coordinator, int(pid))
        return
    if args.cost_ms:
        projection(args.cost_ms / 1e3, args.devices)
        return
    import numpy as np

    times: dict[int, list[dict]] = {1: [], 2: []}
    same = True
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            for processes in (1, 2):  # interleaved: both layouts see the same machine load
                dump = Path(tmp) / f"ixt_{processes}.npy"
                times[processes].append(run_layout(processes, args.seeds, args.epochs, dump))
                print(f"repeat {r + 1}, {processes} process(es): {times[processes][-1]}",
                      file=sys.stderr)
            same &= bool(np.array_equal(np.load(Path(tmp) / "ixt_1.npy"),
                                        np.load(Path(tmp) / "ixt_2.npy")))
    seed_epochs = args.seeds * args.epochs
    print(f"{args.seeds} seeds x {args.epochs} epochs, median of {args.repeats}, interleaved\n")
    print("| layout | compile (s) | train (s) | ms / seed-epoch | I(X;T) identical |")
    print("|---|---:|---:|---:|---|")
    median = {}
    for processes, label in ((1, "1 process x 2 devices"), (2, "2 processes x 1 device")):
        comp = statistics.median(t["compile_s"] for t in times[processes])
        median[processes] = statistics.median(t["train_s"] for t in times[processes])
        print(f"| {label} | {comp:.1f} | {median[processes]:.1f} | "
              f"{1e3 * median[processes] / seed_epochs:.4f} | {'yes' if same else 'NO'} |")
    ratio = median[1] / median[2]
    print(f"\nthroughput of 2 processes relative to 1 process: {ratio:.2f} "
          f"({'within' if abs(ratio - 1) <= 0.15 else 'NOT within'} 15%)")
    projection(2 * median[2] / seed_epochs, args.devices)  # per device: 2 devices ran


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
