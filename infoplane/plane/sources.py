"""Where the activations of a plane come from: a run folder written by ``infoplane.train``
(``plane_from_run``, which can also write its plane into the folder) or an .npz of any
framework's activations (``plane_from_npz``). Both read, then call
``compute.plane_from_activations``; both return an ``InformationPlane``."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from .. import defaults
from .._errors import InfoplaneError
from ..data.datasets import load_dataset
from ..estimators.discrete import input_entropy_bits, label_entropy_bits
from ..records import InformationPlane
from ..runs import LABELS_FILE, provenance, read_activations, read_config, read_npz
from ._checks import check_out_name
from .compute import plane_from_activations
from .trust import plane_dims, write_trust


def _run_bins(config: dict) -> dict:
    """The binning settings a run recorded with (its config, else the defaults)."""
    return {"rule": config.get("bin_rule", defaults.BIN_RULE),
            "n_bins": config.get("n_bins", defaults.N_BINS),
            "low": config.get("bin_low", defaults.BIN_LOW),
            "high": config.get("bin_high", defaults.BIN_HIGH)}


def _run_data(run_dir: Path, config: dict, need_inputs: bool):
    """The (n,) labels of a run's inputs, H(X) in bits (X uniform over the distinct inputs) and,
    when ``need_inputs``, the inputs (n, ...) the activations were recorded on (else None):
    from ``labels.npz`` for a run recorded elsewhere (``integrations.Recorder``; the inputs in
    its "inputs" member), else from the run's data set (training measures every row of
    ``load_dataset(config["dataset"]).x``, in order: ``training.measure.probe_rows``)."""
    stored = run_dir / LABELS_FILE
    if stored.is_file():
        labels = read_npz(stored)
        if need_inputs and "inputs" not in labels:
            raise InfoplaneError(f"{stored} holds no inputs: the recorder stored no inputs, "
                                 "which method 'compressed' needs; record again with inputs")
        return (labels["labels"], np.float64(labels.get("H_X", np.nan)),
                labels["inputs"] if need_inputs else None)
    if config.get("dataset") is None:
        raise InfoplaneError(f"{run_dir} has no {LABELS_FILE} and its config names no data set; "
                             "the labels of its inputs are unknown")
    data = load_dataset(config["dataset"])
    return (data.y, np.float64(input_entropy_bits(data.x)),
            data.x if need_inputs else None)


def _entropies(info: InformationPlane | None, labels: np.ndarray, h_x: np.float64
               ) -> tuple[float | None, float]:
    """H(X) and H(Y) in bits: the run's records, else ``h_x`` and the labels' plug-in entropy."""
    h_y = info.H_Y if info is not None and info.H_Y is not None else label_entropy_bits(labels)
    return (info.H_X if info is not None and info.H_X is not None else float(h_x)), float(h_y)


def plane_from_run(run_dir, *, method: str, out_name: str | None = None, progress: bool = False,
                   trust: bool = False, **settings) -> InformationPlane:
    """Recompute a run's information plane from its recorded activations, without retraining.

    Reads ``run_dir/activations/chunk_*.npz`` (``epochs`` and ``layer_{li}`` [seed, k, n, w]
    for the layers in ``config.record_layers``) and the labels of the inputs: those of
    ``run_dir/labels.npz`` for a run recorded from another framework, else those of the run's
    data set. For "binning" without bin settings, the run's own bins (config) are used. For
    "compressed" the inputs X are those the activations were recorded on: every row of the
    run's data set, in order (as training measures them), or the "inputs" member of
    ``labels.npz`` for a run recorded by ``integrations.Recorder``.

    Args:
        run_dir: a run directory written by ``infoplane.train``.
        method, **settings: as for :func:`plane_from_activations`.
        out_name: if given, also write the plane to ``run_dir/<out_name>.npz`` atomically
            (``InformationPlane.to_npz``: the names of information.npz, with the 95%
            intervals of the seed mean I_XT_ci95 and I_TY_ci95 [2, epoch, layer]).
        trust: also run the trust check of the plane's estimator at the run's sizes and write
            ``trust_<name>.md`` and ``.json`` into the run folder (``trust.write_trust``;
            name = out_name without its "information_" prefix, else the method).

    Returns:
        The ``InformationPlane`` of :func:`plane_from_activations` with the run's logged
        epochs, layer names and indices (``layers``), H(X) and H(Y) in bits, and its
        provenance (``runs.provenance``: method, settings, the run folder as source,
        versions).
    """
    if out_name is not None:
        check_out_name(out_name)
    run_dir = Path(run_dir)
    config = read_config(run_dir)
    record = list(config.get("record_layers") or [])
    epochs, acts = read_activations(run_dir, record or None)
    labels, h_x, inputs = _run_data(run_dir, config, method == "compressed")
    if method == "binning" and not settings:
        settings = _run_bins(config)
    info_path = run_dir / "information.npz"
    info = InformationPlane.from_npz(info_path) if info_path.is_file() else None
    names = (tuple(info.layer_names[li] for li in record) if info is not None
             else tuple(f"layer_{li}" for li in record))
    plane = plane_from_activations(acts, labels, method=method, unit="bits", progress=progress,
                                   inputs=inputs, layer_names=names, **settings)
    h_x, h_y = _entropies(info, labels, h_x)
    out = replace(plane, epochs=epochs, layers=tuple(record), H_X=h_x, H_Y=h_y,
                  provenance=provenance(method=method, settings=plane.settings,
                                        source=str(run_dir)))
    if out_name is not None:
        out.to_npz(run_dir / f"{out_name}.npz")
    if trust:
        name = method if out_name is None else out_name.removeprefix("information_")
        write_trust(run_dir, name, method, plane.settings, len(labels),
                    plane_dims(acts, labels, inputs), progress=progress, plane=out)
    return out


def _natural_key(name: str):
    """Sort key that orders layer_2 before layer_10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def plane_from_npz(path, labels=None, *, labels_key: str = "labels", method: str,
                   inputs=None, inputs_key: str = "inputs", progress: bool = False,
                   **settings) -> InformationPlane:
    """The information plane from an .npz of activations written by any framework.

    The file holds one array per layer, [epoch, n, units] (or [seed, epoch, n, units]), under
    any names; layers are ordered by natural sort of their names (layer_2 before layer_10).
    Three names are not layers: ``labels_key`` (the (n,) integer labels, unless ``labels`` is
    given), ``inputs_key`` (the (n, ...) network inputs, for method "compressed", unless
    ``inputs`` is given; ignored by the other methods) and "epochs" (optional epoch numbers,
    else 0, 1, ...).

    Args:
        path: the .npz file.
        labels: (n,) integer labels; None reads them from the file.
        labels_key: the name of the labels in the file.
        method, **settings: as for :func:`plane_from_activations`.
        inputs: (n, ...) the network inputs, for method "compressed" (the other methods
            reject them); None reads them from the file's ``inputs_key``.
        inputs_key: the name of the inputs in the file.

    Returns:
        The ``InformationPlane`` of :func:`plane_from_activations` with the file's layer
        names and epochs, and its provenance (``runs.provenance``; the .npz path as source).
    """
    arrays = read_npz(path)
    if labels is None:
        if labels_key not in arrays:
            raise InfoplaneError(
                f"{path} has no {labels_key!r} array; pass labels=... or labels_key=<its name>"
            )
        labels = arrays[labels_key]
    if method == "compressed" and inputs is None:
        if inputs_key not in arrays:
            raise InfoplaneError(f"{path} has no {inputs_key!r} array, which method "
                                 "'compressed' needs; pass inputs=... or inputs_key=<its name>")
        inputs = arrays[inputs_key]
    names = sorted((k for k in arrays if k not in (labels_key, inputs_key, "epochs")),
                   key=_natural_key)
    if not names:
        raise InfoplaneError(f"{path} holds no layer arrays")
    plane = plane_from_activations([arrays[k] for k in names], labels, method=method,
                                   progress=progress, inputs=inputs, **settings)
    n_epochs = len(plane.epochs)
    epochs = arrays.get("epochs", np.arange(n_epochs))
    if len(epochs) != n_epochs:
        raise InfoplaneError(f"'epochs' has {len(epochs)} entries but the layers hold "
                             f"{n_epochs} epochs")
    prov = provenance(method=method, settings=plane.settings, source=str(path))
    return replace(plane, layer_names=tuple(names), epochs=np.asarray(epochs), provenance=prov)
