"""Training speed of the full IDNNs protocol, information measurement included.

12-10-7-5-4-3-2 tanh, Adam 4e-4, batch 512, 274 logged epochs of 8000, binned I(X;T) and
I(T;Y) of every layer on all 4096 inputs at every logged epoch. Each row runs in a fresh
process (so peak memory is its own) and prints milliseconds per seed-epoch with compilation
reported apart.

    python benchmarks/bench_train.py                  # 1, 10 and 50 seeds, 8000 epochs
    python benchmarks/bench_train.py --seeds 1 10 --epochs 2000 --devices 1 2
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
    t0 = time.perf_counter()
    info = train(config, None, progress=False)
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "seeds": seeds, "epochs": epochs, "devices": len(jax.devices()),
        "logged": int(info.plane.epochs.size),
        "compile_s": float(info.compile_seconds), "train_s": float(info.train_seconds),
        "wall_s": wall, "peak_mb": peak_mb,
        "ms_per_seed_epoch": 1e3 * float(info.train_seconds) / (seeds * epochs),
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--epochs", type=int, default=8000)
    parser.add_argument("--devices", type=int, nargs="+", default=[os.cpu_count() or 1],
                        help="numbers of XLA host devices to compare (default: one per core)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per row; median reported")
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    print("| devices | seeds | epochs | logged | compile (s) | train (s) | ms / seed-epoch "
          "| peak memory (MB) |")
    print("|---|---|---|---|---|---|---|---|")
    for n_dev in args.devices:
        env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={n_dev}")
        for seeds in args.seeds:
            rows = []
            for _ in range(args.repeats):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", str(seeds), str(args.epochs)],
                    env=env, capture_output=True, text=True, check=True,
                )
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            rows.sort(key=lambda r: r["ms_per_seed_epoch"])
            r = rows[len(rows) // 2]
            print(f"| {r['devices']} | {seeds} | {r['epochs']} | {r['logged']} | "
                  f"{r['compile_s']:.1f} | {r['train_s']:.1f} | {r['ms_per_seed_epoch']:.3f} | "
                  f"{r['peak_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
