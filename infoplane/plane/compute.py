"""Information-plane arrays from recorded activations: a run's, or anyone's.

``plane_from_activations`` takes one activation array per layer, shaped [epoch, n, units] or
[seed, epoch, n, units] for the same n inputs, and returns I(X;T) and I(T;Y) for every
(seed, epoch, layer) in one batched, compiled call per layer and chunk (layers differ in width,
so each has its own compilation; chunks of epochs x seeds keep memory bounded). X is uniform
over the n inputs and the network is deterministic. Methods:

- "binning": each unit digitised, the layer's bin vector one symbol T; I(X;T) = H(T) and
  I(T;Y) = H(T) + H(Y) - H(T,Y), exact plug-in values (Shwartz-Ziv & Tishby 2017). Settings
  ``rule`` = "fixed" (``n_bins`` edges on [``low``, ``high``], default 30 on [-1, 1]: IDNNs),
  "layer" (the same number of edges over the layer's min..max at that epoch), "quantile"
  (per unit, equally filled bins), or "global" (Saxe et al. 2018: ``n_bins`` edges, default
  100, over the min..max of that layer across all epochs and seeds).
- "kde_upper" / "kde_lower": the Kolchinsky-Tracey bounds used by Saxe et al. 2018: I(X;T)
  is the information of the layer with Gaussian noise of variance ``noise_var`` (default 0.1)
  added, and I(T;Y) their estimate of the label information (``kde.py``). Exact by default;
  ``anchors`` = m averages the per-row terms of m rows (drawn without replacement with
  ``anchor_seed`` + the seed's index; the same rows at every epoch and layer of a seed, so its
  trajectory is smooth, and other rows for other seeds, so the seed mean averages the draws)
  at about m / n of the cost, and adds standard errors (I_XT_stderr, I_TY_stderr).
- "knn": I(T;Y) by the mixed kNN estimator (Ross 2014, ``k`` = 3), and, in the I_XT slot, the
  Kozachenko-Leonenko differential entropy h(T) of the layer (``k``). For a deterministic
  network with continuous T, I(X;T) is infinite; h(T) tracks its changes (compression shows as
  a fall) but is not I(X;T) and may be negative. Ties are broken by a seeded jitter
  (``jitter`` x column std, drawn
  from ``default_rng(seed + layer index)``), as in ``knn.py``.

All values are in bits unless ``unit="nats"``. The items of each chunk are split over all
local devices (the command line makes every CPU core one).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .._errors import InfoplaneError, check_choice
from ..data.datasets import load_dataset
from ..estimators._interface import check_unit
from ..runs import read_activations, read_config, read_npz, write_npz
from ._methods import layer_plane

PLANE_METHODS = ("binning", "kde_upper", "kde_lower", "knn")
_SETTINGS = {
    "binning": ("rule", "n_bins", "low", "high"),
    "kde_upper": ("noise_var", "anchors", "anchor_seed"),
    "kde_lower": ("noise_var", "anchors", "anchor_seed"),
    "knn": ("k", "jitter", "seed"),
}


def _check_layers(activations) -> tuple[list[np.ndarray], bool]:
    """Layers as float arrays [S, E, n, w] and whether a seed axis was given."""
    if isinstance(activations, np.ndarray) or not len(activations):
        raise InfoplaneError("activations must be a list with one array per layer")
    layers = [np.asarray(a) for a in activations]
    ranks = {a.ndim for a in layers}
    if not ranks <= {3, 4} or len(ranks) != 1:
        shapes = [a.shape for a in layers]
        raise InfoplaneError(
            "each layer's activations must be [epoch, n, units] or [seed, epoch, n, units], "
            f"all of the same rank; got shapes {shapes}"
        )
    has_seeds = ranks == {4}
    layers = [a if has_seeds else a[None] for a in layers]
    lead = {a.shape[:3] for a in layers}
    if len(lead) != 1:
        raise InfoplaneError(
            f"all layers must share (seed, epoch, n); got {sorted(lead)} for the layers"
        )
    for li, a in enumerate(layers):
        if a.dtype.kind != "f":
            raise InfoplaneError(f"layer {li} activations must be floats, got {a.dtype}")
        if a.shape[-1] == 0 or a.shape[2] < 2:
            raise InfoplaneError(f"layer {li} has shape {a.shape}: it needs n >= 2 and units")
        if not np.all(np.isfinite(a)):
            raise InfoplaneError(
                f"layer {li} activations contain NaN or inf (did training diverge?)"
            )
    return layers, has_seeds


def _check_labels(labels, n: int) -> tuple[np.ndarray, int]:
    lab = np.asarray(labels)
    if lab.ndim != 1:
        raise InfoplaneError(f"labels must have shape (n,), got {lab.shape}")
    if lab.shape[0] != n:
        raise InfoplaneError(f"labels has {lab.shape[0]} entries but the activations hold "
                             f"n = {n} inputs; pass one label per input, in the same order")
    if lab.dtype.kind not in "biuUS":
        raise InfoplaneError(f"labels must be integer classes, got dtype {lab.dtype}")
    classes, codes = np.unique(lab, return_inverse=True)
    return codes.reshape(-1).astype(np.int32), len(classes)


def plane_from_activations(activations, labels, *, method: str = "binning", unit: str = "bits",
                      progress: bool = False, **settings) -> dict:
    """I(X;T) and I(T;Y) of every layer, epoch (and seed) from raw activations.

    Args:
        activations: a list with one array per layer, each [epoch, n, units] or
            [seed, epoch, n, units] (all layers alike), the activations for all n inputs.
        labels: (n,) integer class labels of those inputs.
        method: "binning", "kde_upper", "kde_lower" or "knn" (see the module docstring).
        unit: "bits" (default) or "nats".
        progress: show a progress bar over the (seed, epoch, layer) estimates.
        **settings: the method's settings: binning rule, n_bins, low, high; KDE noise_var,
            anchors (average the terms of that many rows, drawn with anchor_seed, instead of
            all n: cost anchors / n of the exact value, with a standard error); knn k,
            jitter, seed.

    Returns:
        A dict with "I_XT" and "I_TY" shaped [(seed,) epoch, layer] (float64), for anchored
        KDE also "I_XT_stderr" and "I_TY_stderr" (same shape), and "method", "settings" (as
        used), "unit".

    Raises:
        InfoplaneError: unknown method or settings, bad shapes, labels of the wrong length,
            NaN or inf activations.
    """
    check_choice("plane method", method, PLANE_METHODS)
    check_unit(unit)
    unknown = sorted(set(settings) - set(_SETTINGS[method]))
    if unknown:
        raise InfoplaneError(f"method {method!r} does not take {', '.join(unknown)}; "
                             f"its settings are: {', '.join(_SETTINGS[method])}")
    layers, has_seeds = _check_layers(activations)
    n_seeds, n_epochs, n = layers[0].shape[:3]
    codes, n_classes = _check_labels(labels, n)
    used: dict = {}
    per_layer = []
    total = n_seeds * n_epochs * len(layers)
    with tqdm(total=total, desc=f"{method} plane", unit="estimate", disable=not progress,
              leave=False) as bar:
        for li, layer in enumerate(layers):
            flat = layer.reshape((-1,) + layer.shape[2:])
            outs = layer_plane(flat, codes, n_classes, method, settings, li, used, n_seeds,
                               bar)
            per_layer.append([np.asarray(v, np.float64).reshape(n_seeds, n_epochs)
                              for v in outs])
    names = ["I_XT", "I_TY", "I_XT_stderr", "I_TY_stderr"][:len(per_layer[0])]
    scale = math.log(2) if unit == "nats" else 1.0
    result = {}
    for i, name in enumerate(names):
        value = np.stack([outs[i] for outs in per_layer], axis=-1) * scale
        result[name] = value if has_seeds else value[0]
    return dict(result, method=method, settings=used, unit=unit)


def _natural_key(name: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def plane_from_run(run_dir, *, method: str, out_name: str | None = None, progress: bool = False,
                   **settings) -> dict:
    """Recompute a run's information plane from its recorded activations, without retraining.

    Reads ``run_dir/activations/chunk_*.npz`` (``epochs`` and ``layer_{li}`` [seed, k, n, w]
    for the layers in ``config.record_layers``) and the labels of the run's data set.
    For "binning" without bin settings, the run's own bins (config) are used.

    Args:
        run_dir: a run directory written by ``infoplane.train``.
        method, **settings: as for :func:`plane_from_activations`.
        out_name: if given, also write ``run_dir/<out_name>.npz`` atomically, with I_XT, I_TY
            [seed, epoch, layer] in bits, epochs, layer_names, layers (indices), H_X, H_Y,
            method and settings (JSON), like information.npz.

    Returns:
        The dict that is (or would be) written.
    """
    run_dir = Path(run_dir)
    config = read_config(run_dir)
    record = list(config.get("record_layers") or [])
    epochs, acts = read_activations(run_dir, record or None)
    data = load_dataset(config["dataset"])
    if method == "binning" and not settings:
        settings = {"rule": config.get("bin_rule", "fixed"), "n_bins": config.get("n_bins", 30),
                    "low": config.get("bin_low", -1.0), "high": config.get("bin_high", 1.0)}
    plane = plane_from_activations(acts, data.y, method=method, unit="bits", progress=progress,
                              **settings)
    info_path = run_dir / "information.npz"
    info = read_npz(info_path) if info_path.is_file() else {}
    if "layer_names" in info:
        names = np.asarray(info["layer_names"])[record]
    else:
        names = np.array([f"layer_{li}" for li in record])
    p_y = np.bincount(data.y) / data.y.size
    p_y = p_y[p_y > 0]
    out = {
        "I_XT": plane["I_XT"],
        "I_TY": plane["I_TY"],
        "epochs": epochs,
        "layer_names": names,
        "layers": np.asarray(record),
        "H_X": info.get("H_X", np.float64(math.log2(len(np.unique(data.x, axis=0))))),
        "H_Y": info.get("H_Y", np.float64(-(p_y * np.log2(p_y)).sum())),
        "method": np.array(method),
        "settings": np.array(json.dumps(plane["settings"])),
    }
    out.update({k: plane[k] for k in ("I_XT_stderr", "I_TY_stderr") if k in plane})
    if out_name is not None:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", out_name) or out_name == "information":
            raise InfoplaneError(
                f"out_name must be a plain file name other than 'information' (which holds the "
                f"training records), got {out_name!r}"
            )
        write_npz(run_dir / f"{out_name}.npz", **out)
    return out


def plane_from_npz(path, labels=None, *, labels_key: str = "labels", method: str,
                   progress: bool = False, **settings) -> dict:
    """The information plane from an .npz of activations written by any framework.

    The file holds one array per layer, [epoch, n, units] (or [seed, epoch, n, units]), under
    any names; layers are ordered by natural sort of their names (layer_2 before layer_10).
    Two names are not layers: ``labels_key`` (the (n,) integer labels, unless ``labels`` is
    given) and "epochs" (optional epoch numbers, else 0, 1, ...).

    Args:
        path: the .npz file.
        labels: (n,) integer labels; None reads them from the file.
        labels_key: the name of the labels in the file.
        method, **settings: as for :func:`plane_from_activations`.

    Returns:
        The dict of :func:`plane_from_activations` plus "layer_names" and "epochs".
    """
    arrays = read_npz(path)
    if labels is None:
        if labels_key not in arrays:
            raise InfoplaneError(
                f"{path} has no {labels_key!r} array; pass labels=... or labels_key=<its name>"
            )
        labels = arrays[labels_key]
    names = sorted((k for k in arrays if k not in (labels_key, "epochs")), key=_natural_key)
    if not names:
        raise InfoplaneError(f"{path} holds no layer arrays")
    plane = plane_from_activations([arrays[k] for k in names], labels, method=method,
                              progress=progress, **settings)
    n_epochs = plane["I_XT"].shape[-2]
    epochs = arrays.get("epochs", np.arange(n_epochs))
    if len(epochs) != n_epochs:
        raise InfoplaneError(f"'epochs' has {len(epochs)} entries but the layers hold "
                             f"{n_epochs} epochs")
    return dict(plane, layer_names=names, epochs=np.asarray(epochs))
