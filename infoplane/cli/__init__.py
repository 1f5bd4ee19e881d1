"""The `infoplane` command: train, plot, plane, animate, reproduce, sweep,
trust. It parses, then calls the library.

Every failure ends with one line on stderr, ``infoplane: error: ...`` (never a traceback), and
an exit status: 2 for a command that cannot run as typed (``USAGE``), 130 when interrupted, 1
for every other error. ``train``, ``reproduce`` and ``sweep`` run over several processes with
``--coordinator HOST:PORT --num-processes N --process-id I`` (or ``--distributed auto`` under
SLURM or Open MPI).
"""

from __future__ import annotations

import argparse
import os
import sys

from .._errors import InfoplaneError
from ._analyse import add_analysis_parsers
from ._compilation_cache import use_compilation_cache
from ._run import _start_distributed, add_run_parsers, supervised, wants_distributed
from ._supervise import tell


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


EXIT_CODES = """exit status:
  0    done
  1    an error in a file or in the work: a missing, unreadable, truncated or corrupt file,
       a file of the wrong kind, a run that failed
  2    the command cannot run as typed: an unknown command or flag, a bad flag value, flags
       that contradict each other or the output folder (e.g. --out exists without --resume
       or --overwrite)
  130  interrupted (Ctrl-C); a run keeps what it recorded: continue it with --resume
Every error is one line on stderr, "infoplane: error: ...". INFOPLANE_DEBUG=1 shows the
traceback of an unexpected error."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line, like every other error."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``infoplane`` command's parser, one sub-command per task."""
    parser = _Parser(
        prog="infoplane",
        description="Train networks while recording their information plane; estimate "
        "entropy and mutual information in bits; reproduce the information-bottleneck papers.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add_run_parsers(sub)
    add_analysis_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command ``argv`` (default: the process's arguments); return the exit status:
    0, 1 after an error in a file or the work, 2 after a command that cannot run as typed,
    130 when interrupted; every error is one line on stderr."""
    use_all_cpu_cores()
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help (0) or a usage error, already printed (2)
        return stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    except KeyboardInterrupt:
        return _stop(False, 130, "infoplane: interrupted")
    if argv is None and not wants_distributed(args):  # the command line itself
        use_compilation_cache()
    distributed = False
    try:
        code = supervised(args, sys.argv[1:] if argv is None else list(argv))
        if code is not None:
            return code
        distributed = _start_distributed(args)
        args.func(args)
    except InfoplaneError as err:
        code = exit_code(err)
        words = "" if code == 130 else "error: "
        return _stop(distributed, code, f"infoplane: {words}{one_line(err.cli or str(err))}")
    except KeyboardInterrupt:
        return _stop(distributed, 130, "infoplane: interrupted")
    except OSError as err:  # disk full, permission denied, ...: the system's own words
        return _stop(distributed, 1, f"infoplane: error: {one_line(str(err))}")
    except Exception as err:
        if os.environ.get("INFOPLANE_DEBUG"):
            raise
        return _stop(distributed, 1, f"infoplane: error: unexpected {type(err).__name__}: "
                     f"{one_line(str(err))} (a bug: please report it with the traceback that "
                     "INFOPLANE_DEBUG=1 shows)")
    return 0


def exit_code(err: InfoplaneError) -> int:
    """130 for an error raised by an interrupt (a run that saved its work), 2 for a usage
    error (``err.usage``; when not said, that of the error it was raised while handling),
    else 1."""
    chain = [err]
    while chain[-1].__context__ is not None and len(chain) < 20:
        chain.append(chain[-1].__context__)
    if any(isinstance(e, KeyboardInterrupt) for e in chain):
        return 130
    said = [e.usage for e in chain if isinstance(e, InfoplaneError) and e.usage is not None]
    return 2 if said and said[0] else 1


def one_line(message: str) -> str:
    """``message`` on one line: its lines joined with "; "."""
    return "; ".join(line.strip() for line in message.splitlines() if line.strip())


def _stop(distributed: bool, code: int, message: str) -> int:
    """Print ``message``; in a distributed run, end the process at once: JAX's shutdown would
    otherwise wait for the other processes, which may be gone, and then abort."""
    print(message, file=sys.stderr, flush=True)
    tell("said")  # to the parent of a distributed run's process (``_supervise``)
    if distributed:
        sys.stdout.flush()
        os._exit(code)
    return code
