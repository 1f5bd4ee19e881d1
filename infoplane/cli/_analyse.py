"""The commands that read runs: ``plot``, ``plane``, ``animate``, and ``trust`` (the estimator
trust check)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .._errors import InfoplaneError
from ._plane import add_plane_parser
from ._run import add_progress_flag, parse_settings

if TYPE_CHECKING:
    from ..records import RunResult


def _cmd_plot(args) -> None:
    from ..plotting import run_figures
    from ..runs import read_run

    run = Path(args.run_dir)
    info = read_run(run)
    _warn_if_incomplete(run, info)
    out = Path(args.out) if args.out else (run if run.is_dir() else run.parent)
    paths = run_figures(info, out)
    print("wrote " + ", ".join(str(p) for p in paths))


def _warn_if_incomplete(run: Path, info: RunResult) -> None:
    """One warning line on stderr when a run is incomplete (interrupted, or still training):
    its information.npz says complete = False, or it holds fewer logged epochs than its
    config.json plans."""
    from ..runs import read_config

    planned = []
    if run.is_dir() and (run / "config.json").is_file():
        try:
            planned = list(read_config(run, "logged_epochs"))
        except (InfoplaneError, TypeError):  # recorded elsewhere: no plan to compare with
            planned = []
    epochs = info.plane.epochs
    done = len(epochs)
    if not (planned and done < len(planned)) and info.complete:
        return
    counts = f"{done} of {len(planned)}" if planned else f"{done}"
    last = int(epochs[-1]) if done else 0
    goal = f" of {planned[-1]}" if planned else ""
    go_on = (f"; continue the run with infoplane train --out {run} --resume" if planned
             else "")
    print(f"infoplane: warning: {run} is incomplete: {counts} logged epochs recorded (up to "
          f"epoch {last}{goal}); the figures show only those{go_on}", file=sys.stderr)


def _cmd_animate(args) -> None:
    from ..plotting import animate_run

    path = animate_run(args.run_dir, args.out, estimator=args.estimator)
    print(f"wrote {path}")


def _cmd_trust(args) -> None:
    from ..estimators.trust import format_trust_table, trust_check

    if args.plane:
        from ..plane import layer_check
        from ..runs import read_information

        plane = read_information(args.plane)
        if plane.I_TY_lower is None:
            raise InfoplaneError(f"{args.plane} carries no I(T;Y) bracket (I_TY_lower); "
                                 "re-estimate it with infoplane plane", usage=True)
        print(f"Your layers ({args.plane}): I(T;Y) against its bracket at every point\n")
        print(layer_check(plane)[1] + "\n")
    settings = parse_settings(args.set, "--set")
    method = None if args.estimator in (None, "default") else args.estimator
    try:
        table = trust_check(method, args.n, args.dx, args.dy, settings=settings or None,
                            seeds=tuple(range(args.seeds)), classes=args.classes)
    except InfoplaneError as err:  # its every input is a flag: a usage error
        err.usage = True
        raise
    print(format_trust_table(table))


def add_analysis_parsers(sub) -> None:
    """The ``plot``, ``plane``, ``animate`` and ``trust`` sub-commands."""
    p = sub.add_parser("plot", help="redraw a run's figures without retraining")
    p.add_argument("run_dir")
    p.add_argument("--out", help="where to write the figures (default: the run directory)")
    add_progress_flag(p)
    p.set_defaults(func=_cmd_plot)

    add_plane_parser(sub)

    p = sub.add_parser("animate", help="the information plane over the logged epochs, as a GIF")
    p.add_argument("run_dir")
    p.add_argument("--out", help="the file: .gif (pillow) or .mp4 (needs ffmpeg); default "
                   "RUN/plane.gif, or RUN/plane_<estimator>.gif with --estimator")
    p.add_argument("--estimator", help="animate information_<estimator>.npz (a plane made by "
                   "infoplane plane RUN --estimator NAME)")
    add_progress_flag(p)
    p.set_defaults(func=_cmd_animate)

    p = sub.add_parser("trust", help="run an estimator on ground-truth tasks of your sizes")
    p.add_argument("--estimator", default="default",
                   help="a mutual-information method, or 'default' (what method=None picks)")
    p.add_argument("--n", type=int, default=2000, help="samples")
    p.add_argument("--dx", type=int, default=1, help="dimension of X")
    p.add_argument("--dy", type=int, default=1, help="dimension of Y (1 with --classes)")
    p.add_argument("--classes", type=int, help="Y as class labels 0..K-1 (the I(T;Y) of a "
                   "layer): tasks of independent labels, Gaussian classes, bins of a latent, "
                   "and wide layers with nuisance dimensions, weak spread signal, "
                   "near-deterministic labels")
    p.add_argument("--seeds", type=int, default=3, help="draws of each task")
    p.add_argument("--plane", metavar="FILE", help="also check a plane's own points: an "
                   "information_<name>.npz whose I(T;Y) is compared with its bracket (the "
                   "probe bound and H(Y)) at every point")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="an estimator setting")
    add_progress_flag(p)
    p.set_defaults(func=_cmd_trust)
