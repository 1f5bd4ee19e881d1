"""The commands that train: ``train``, ``reproduce`` and ``sweep``, with their run options and
the flags that join a distributed run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .._errors import InfoplaneError

_CLOSERS = {"[": ("]", "list"), "{": ("}", "object"), '"': ('"', "string")}


def parse_value(text: str, where: str):
    """A flag's value as JSON (a number, a list, true/false, null), else as the plain string.

    A value that starts like a JSON list, object or string but does not parse is an error
    naming ``where`` (e.g. "--set hidden=[10,7"): a list that is not closed, or bad JSON.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        start = text.strip()[:1]
        if start not in _CLOSERS:
            return text
        closer, kind = _CLOSERS[start]
        if not text.strip().endswith(closer) or len(text.strip()) == 1:
            problem = (f"the {kind} is not closed (no {closer!r} at its end); quote the whole "
                       "value for the shell, e.g. --set 'hidden=[10, 7, 5]'")
        else:
            problem = f"not valid JSON ({err.msg} at character {err.pos})"
        raise InfoplaneError(f"{where}: {problem}", usage=True) from None


def parse_settings(items: list[str], flag: str, name: str = "NAME") -> dict:
    """``NAME=VALUE`` items of a repeated flag (``--set``) as a dict of parsed values."""
    settings = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InfoplaneError(f"{flag} takes {name}=VALUE, got {item!r}", usage=True)
        settings[key.strip()] = parse_value(value, f"{flag} {item}")
    return settings


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seeds", type=int, help="number of networks trained at once")
    p.add_argument("--epochs", type=int, help="training epochs")
    p.add_argument("--model", help="the built-in network: mlp, cnn1d or cnn2d")
    p.add_argument("--activation", help="tanh, relu, sigmoid, softsign, softplus or linear")
    p.add_argument("--optimiser", "--optimizer", dest="optimiser", help="adam, sgd or momentum")
    p.add_argument("--learning-rate", "--lr", dest="learning_rate", type=float)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--schedule", help="logged epochs: idnns, saxe, every, log or list")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="override any configuration field, e.g. --set 'hidden=[10,7,5]' "
                   "(values are JSON; quote lists for the shell)")
    p.add_argument("--out", help="output (run) directory")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    add_progress_flag(p)
    _add_distributed_options(p)


def add_progress_flag(p: argparse.ArgumentParser) -> None:
    """--no-progress, which every command takes (those that show no progress bar ignore it)."""
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def _add_distributed_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("distributed run (every process runs the same command)")
    g.add_argument("--coordinator", metavar="HOST:PORT",
                   help="address of process 0, where it listens for the others")
    g.add_argument("--num-processes", type=int, metavar="N", help="number of processes")
    g.add_argument("--process-id", type=int, metavar="I", help="this process, 0..N-1")
    g.add_argument("--distributed", choices=["auto"],
                   help="auto: detect the three above (SLURM, Open MPI, TPU pods)")
    g.add_argument("--connect-timeout", type=int, default=None, metavar="S",
                   help="seconds to wait for every process to connect (default 60)")
    g.add_argument("--heartbeat", type=int, default=None, metavar="S",
                   help="seconds after which a silent process counts as dead (default 10)")
    g.add_argument("--cores", metavar="LIST", default=None,
                   help="bind this process to these cores, with one CPU device per core, "
                        "e.g. 0-15 (several processes on one host: give each its own)")


def _distributed_flags(args) -> tuple[tuple, bool]:
    """(coordinator, num_processes, process_id) and whether ``--distributed auto`` was given."""
    flags = (getattr(args, "coordinator", None), getattr(args, "num_processes", None),
             getattr(args, "process_id", None))
    return flags, getattr(args, "distributed", None) == "auto"


def wants_distributed(args) -> bool:
    """Whether the command's flags ask to join a distributed run."""
    flags, auto = _distributed_flags(args)
    return auto or any(v is not None for v in flags)


def _timing(args) -> dict:
    return {k: v for k, v in (("timeout", getattr(args, "connect_timeout", None)),
                              ("heartbeat", getattr(args, "heartbeat", None)),
                              ("cores", getattr(args, "cores", None))) if v is not None}


def supervised(args, argv: list[str]) -> int | None:
    """For a distributed run started from the command line: run it in a child process whose
    death is said in one line (``_supervise``), and return its exit status; None when this is
    not a distributed run, or is that child. The flags are checked here first, so that a usage
    error is said at once."""
    from . import _supervise

    flags, auto = _distributed_flags(args)
    if _supervise.in_child():
        _supervise.adopt()
        return None
    if not wants_distributed(args):
        return None
    from ..training import distributed

    timing = _timing(args)
    try:
        distributed.check_before_joining(*flags, auto=auto,
                                         timeout=timing.get("timeout", distributed.CONNECT_TIMEOUT),
                                         cores=timing.get("cores"))
    except InfoplaneError as err:  # the flags do not make a run here: a usage error
        err.usage = True
        raise
    return _supervise.supervise(
        argv, coordinator=flags[0], num_processes=flags[1], process_id=flags[2],
        timeout=timing.get("timeout", distributed.CONNECT_TIMEOUT))


def _start_distributed(args) -> bool:
    """Join a distributed run when asked to; True if this is one. Without one, ``--cores``
    binds this process alone (and gives it one CPU device per core)."""
    flags, auto = _distributed_flags(args)
    if not wants_distributed(args):
        if getattr(args, "cores", None) is not None:
            from ..training._pinning import use_cores

            use_cores(args.cores)
        return False
    from ..training import distributed
    from . import _supervise

    try:
        distributed.initialize(*flags, auto=auto, **_timing(args))
    except InfoplaneError as err:  # the flags do not make a run here: a usage error
        err.usage = True
        raise
    _supervise.tell("joined")
    return True


def _overrides(args) -> dict:
    """The RunConfig field changes the user asked for: the named options, then ``--set``."""
    changes = {k: getattr(args, k) for k in
               ("seeds", "epochs", "model", "activation", "optimiser", "learning_rate",
                "batch_size", "schedule") if getattr(args, k, None) is not None}
    for field, value in parse_settings(args.set, "--set", "FIELD").items():
        changes[field] = tuple(value) if isinstance(value, list) else value
    return changes


def _base_config(args):
    from ..training import RunConfig, preset

    own = Path(args.out or "") / "config.json"
    changes = _overrides(args)
    if args.config or (args.preset is None and args.resume and args.out and own.is_file()):
        # --config FILE, or --resume alone: the run's own configuration. A bad file is not a
        # usage error (exit 1), and the message names the file.
        path = Path(args.config or own)
        try:
            config = RunConfig.from_json(path).validate()
        except InfoplaneError as err:
            message = str(err) if str(path) in str(err) else f"{path}: {err}"
            raise InfoplaneError(message, usage=False) from None
    else:
        config = preset(args.preset or "tishby2017")
    return config.replace(**changes).validate()


def _cmd_train(args) -> None:
    from ..plotting import run_figures
    from ..training import distributed, train

    config = _base_config(args)
    name = Path(args.config).stem if args.config else args.preset or "tishby2017"
    out = Path(args.out or f"runs/{name}")
    info = train(config, out, resume=args.resume, overwrite=args.overwrite,
                 progress=not args.no_progress)
    if distributed.is_writer():
        paths = run_figures(info, out)
        print(f"wrote {out / 'information.npz'} and {', '.join(p.name for p in paths)}")


def _cmd_sweep(args) -> None:
    from ..sweeps import parse_grid, sweep
    from ..training import distributed

    if not args.grid:
        raise InfoplaneError("sweep needs at least one --grid FIELD=V1,V2,...", usage=True)
    if not args.out:
        raise InfoplaneError("sweep needs --out DIR, the folder of its runs and summary",
                             usage=True)
    try:
        grid = parse_grid(args.grid)
    except InfoplaneError as err:  # the grid is typed on the command line
        err.usage = True
        raise
    sweep(_base_config(args), grid, args.out, resume=args.resume,
          overwrite=args.overwrite, progress=not args.no_progress)
    if distributed.is_writer():
        print(f"wrote {Path(args.out) / 'summary.csv'}, summary.json and overview.png")


def _scale(args) -> str:
    if args.quick and args.full:
        raise InfoplaneError("choose either --quick or --full, not both", usage=True)
    return "quick" if args.quick else "full" if args.full else "default"


def _cmd_reproduce(args) -> None:
    from ..studies import run_study

    if args.list:
        if args.study:
            raise InfoplaneError("--list lists every study: give it no study name", usage=True)
        print_studies()
        return
    if not args.study:
        raise InfoplaneError("reproduce needs a study; infoplane reproduce --list lists them",
                             usage=True)
    run_study(args.study, _overrides(args), args.out, scale=_scale(args), resume=args.resume,
              overwrite=args.overwrite, progress=not args.no_progress)


def print_studies() -> None:
    """One line per registered study: its name, what it asks and its docs page."""
    from ..studies import studies

    registry = studies()
    width = max(map(len, registry))
    for name, s in registry.items():
        print(f"{name:<{width}}  {s.title} (docs/{s.docs})")


def _add_config_source(p: argparse.ArgumentParser, resume_note: str) -> None:
    """--preset or --config: where the base configuration comes from."""
    src = p.add_mutually_exclusive_group()
    src.add_argument("--preset", help=f"a preset (default tishby2017{resume_note}): tishby2017, "
                     "saxe2018, mnist1d_cnn, mnist1d_mlp, digits_cnn or tiny")
    src.add_argument("--config", help="a JSON configuration file (a run's config.json works)")


def add_run_parsers(sub) -> None:
    """The ``train``, ``reproduce`` and ``sweep`` sub-commands."""
    from ..studies import names

    p = sub.add_parser("train", help="train networks from a preset or a JSON config")
    _add_config_source(p, "; with --resume and neither, the run's own config.json")
    _add_run_options(p)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("reproduce", help="reproduce a published result")
    p.add_argument("study", nargs="?", help=", ".join(names()))
    p.add_argument("--list", action="store_true", help="list the studies, what each asks and "
                   "its docs page")
    p.add_argument("--full", action="store_true", help="the paper's full protocol")
    p.add_argument("--quick", action="store_true", help="a smoke test: the same code at small "
                   "sizes, whose verdicts are not findings")
    _add_run_options(p)
    p.set_defaults(func=_cmd_reproduce)

    p = sub.add_parser("sweep", help="one run per point of a grid of settings, and a summary")
    _add_config_source(p, "")
    p.add_argument("--grid", action="append", default=[], metavar="FIELD=V1,V2,...",
                   help="values of one configuration field; repeat for more fields, e.g. "
                   "--grid activation=tanh,relu --grid learning_rate=4e-4,1e-3")
    _add_run_options(p)
    p.set_defaults(func=_cmd_sweep)
