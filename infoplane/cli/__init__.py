"""The `infoplane` command: train, plot, plane, animate, reproduce, sweep,
trust. It parses, then calls the
library.

Bad input ends with one line, ``infoplane: error: ...``, and exit status 2. ``train``,
``reproduce`` and ``sweep`` run over several processes with ``--coordinator HOST:PORT
--num-processes N --process-id I`` (or ``--distributed auto`` under SLURM or Open MPI).
"""

from __future__ import annotations

import argparse
import os
import sys

from .._errors import InfoplaneError
from ._analyse import add_analysis_parsers
from ._run import _start_distributed, add_run_parsers


def use_all_cpu_cores() -> None:
    """Expose every CPU core as its own JAX device, unless the user set XLA_FLAGS already.

    XLA runs one program per device, so two host devices let two seed groups train at once on
    two cores. It must run before JAX initialises its backends; on a GPU machine it only adds
    host devices, and the default backend stays the GPU.
    """
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" not in flags:
        n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={n or 1}".strip()


def build_parser() -> argparse.ArgumentParser:
    """The ``infoplane`` command's parser, one sub-command per task."""
    parser = argparse.ArgumentParser(
        prog="infoplane",
        description="Train networks while recording their information plane; estimate "
        "entropy and mutual information in bits; reproduce the information-bottleneck papers.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add_run_parsers(sub)
    add_analysis_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command ``argv`` (default: the process's arguments); return the exit status: 0,
    2 after bad input (one line on stderr), 130 when interrupted."""
    use_all_cpu_cores()
    parser = build_parser()
    args = parser.parse_args(argv)
    distributed = False
    try:
        distributed = _start_distributed(args)
        args.func(args)
    except InfoplaneError as err:
        return _stop(distributed, 2, f"infoplane: error: {err}")
    except KeyboardInterrupt:
        return _stop(distributed, 130, "infoplane: interrupted")
    return 0


def _stop(distributed: bool, code: int, message: str) -> int:
    """Print ``message``; in a distributed run, end the process at once: JAX's shutdown would
    otherwise wait for the other processes, which may be gone, and then abort."""
    print(message, file=sys.stderr, flush=True)
    if distributed:
        sys.stdout.flush()
        os._exit(code)
    return code
