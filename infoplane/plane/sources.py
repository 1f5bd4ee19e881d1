"""Where the activations of a plane come from: a run folder written by ``infoplane.train``
(``plane_from_run``, which can also write its plane into the folder) or an .npz of any
framework's activations (``plane_from_npz``). Both read, then call
``compute.plane_from_activations``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from .. import defaults
from .._errors import InfoplaneError
from ..analysis import seed_interval
from ..data.datasets import load_dataset
from ..estimators.discrete import input_entropy_bits, label_entropy_bits
from ..runs import (
    LABELS_FILE,
    provenance,
    provenance_fields,
    read_activations,
    read_config,
    read_npz,
    write_npz,
)
from ._checks import check_out_name
from .compute import BRACKET_NAMES, XT_BRACKET_NAMES, plane_from_activations
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


def _entropies(info: dict, labels: np.ndarray, h_x: np.float64) -> dict:
    """H(X) and H(Y) in bits: the run's records, else ``h_x`` and the labels' plug-in entropy."""
    h_y = info["H_Y"] if "H_Y" in info else np.float64(label_entropy_bits(labels))
    return {"H_X": info.get("H_X", h_x), "H_Y": h_y}


def seed_intervals(plane: dict) -> dict:
    """For plane arrays with a seed axis ([seed, epoch, layer]): "I_XT_ci95" and "I_TY_ci95"
    [2, epoch, layer] (low, high), the 95% Student-t interval of the seed mean
    (``analysis.seed_interval``; with one seed low = high = the value). Else empty."""
    if np.ndim(plane["I_XT"]) != 3:
        return {}
    out = {}
    for key in ("I_XT", "I_TY"):
        interval = seed_interval(plane[key], 0.95)
        out[f"{key}_ci95"] = np.stack([interval["low"], interval["high"]])
    return out


def plane_from_run(run_dir, *, method: str, out_name: str | None = None, progress: bool = False,
                   trust: bool = False, **settings) -> dict:
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
        out_name: if given, also write ``run_dir/<out_name>.npz`` atomically, with I_XT, I_TY
            [seed, epoch, layer] in bits, epochs, layer_names, layers (indices), H_X, H_Y,
            method and settings (JSON), like information.npz; the method's I_XT_stderr,
            I_TY_stderr (standard error of every point: anchored KDE and compressed; binning,
            exact KDE and knn give none) and dim_T where it gives them; the bracket of every
            point's I(T;Y) (I_TY_lower, I_TY_lower_stderr, I_TY_upper, I_TY_outside:
            ``compute``); with ``network_noise_var`` (in settings) that of I(X;T) too
            (I_XT_lower, I_XT_upper, I_XT_outside; absent without it: it needs noise-free
            recordings, and a run trained with ``noise_eval`` records one draw of its noise);
            I_XT_ci95 and
            I_TY_ci95 [2, epoch, layer], the 95% interval of the seed mean
            (``seed_intervals``); and "provenance" (``runs.provenance``, JSON: method,
            settings, the run folder as source, versions).
        trust: also run the trust check of the plane's estimator at the run's sizes and write
            ``trust_<name>.md`` and ``.json`` into the run folder (``trust.write_trust``;
            name = out_name without its "information_" prefix, else the method).

    Returns:
        The dict that is (or would be) written.
    """
    if out_name is not None:
        check_out_name(out_name)
    run_dir = Path(run_dir)
    config = read_config(run_dir)
    record = list(config.get("record_layers") or [])
    epochs, acts = read_activations(run_dir, record or None)
    labels, h_x, inputs = _run_data(run_dir, config, method == "compressed")
    noise_var = settings.pop("network_noise_var", None)
    if method == "binning" and not settings:
        settings = _run_bins(config)
    info_path = run_dir / "information.npz"
    info = read_npz(info_path) if info_path.is_file() else {}
    if "layer_names" in info:
        names = np.asarray(info["layer_names"])[record]
    else:
        names = np.array([f"layer_{li}" for li in record])
    plane = plane_from_activations(acts, labels, method=method, unit="bits", progress=progress,
                                   inputs=inputs, layer_names=names,
                                   network_noise_var=noise_var, **settings)
    out = {"I_XT": plane["I_XT"], "I_TY": plane["I_TY"], "epochs": epochs,
           "layer_names": names, "layers": np.asarray(record), **_entropies(info, labels, h_x),
           "method": np.array(method), "settings": np.array(json.dumps(plane["settings"]))}
    out.update({k: plane[k] for k in ("I_XT_stderr", "I_TY_stderr", "dim_T", "saturated",
                                      *BRACKET_NAMES, *XT_BRACKET_NAMES) if k in plane})
    out["warnings"] = np.array(plane.get("warnings", []), dtype=str)
    out.update(seed_intervals(plane), **provenance_fields(
        provenance(method=method, settings=plane["settings"], source=str(run_dir))))
    if out_name is not None:
        write_npz(run_dir / f"{out_name}.npz", **out)
    if trust:
        name = method if out_name is None else out_name.removeprefix("information_")
        write_trust(run_dir, name, method, plane["settings"], len(labels),
                    plane_dims(acts, labels, inputs), progress=progress, plane=out)
    return out


def _natural_key(name: str):
    """Sort key that orders layer_2 before layer_10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def plane_from_npz(path, labels=None, *, labels_key: str = "labels", method: str,
                   inputs=None, inputs_key: str = "inputs", progress: bool = False,
                   **settings) -> dict:
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
        The dict of :func:`plane_from_activations` plus "layer_names", "epochs", for arrays
        with a seed axis "I_XT_ci95" and "I_TY_ci95" (``seed_intervals``), and "provenance"
        (``runs.provenance_fields``: a JSON string; the .npz path as source).
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
    n_epochs = plane["I_XT"].shape[-2]
    epochs = arrays.get("epochs", np.arange(n_epochs))
    if len(epochs) != n_epochs:
        raise InfoplaneError(f"'epochs' has {len(epochs)} entries but the layers hold "
                             f"{n_epochs} epochs")
    prov = provenance(method=method, settings=plane["settings"], source=str(path))
    return dict(plane, **seed_intervals(plane), layer_names=names, epochs=np.asarray(epochs),
                **provenance_fields(prov))
