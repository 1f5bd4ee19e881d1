"""Training speed of the full IDNNs protocol, information measurement included.

12-10-7-5-4-3-2 tanh, Adam 4e-4, batch 512, 274 logged epochs of 8000, binned I(X;T) and
I(T;Y) of every layer on all 4096 inputs at every logged epoch. Each row runs in a fresh
process (so peak memory is its own) and prints milliseconds per seed-epoch with compilation
reported apart, and the CPU seconds of the whole run (every thread), the steadier figure on a
shared machine.

    python benchmarks/bench_train.py                  # 1, 10 and 50 seeds, 8000 epochs
    python benchmarks/bench_train.py --seeds 1 10 --epochs 2000 --devices 1 2
    python benchmarks/bench_train.py --seeds 50 --trees /tmp/before . --repeats 3   # side by side
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys


def child(seeds: int, epochs: int) -> None:
    import resource
    import time

    import jax

    from infoplane.training.config import preset
    from infoplane.training.loop import train

    config = preset("tishby2017").replace(seeds=seeds, epochs=epochs)
    t0, c0 = time.perf_counter(), time.process_time()
    info = train(config, None, progress=False)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "seeds": seeds, "epochs": epochs, "devices": len(jax.devices()),
        "logged": int(info.plane.epochs.size),
        "compile_s": float(info.compile_seconds), "train_s": float(info.train_seconds),
        "wall_s": wall, "cpu_s": cpu, "peak_mb": peak_mb,
        "ms_per_seed_epoch": 1e3 * float(info.train_seconds) / (seeds * epochs),
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--epochs", type=int, default=8000)
    parser.add_argument("--devices", type=int, nargs="+", default=[os.cpu_count() or 1],
                        help="numbers of XLA host devices to compare (default: one per core)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per row; median reported")
    parser.add_argument("--trees", nargs="+", default=[None],
                        help="source trees to compare (each put first on PYTHONPATH), their "
                             "runs in turn, the median of each printed")
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    print("| tree | devices | seeds | epochs | logged | compile (s) | train (s) "
          "| ms / seed-epoch | CPU of the run (s) | peak memory (MB) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n_dev in args.devices:
        for seeds in args.seeds:
            rows: dict = {tree: [] for tree in args.trees}
            for _ in range(args.repeats):  # the trees in turn, so that load hits them alike
                for tree in args.trees:
                    rows[tree].append(_run(tree, n_dev, seeds, args.epochs))
            for tree, runs in rows.items():
                runs.sort(key=lambda r: r["ms_per_seed_epoch"])
                r = runs[len(runs) // 2]
                print(f"| {tree or '.'} | {r['devices']} | {seeds} | {r['epochs']} | "
                      f"{r['logged']} | {r['compile_s']:.1f} | {r['train_s']:.1f} | "
                      f"{r['ms_per_seed_epoch']:.3f} | {r['cpu_s']:.1f} | {r['peak_mb']:.0f} |",
                      flush=True)


def _run(tree: str | None, n_dev: int, seeds: int, epochs: int) -> dict:
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={n_dev}")
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(tree),
                                             *filter(None, [env.get("PYTHONPATH")])])
    out = subprocess.run([sys.executable, __file__, "--child", str(seeds), str(epochs)],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
