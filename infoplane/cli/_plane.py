"""``infoplane plane SOURCE``: the information plane re-estimated from recorded activations,
from a run folder (``plane_from_run``, which writes into the folder) or from a user's own files
(``data.read_activations``, ``read_labels``, ``read_inputs``), whose plane is written here with
the method, every setting used (defaults included), the data source and the versions."""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from .._errors import InfoplaneError
from ..plane import PLANE_METHODS
from ._run import add_progress_flag, parse_settings


def _usage(message: str) -> InfoplaneError:
    return InfoplaneError(message, usage=True)


def _plane_settings(args) -> dict:
    settings = parse_settings(args.set, "--set")
    for name in ("noise_var", "n_bins", "k", "anchors"):
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    return settings


def _is_run(source: Path) -> bool:
    return source.is_dir() and (source / "config.json").is_file()


def _from_run(args, source: Path, name: str, settings: dict) -> Path:
    """The plane of a run folder, written into it by ``plane_from_run``."""
    from ..plane import plane_from_run

    for flag, value in (("--labels", args.labels), ("--inputs", args.inputs),
                        ("--out", args.out)):
        if value:
            raise _usage(f"{flag} is for activations in files; the run folder {source} holds "
                         "its own labels and inputs, and its plane is written into it")
    plane_from_run(source, method=args.estimator, out_name=name, progress=not args.no_progress,
                   trust=args.trust, **settings)
    return source


def _labels(args, source: Path, extras: dict, n: int) -> np.ndarray:
    from ..data.files import check_label_count, read_labels

    if args.labels:
        labels = read_labels(args.labels, args.labels_key)
        check_label_count(labels, n, args.labels, str(source))
        return labels
    if "labels" not in extras:
        raise _usage(f"{source} holds no labels; pass --labels FILE (.npy, .npz, text or CSV, "
                     "one label per input)")
    return extras["labels"]


def _inputs(args, source: Path, extras: dict, n: int):
    from ..data.files import read_inputs

    if args.estimator != "compressed":
        if args.inputs:
            raise _usage(f"--inputs is used by --estimator compressed only; "
                         f"{args.estimator} sees only the layers and the labels")
        return None
    if not args.inputs:
        if "inputs" not in extras:
            raise _usage(f"--estimator compressed needs the network inputs: {source} holds no "
                         "'inputs' array; pass --inputs FILE (one input per row, in the order "
                         "of the activations)")
        return extras["inputs"]
    inputs = read_inputs(args.inputs, args.inputs_key)
    if len(inputs) != n:
        raise InfoplaneError(f"{args.inputs} holds {len(inputs)} inputs but {source} holds "
                             f"activations of n = {n} inputs; expected one row per input, in "
                             "the same order")
    return inputs


def _from_files(args, source: Path, name: str, settings: dict) -> Path:
    """The plane of activations in files, written to ``--out`` with its provenance."""
    import jax

    from ..data.files import read_activations
    from ..plane import plane_dims, plane_from_activations, write_trust
    from ..runs import provenance

    names, layers, extras = read_activations(source, labels_key=args.labels_key or "labels")
    n = layers[0].shape[-2]
    labels = _labels(args, source, extras, n)
    inputs = _inputs(args, source, extras, n)
    plane = plane_from_activations(layers, labels, method=args.estimator, inputs=inputs,
                                   layer_names=names, progress=not args.no_progress, **settings)
    epochs = extras.get("epochs", plane.epochs)
    used = plane.settings
    given = [f"activations {source}"] + [f"{what} {path}" for what, path in
                                         (("labels", args.labels), ("inputs", args.inputs))
                                         if path]
    prov = provenance(method=args.estimator, settings=used, source="; ".join(given),
                      devices=[str(d) for d in jax.devices()])
    out = Path(args.out) if args.out else source if source.is_dir() else source.with_suffix("")
    out.mkdir(parents=True, exist_ok=True)
    plane = replace(plane, epochs=np.asarray(epochs), provenance=prov)
    plane.to_npz(out / f"{name}.npz")
    if args.trust:
        write_trust(out, name.removeprefix("information_"), args.estimator, used, n,
                    plane_dims(layers, labels, inputs), progress=not args.no_progress,
                    plane=plane)
    return out


def _cmd_plane(args) -> None:
    from ..plotting import run_figures
    from ..runs import not_a_run_folder, read_information

    settings = _plane_settings(args)
    source = Path(args.source)
    short = (args.name or args.estimator).removeprefix("information_")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", short) or short in ("information", ".", ".."):
        raise _usage(f"--name must be a plain name (it names information_NAME.npz and "
                     f"plane_NAME.png), got {args.name!r}")
    name = f"information_{short}"
    if _is_run(source):
        out = _from_run(args, source, name, settings)
    elif source.is_dir() and not any(source.glob("*.npy")):
        raise not_a_run_folder(source, "nor .npy files of activations, one per layer")
    else:
        out = _from_files(args, source, name, settings)
    written = read_information(out / f"{name}.npz")
    for warning in written.warnings:
        print(f"infoplane: warning: {warning}", file=sys.stderr)
    paths = run_figures(written, out, name=short, transition=False)
    if args.trust:
        paths.append(out / f"trust_{short}.md")
    print(f"wrote {out / (name + '.npz')} and {', '.join(p.name for p in paths)}")


def add_plane_parser(sub) -> None:
    """The ``plane`` sub-command."""
    p = sub.add_parser(
        "plane", help="recompute an information plane with another estimator",
        description="The information plane of recorded activations by another estimator: from "
        "a run folder (written into it), or from your own files: an .npz with one array per "
        "layer, a folder of .npy files (one per layer), or one .npy. Arrays named 'epochs', "
        "'labels' and 'inputs' in the source are not layers.")
    p.add_argument("source", help="a run folder with recorded activations, an .npz of "
                   "[epoch, n, units] (or [seed, epoch, n, units]) arrays, one per layer, or a "
                   "folder of .npy files, one per layer")
    p.add_argument("--estimator", default="binning", choices=PLANE_METHODS,
                   help=f"one of {', '.join(PLANE_METHODS)} (default binning)")
    p.add_argument("--noise-var", type=float, help="KDE noise variance")
    p.add_argument("--n-bins", type=int, help="number of bins")
    p.add_argument("--k", type=int, help="neighbours for kNN estimators")
    p.add_argument("--anchors", type=int, help="KDE: average over this many random rows "
                   "instead of all n (cost anchors/n; standard errors are written too)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="any other estimator setting")
    p.add_argument("--labels", metavar="FILE", help="labels of the n inputs: .npy, .npz, or "
                   "text/CSV (one column or one row, header optional); default: the source's "
                   "'labels' array")
    p.add_argument("--labels-key", metavar="NAME", help="the array (.npz) or column (CSV with "
                   "a header) holding the labels")
    p.add_argument("--inputs", metavar="FILE", help="--estimator compressed: the n network "
                   "inputs, one per row (.npy, .npz or text); default: the source's 'inputs'")
    p.add_argument("--inputs-key", metavar="NAME", help="the array of an --inputs .npz")
    p.add_argument("--trust", action=argparse.BooleanOptionalAction, default=True,
                   help="run the estimator on ground-truth tasks of the plane's sizes and write "
                   "the table beside it, trust_<name>.md (default: on)")
    p.add_argument("--name", help="the plane's name: it writes information_NAME.npz and "
                   "plane_NAME.png (default: the estimator's name)")
    p.add_argument("--out", help="output folder for activations in files (default: the .npz "
                   "path without its suffix, or the folder of .npy files)")
    add_progress_flag(p)
    p.set_defaults(func=_cmd_plane)
