"""The estimators of the ``lorenzen2022`` study against a known plane: a quantised network's.

A quantised network's layers take finitely many values, so their plane over the data set is
known exactly (``estimators.exact``). Each estimator is run on the same recorded layers and
its distance from the exact values is reported (bits): binning with global bounds at 30, 100
and 256 bins, the Kolchinsky-Tracey KDE upper bound (noise variance ``defaults.NOISE_VAR``),
the kNN estimators (I(T;Y) only: their I(X;T) slot holds the differential entropy h(T), a
different quantity), compressed MI (Butakov et al. 2024), and ``mutual_information`` with its
default method (it picks one by the kind of data; which it picked is reported).
"""

from __future__ import annotations

import numpy as np

from ..estimators import mutual_information
from ..estimators.bins import Bins
from ..plane import plane_from_activations
from ..runs import read_activations, read_information

GLOBAL_BINS = (30, 100, 256)
PLANE_ESTIMATORS = {
    "KDE upper": ("kde_upper", {}),
    "kNN (I(T;Y) only)": ("knn", {}),
    "compressed": ("compressed", {}),
}
DEFAULT = "mutual_information default"
NOT_COMPARABLE = {"kNN (I(T;Y) only)": ("I_XT",)}


def global_binned_plane(layers, labels, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """The plane binned with global bounds (``plane_from_activations(method="binning",
    rule="global")``: ``n_bins`` edges over each layer's min..max across all seeds and epochs),
    computed by digitising in NumPy and counting the rows of bin indices exactly
    (``method="exact"``). The same numbers; the compiled binning compares every value with
    every edge at once, (items x n x units x edges), which at 256 edges and a 64-unit layer of
    5000 inputs needs more memory than this machine has.

    Returns:
        (I_XT, I_TY) [seed, epoch, layer] in bits.
    """
    codes = []
    for a in layers:
        low, high = float(a.min()), float(a.max())
        high = high if high > low else low + 1.0  # a constant layer: one bin holds it all
        edges = Bins("fixed", n_bins, low, high).edges().astype(a.dtype)
        codes.append(np.digitize(a, edges).astype(np.float32))
    p = plane_from_activations(codes, labels, method="exact")
    return p.I_XT, p.I_TY


def default_plane(layers, x, y) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``mutual_information``'s default method on every item: I(X;T) from the inputs and the
    layer, I(T;Y) from the layer and the labels; (I_XT, I_TY) like the layers' leading axes
    [seed, epoch, layer] and the methods it chose."""
    seeds, epochs = layers[0].shape[:2]
    ixt = np.zeros((seeds, epochs, len(layers)))
    ity = np.zeros_like(ixt)
    chosen = set()
    for li, layer in enumerate(layers):
        for s in range(seeds):
            for e in range(epochs):
                t = layer[s, e]
                a = mutual_information(x, t)
                b = mutual_information(t, y)
                ixt[s, e, li], ity[s, e, li] = a.value, b.value
                chosen.update({f"I(X;T): {a.method}", f"I(T;Y): {b.method}"})
    return ixt, ity, sorted(chosen)


def _errors(est: np.ndarray, exact: np.ndarray) -> dict:
    d = np.asarray(est, float) - np.asarray(exact, float)
    return {"mean_abs": float(np.abs(d).mean()), "bias": float(d.mean()),
            "max_abs": float(np.abs(d).max()), "points": int(d.size)}


def compare_estimators(run_dirs: dict, data) -> dict:
    """Each estimator's error against the exact plane on the recorded quantised runs.

    Args:
        run_dirs: activation -> a quantised run folder with every layer recorded.
        data: the data set the runs were trained on (inputs for compressed MI and the
            default estimator, labels).

    Returns:
        {"errors": estimator -> quantity ("I_XT", "I_TY") -> {"mean_abs", "bias", "max_abs",
        "points"} over every activation, seed, recorded epoch and layer (bits);
        "per_activation": the same per activation; "pairs": estimator -> quantity ->
        [exact, estimate] lists (for the figure); "default_methods": the methods chosen}.
    """
    x = np.asarray(data.x, dtype=np.float32)
    y = np.asarray(data.y)
    by_act: dict = {}
    chosen: list[str] = []
    for act, run_dir in run_dirs.items():
        _, layers = read_activations(run_dir)
        exact = read_information(run_dir)
        planes = {}
        for b in GLOBAL_BINS:
            ixt, ity = global_binned_plane(layers, y, b)
            planes[f"binning {b} (global)"] = exact.with_values(
                ixt, ity, method="binning", settings={"n_bins": b, "rule": "global"})
        for name, (method, settings) in PLANE_ESTIMATORS.items():
            extra = {"inputs": x} if method == "compressed" else {}
            planes[name] = plane_from_activations(layers, y, method=method, **settings,
                                                  **extra)
        ixt, ity, methods = default_plane(layers, x, y)
        planes[DEFAULT] = exact.with_values(ixt, ity, method=None,
                                            settings={"methods": sorted(set(methods))})
        chosen = sorted(set(chosen) | set(methods))
        by_act[act] = (exact, planes)
    names = [*(f"binning {b} (global)" for b in GLOBAL_BINS), *PLANE_ESTIMATORS, DEFAULT]
    errors, per_act, pairs = {}, {}, {}
    for name in names:
        errors[name], pairs[name] = {}, {}
        for q in ("I_XT", "I_TY"):
            if q in NOT_COMPARABLE.get(name, ()):
                continue
            ex = np.concatenate([getattr(by_act[a][0], q).ravel() for a in by_act])
            es = np.concatenate([getattr(by_act[a][1][name], q).ravel() for a in by_act])
            errors[name][q] = _errors(es, ex)
            pairs[name][q] = [ex, es]
            for a in by_act:
                per_act.setdefault(a, {}).setdefault(name, {})[q] = _errors(
                    getattr(by_act[a][1][name], q), getattr(by_act[a][0], q))
    return {"errors": errors, "per_activation": per_act, "pairs": pairs,
            "default_methods": chosen}


def estimator_markdown(table: dict) -> str:
    """A markdown table: one row per estimator, its mean absolute error, bias and largest
    error against the exact I(X;T) and I(T;Y), in bits."""
    lines = ["| estimator | I(X;T) mean abs error | I(X;T) bias | I(X;T) max error | "
             "I(T;Y) mean abs error | I(T;Y) bias | I(T;Y) max error | points |",
             "| --- |" + " ---: |" * 7]
    for name, by_q in table["errors"].items():
        cells = []
        for q in ("I_XT", "I_TY"):
            e = by_q.get(q)
            cells += (["n/a"] * 3 if e is None else
                      [f"{e['mean_abs']:.3f}", f"{e['bias']:+.3f}", f"{e['max_abs']:.3f}"])
        points = next(iter(by_q.values()))["points"]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {points} |")
    return "\n".join(lines)
