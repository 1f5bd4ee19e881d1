"""The commands that read runs: ``plot``, ``plane``, ``animate``, and ``trust`` (the estimator
trust check)."""

from __future__ import annotations

from pathlib import Path

from .._errors import InfoplaneError
from ._run import _parse_value


def _cmd_plot(args) -> None:
    from ..plotting import run_figures
    from ..runs import read_information

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

    from ..data.datasets import _labels_from
    from ..runs import read_npz

    if not args.labels:
        return None
    if args.labels.endswith(".npz"):
        return read_npz(args.labels)[args.labels_key]
    return _labels_from(np.loadtxt(args.labels), args.labels)


def _cmd_plane(args) -> None:
    from ..plane import plane_from_npz, plane_from_run
    from ..plotting import run_figures
    from ..runs import write_npz

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


def _cmd_animate(args) -> None:
    from ..plotting import animate_run

    path = animate_run(args.run_dir, args.out, estimator=args.estimator)
    print(f"wrote {path}")


def _cmd_trust(args) -> None:
    from ..estimators.trust import format_trust_table, trust_check

    settings = {}
    for item in args.set:
        if "=" not in item:
            raise InfoplaneError(f"--set takes NAME=VALUE, got {item!r}")
        key, _, value = item.partition("=")
        settings[key.strip()] = _parse_value(value)
    method = None if args.estimator in (None, "default") else args.estimator
    table = trust_check(method, args.n, args.dx, args.dy, settings=settings or None,
                        seeds=tuple(range(args.seeds)))
    print(format_trust_table(table))


def add_analysis_parsers(sub) -> None:
    """The ``plot``, ``plane``, ``animate`` and ``trust`` sub-commands."""
    p = sub.add_parser("plot", help="redraw a run's figures without retraining")
    p.add_argument("run_dir")
    p.add_argument("--out", help="where to write the figures (default: the run directory)")
    p.set_defaults(func=_cmd_plot)

    _add_plane_parser(sub)

    p = sub.add_parser("animate", help="the information plane over the logged epochs, as a GIF")
    p.add_argument("run_dir")
    p.add_argument("--out", help="the file: .gif (pillow) or .mp4 (needs ffmpeg); default "
                   "RUN/information_plane.gif")
    p.add_argument("--estimator", help="animate information_<estimator>.npz (a plane made by "
                   "infoplane plane RUN --estimator NAME)")
    p.set_defaults(func=_cmd_animate)

    p = sub.add_parser("trust", help="run an estimator on ground-truth tasks of your sizes")
    p.add_argument("--estimator", default="default",
                   help="a mutual-information method, or 'default' (what method=None picks)")
    p.add_argument("--n", type=int, default=2000, help="samples")
    p.add_argument("--dx", type=int, default=1, help="dimension of X")
    p.add_argument("--dy", type=int, default=1, help="dimension of Y")
    p.add_argument("--seeds", type=int, default=3, help="draws of each task")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="an estimator setting")
    p.set_defaults(func=_cmd_trust)
