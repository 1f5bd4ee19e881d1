"""The `infoplane` command: train, plot, plane, reproduce, sweep. It parses, then calls the
library.

Bad input ends with one line, ``infoplane: error: ...``, and exit status 2. ``train``,
``reproduce`` and ``sweep`` run over several processes with ``--coordinator HOST:PORT
--num-processes N --process-id I`` (or ``--distributed auto`` under SLURM or Open MPI).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ._errors import InfoplaneError


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


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


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
                   help="override any configuration field, e.g. --set hidden=[10,7,5]")
    p.add_argument("--out", help="output (run) directory")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _add_distributed_options(p)


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


def _start_distributed(args) -> bool:
    """Join a distributed run when asked to; True if this is one."""
    flags = (getattr(args, "coordinator", None), getattr(args, "num_processes", None),
             getattr(args, "process_id", None))
    auto = getattr(args, "distributed", None) == "auto"
    if not auto and all(v is None for v in flags):
        return False
    from .training import distributed

    timing = {k: v for k, v in (("timeout", args.connect_timeout),
                                ("heartbeat", args.heartbeat)) if v is not None}
    distributed.initialize(*flags, auto=auto, **timing)
    return True


def _overrides(args) -> dict:
    """The RunConfig field changes the user asked for: the named options, then ``--set``."""
    changes = {k: getattr(args, k) for k in
               ("seeds", "epochs", "model", "activation", "optimiser", "learning_rate",
                "batch_size", "schedule") if getattr(args, k, None) is not None}
    for item in args.set:
        if "=" not in item:
            raise InfoplaneError(f"--set takes FIELD=VALUE, got {item!r}")
        field, value = item.split("=", 1)
        value = _parse_value(value)
        changes[field.strip()] = tuple(value) if isinstance(value, list) else value
    return changes


def _base_config(args):
    from .training import RunConfig, preset

    config = RunConfig.from_json(args.config) if args.config else preset(args.preset)
    return config.replace(**_overrides(args))


def _cmd_train(args) -> None:
    from .plotting import run_figures
    from .training import distributed, train

    config = _base_config(args)
    out = Path(args.out or f"runs/{args.preset if not args.config else Path(args.config).stem}")
    info = train(config, out, resume=args.resume, overwrite=args.overwrite,
                 progress=not args.no_progress)
    if distributed.is_writer():
        paths = run_figures(info, out)
        print(f"wrote {out / 'information.npz'} and {', '.join(p.name for p in paths)}")


def _cmd_sweep(args) -> None:
    from .sweeps import parse_grid, sweep
    from .training import distributed

    if not args.grid:
        raise InfoplaneError("sweep needs at least one --grid FIELD=V1,V2,...")
    if not args.out:
        raise InfoplaneError("sweep needs --out DIR, the folder of its runs and summary")
    sweep(_base_config(args), parse_grid(args.grid), args.out, resume=args.resume,
          overwrite=args.overwrite, progress=not args.no_progress)
    if distributed.is_writer():
        print(f"wrote {Path(args.out) / 'summary.csv'}, summary.json and overview.png")


def _cmd_plot(args) -> None:
    from .plotting import run_figures
    from .runs import read_information

    run = Path(args.run_dir)
    info = read_information(run)
    out = Path(args.out) if args.out else (run if run.is_dir() else run.parent)
    paths = run_figures(info, out)
    print("wrote " + ", ".join(str(p) for p in paths))


def _plane_settings(args) -> dict:
    settings = {}
    for item in args.set:
        key, _, value = item.partition("=")
        settings[key] = _parse_value(value)
    for name in ("noise_var", "n_bins", "k", "anchors"):
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    return settings


def _labels(args):
    """The labels of an .npz source: from an .npz file's ``--labels-key``, or a text file."""
    import numpy as np

    from .data.datasets import _labels_from
    from .runs import read_npz

    if not args.labels:
        return None
    if args.labels.endswith(".npz"):
        return read_npz(args.labels)[args.labels_key]
    return _labels_from(np.loadtxt(args.labels), args.labels)


def _cmd_plane(args) -> None:
    from .plane import plane_from_npz, plane_from_run
    from .plotting import run_figures
    from .runs import write_npz

    settings = _plane_settings(args)
    source = Path(args.source)
    name = args.name or f"information_{args.estimator}"
    if source.is_dir():
        result = plane_from_run(source, method=args.estimator, out_name=name,
                                progress=True, **settings)
        out = source
    else:
        result = plane_from_npz(source, _labels(args), method=args.estimator, progress=True,
                                **settings)
        out = Path(args.out or source.with_suffix(""))
        out.mkdir(parents=True, exist_ok=True)
        write_npz(out / f"{name}.npz", **{k: v for k, v in result.items()
                                         if not isinstance(v, (dict, str))})
    paths = run_figures(result, out, prefix=name.removeprefix("information_") + "_",
                        transition=False)
    print(f"wrote {out / (name + '.npz')} and {', '.join(p.name for p in paths)}")


def _scale(args) -> str:
    if args.quick and args.full:
        raise InfoplaneError("choose either --quick or --full, not both")
    return "quick" if args.quick else "full" if args.full else "default"


def _cmd_reproduce(args) -> None:
    from .studies import run_study

    run_study(args.study, _overrides(args), args.out, scale=_scale(args), resume=args.resume,
              overwrite=args.overwrite, progress=not args.no_progress)


def _add_plane_parser(sub) -> None:
    p = sub.add_parser("plane", help="recompute an information plane with another estimator")
    p.add_argument("source", help="a run directory with recorded activations, or an .npz file "
                   "with one [epoch, n, units] array per layer")
    p.add_argument("--estimator", default="binning",
                   help="binning, kde_upper, kde_lower, knn_mixed, ...")
    p.add_argument("--noise-var", type=float, help="KDE noise variance")
    p.add_argument("--n-bins", type=int, help="number of bins")
    p.add_argument("--k", type=int, help="neighbours for kNN estimators")
    p.add_argument("--anchors", type=int, help="KDE: average over this many random rows "
                   "instead of all n (cost anchors/n; standard errors are written too)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="any other estimator setting")
    p.add_argument("--labels", help="labels for an .npz source (.npz or text file)")
    p.add_argument("--labels-key", default="labels")
    p.add_argument("--name", help="output name (default information_<estimator>)")
    p.add_argument("--out", help="output directory for an .npz source")
    p.set_defaults(func=_cmd_plane)


def build_parser() -> argparse.ArgumentParser:
    from .studies import STUDIES

    parser = argparse.ArgumentParser(
        prog="infoplane",
        description="Train networks while recording their information plane; estimate "
        "entropy and mutual information in bits; reproduce the information-bottleneck papers.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train networks from a preset or a JSON config")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--preset", default="tishby2017", help="tishby2017, saxe2018 or tiny")
    src.add_argument("--config", help="a JSON configuration file (a run's config.json works)")
    _add_run_options(p)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("plot", help="redraw a run's figures without retraining")
    p.add_argument("run_dir")
    p.add_argument("--out", help="where to write the figures (default: the run directory)")
    p.set_defaults(func=_cmd_plot)

    _add_plane_parser(sub)

    p = sub.add_parser("reproduce", help="reproduce a published result")
    p.add_argument("study", help=", ".join(sorted(STUDIES)))
    p.add_argument("--full", action="store_true", help="the paper's full protocol")
    p.add_argument("--quick", action="store_true", help="a seconds-long smoke setting")
    _add_run_options(p)
    p.set_defaults(func=_cmd_reproduce)

    p = sub.add_parser("sweep", help="one run per point of a grid of settings, and a summary")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--preset", default="tishby2017", help="tishby2017, saxe2018 or tiny")
    src.add_argument("--config", help="a JSON configuration file")
    p.add_argument("--grid", action="append", default=[], metavar="FIELD=V1,V2,...",
                   help="values of one configuration field; repeat for more fields, e.g. "
                   "--grid activation=tanh,relu --grid learning_rate=4e-4,1e-3")
    _add_run_options(p)
    p.set_defaults(func=_cmd_sweep)
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


if __name__ == "__main__":
    sys.exit(main())
