"""Start-up of a recorder's writer process: from ``Recorder(..., writer="process")`` to the
process's "ready" (the wall time during which a thread of the recording process writes the
records' chunks and leaves their planes), and the CPU time of the process until it ends
(reaped children's user + system time).

A start method that imports the parent's ``__main__`` module in the child when it is a script
(multiprocessing's "spawn" and "forkserver") makes a training script's top-level imports the
writer's to load too. ``--main-imports torch`` imports those modules at the top of this script
to show that cost; ``python -c`` programs, notebooks and ``python -m`` modules have none.

    python benchmarks/bench_writer_start.py --repeats 9
    python benchmarks/bench_writer_start.py --repeats 9 --main-imports torch

Compare versions side by side by running it under each version's ``PYTHONPATH`` in turn.
"""

from __future__ import annotations

import argparse
import importlib
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Imported at the top, as a training script would: spawn's child imports them again.
for _name in filter(None, os.environ.get("BENCH_WRITER_MAIN_IMPORTS", "").split(",")):
    importlib.import_module(_name)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start_once(folder: Path) -> tuple[float, float]:
    """(seconds to ready, CPU seconds of the writer process) of one recorder."""
    import numpy as np

    from infoplane import Recorder

    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 12)).astype(np.float32)
    y = rng.integers(0, 2, 256)
    cpu = _children_cpu()
    start = time.perf_counter()
    rec = Recorder(folder, x, y, writer="process")
    assert rec._writer.wait_ready(60)
    ready = time.perf_counter() - start
    rec.record(0, {"hidden": np.tanh(x[:, :6])})
    rec.close()
    return ready, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--main-imports", default="",
                        help="comma-separated modules this script imports at its top")
    args = parser.parse_args()
    if args.main_imports and os.environ.get("BENCH_WRITER_MAIN_IMPORTS") != args.main_imports:
        os.environ["BENCH_WRITER_MAIN_IMPORTS"] = args.main_imports  # imported at the top
        os.execv(sys.executable, [sys.executable, *sys.argv])
    import infoplane

    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            times.append(start_once(Path(tmp) / f"run{i}"))
    ready, cpu = zip(*times, strict=True)
    print(f"| {Path(infoplane.__file__).parents[1]} | {args.main_imports or '-'} | "
          f"{statistics.median(ready) * 1000:.0f} ms | {statistics.median(cpu) * 1000:.0f} ms | "
          f"{args.repeats} |")


if __name__ == "__main__":
    main()
