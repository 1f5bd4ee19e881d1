"""The trust table beside a plane: how its estimator does on ground truth at the plane's sizes.

``write_trust`` runs ``estimators.trust.trust_check`` for the plane's estimator at the plane's
sample size n, once per distinct pair of dimensions the plane estimated: for I(X;T), (the
dimension of X, the width of T) on the continuous-pair tasks; for I(T;Y), (the width of T,
the K classes of Y) on the class-label tasks. It writes ``trust_<name>.md`` (the tables, with
what was skipped and why) and ``trust_<name>.json`` (the same numbers).

What is checked, per plane method:

- "compressed": I(X;T) (compressed MI, continuous pairs) and I(T;Y) (the plane's supervised
  estimate, method "supervised").
- "knn": I(T;Y) (Ross, "knn_mixed"); its I_XT slot is the entropy h(T), not an MI: skipped.
- "kde_upper" / "kde_lower": I(T;Y) by the same KDE bound with the same noise variance; it
  bounds the information of the noisy layer T + N(0, noise_var), which is at most I(T;Y), so
  its bias here includes that loss by design (anchors are not used: the exact bound is
  checked). On the tasks' unit-variance data a small noise_var saturates the bound at H(Y)
  in several dimensions, as on layers of that scale. I(X;T) is
  the information a noisy copy of a deterministic layer carries about X uniform over the n
  inputs, which no continuous-pair task matches: skipped.
- "binning": skipped. Binning measures the plug-in information of the binned layer: I(X;T) =
  H(bin(T)) for a deterministic network, whose value is set by the bins, not by the continuous
  layer (whose I(X;T) is infinite); no continuous ground truth measures its error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from .._errors import InfoplaneError
from ..estimators.trust import format_trust_table, trust_check
from ..records import InformationPlane
from ..runs import atomic_write_bytes, write_json

_SKIPPED = {
    "binning": {"I(X;T)": "binning gives H(bin(T)), set by the bins, not an estimate of the "
                          "continuous layer's I(X;T) (infinite for a deterministic network)",
                "I(T;Y)": "binning gives the plug-in I(bin(T);Y) of the binned layer, set by the "
                          "bins; no continuous ground truth measures its error"},
    "knn": {"I(X;T)": "the knn plane's I_XT slot is the differential entropy h(T), not a mutual "
                      "information"},
    "kde": {"I(X;T)": "KDE's I(X;T) is the information of T + N(0, noise_var) about X uniform "
                      "over the n inputs; no continuous-pair task matches it"},
}
_KDE_NOTE = ("KDE bounds the I(T;Y) of the noisy layer T + N(0, noise_var), which is at most "
             "I(T;Y): the bias here mixes that loss (by design) with the bound's own error, on "
             "tasks whose x has unit variance per coordinate (noise_var is in the layer's "
             "units).")


def plane_dims(layers, labels, inputs=None) -> dict:
    """The dims ``write_trust`` takes: {"x": the flattened input dimension (None without
    inputs), "t": the distinct layer widths (the last axis of each activation array),
    "classes": the number of distinct labels}."""
    x = None if inputs is None else int(np.prod(np.shape(inputs)[1:], dtype=np.int64))
    return {"x": x, "t": sorted({int(np.shape(a)[-1]) for a in layers}),
            "classes": int(np.unique(np.asarray(labels)).size)}


def _compressed_settings(s: dict, quantity: str) -> dict:
    """The plane's compressed settings as ``mutual_information(method="compressed")`` takes
    them for I(X;T) (continuous pair) or I(T;Y) (labels: T is the compressed x)."""
    common = {key: s[key] for key in ("compressor", "variance", "steps", "jitter", "seed")
              if s.get(key) is not None}
    fixed_x = s.get("dim_x_fixed", s.get("dim_x") is not None)
    if quantity == "I(X;T)":
        k = s.get("k") or s.get("k_xt")
        dims = {"dim_x": s.get("dim_x") if fixed_x else None, "dim_y": s.get("dim_t")}
        common["estimator"] = s.get("estimator", "copula")
    else:
        k = s.get("k") or s.get("k_ty")
        dims = {"dim_x": s.get("dim_t")}
    return {**common, **{key: v for key, v in dims.items() if v is not None},
            **({"k": k} if k else {})}


def _checks(method: str, settings: dict, dims: dict) -> tuple[list, dict]:
    """The trust checks to run, as (quantity, mi method, dx, dy, classes, settings), and the
    skipped quantities with their reasons."""
    family = "kde" if method.startswith("kde") else method
    skipped = dict(_SKIPPED.get(family, {}))
    widths, classes = list(dims["t"]), int(dims["classes"])
    if method == "compressed":
        if dims.get("x") is None:
            raise InfoplaneError("dims has no input dimension 'x', which the compressed "
                                 "plane's I(X;T) check needs")
        xt = [("I(X;T)", "compressed", int(dims["x"]), w, None,
               _compressed_settings(settings, "I(X;T)")) for w in widths]
        keep = {"k": settings["k_ty"]} if settings.get("k_ty") else {}
        return xt + [("I(T;Y)", "supervised", w, 1, classes, keep) for w in widths], skipped
    if method == "knn":
        keep = {key: settings[key] for key in ("k", "jitter", "seed") if key in settings}
        return [("I(T;Y)", "knn_mixed", w, 1, classes, keep) for w in widths], skipped
    if family == "kde":
        keep = {key: settings[key] for key in ("noise_var",) if key in settings}
        return [("I(T;Y)", method, w, 1, classes, keep) for w in widths], skipped
    return [], skipped


def layer_check(plane: InformationPlane) -> tuple[list[dict], str]:
    """The check on the user's own layers: at every point of a plane, its I(T;Y) against the
    bracket [I_TY_lower, I_TY_upper] (the probe bound and H(Y); ``compute``).

    Args:
        plane: a plane with the bracket (I_TY_lower, I_TY_outside).

    Returns:
        (one row per layer: points, outside, largest shortfall below the bound, mean of
        I(T;Y) - bound, in the plane's unit; the same as Markdown text).
    """
    if plane.I_TY_lower is None or plane.I_TY_outside is None:
        raise InfoplaneError("the plane carries no bracket of I(T;Y) (I_TY_lower); compute it "
                             "with plane_from_activations, plane_from_run or plane_from_npz")
    value, lower, outside = plane.I_TY, plane.I_TY_lower, plane.I_TY_outside
    unit, names = plane.unit, plane.layer_names
    rows: list[dict[str, Any]] = []
    for j in range(value.shape[-1]):
        gap = value[..., j] - lower[..., j]
        rows.append({"layer": names[j],
                     "points": int(gap.size), "outside": int(outside[..., j].sum()),
                     "largest_shortfall": float(max(0.0, -gap.min())),
                     "mean_above_bound": float(gap.mean())})
    lines = ["| layer | points | outside the bracket | largest shortfall below the probe "
             f"bound ({unit}) | mean I(T;Y) - bound ({unit}) |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {r['layer']} | {r['points']} | {r['outside']} | {r['largest_shortfall']:.3f} "
              f"| {r['mean_above_bound']:+.3f} |" for r in rows]
    total = sum(r["outside"] for r in rows)
    verdict = ("every point is inside its bracket" if not total else
               f"{total} point{'s' * (total != 1)} outside: there the estimator misses "
               "information that a cross-fitted classifier proves, and those points' I(T;Y) "
               "should not be read as the layer's")
    lines += ["", f"Bracket: the probe bound H(Y) - CE (a cross-fitted, calibrated linear "
              "discriminant) below, H(Y) above; a point is outside when it passes either by "
              f"more than twice the combined standard error + 0.01 bit. Verdict: {verdict}."]
    return rows, "\n".join(lines)


def _table_json(quantity: str, table) -> dict:
    return {"quantity": quantity, "method": table.method, "n": table.n, "dx": table.dx,
            "dy": table.dy, "classes": table.classes, "seeds": list(table.seeds),
            "settings": dict(table.settings), "mean_absolute_bias": table.mean_absolute_bias,
            "rows": [row._asdict() for row in table.rows]}


def write_trust(out_dir, name: str, method: str, settings: Mapping, n: int, dims: dict, *,
                seeds: int = 2, progress: bool = False, plane: InformationPlane | None = None
                ) -> Path:
    """Run the trust check of a plane's estimator at its sizes and write the tables beside it.

    Cost: per distinct layer width, 5 continuous-pair tasks (I(X;T), compressed only) and 4
    class-label tasks (I(T;Y)), each estimated ``seeds`` times at n samples, so about
    9 x widths x seeds estimates of one plane point's cost (compressed at n = 10,000 with three
    widths and two seeds: 54 estimates). Binning runs none (see the module docstring).

    Args:
        out_dir: the folder of the plane's results.
        name: the plane's name: writes ``trust_<name>.md`` and ``trust_<name>.json``.
        method: the plane method ("binning", "kde_upper", "kde_lower", "knn", "compressed").
        settings: the plane's settings (as given, or the "settings" a plane returns).
        n: the plane's sample size (the number of inputs).
        dims: {"x": input dimension or None, "t": layer widths, "classes": K} (``plane_dims``).
        seeds: draws of every task (seeds 0..seeds-1).
        progress: show a progress bar over the checks.
        plane: the plane; when it carries the I(T;Y) bracket, the check on the
            user's own layers (``layer_check``) comes first.

    Returns:
        The path of ``trust_<name>.md``.
    """
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise InfoplaneError(f"seeds must be a positive integer, got {seeds!r}")
    checks, skipped = _checks(method, dict(settings), dims)
    tables = []
    for quantity, mi_method, dx, dy, classes, s in tqdm(checks, desc="trust check",
                                                        disable=not progress, leave=False):
        tables.append((quantity, trust_check(mi_method, n, dx, dy, s, seeds=tuple(range(seeds)),
                                             classes=classes)))
    lines = [f"# How far the {method} plane '{name}' can be trusted", "",
             f"The plane's estimator on tasks of known information at its sample size "
             f"(n = {n}) and dimensions, {seeds} draws each; bias = estimate - truth, in bits."]
    lines += [_KDE_NOTE] if method.startswith("kde") else []
    lines += [f"Not checked, {q}: {why}." for q, why in skipped.items()]
    own = None
    if plane is not None and plane.I_TY_lower is not None:
        own, text = layer_check(plane)
        lines += ["", "## Your layers: I(T;Y) against its bracket at every point", "", text]
    for quantity, table in tables:
        lines += ["", f"## {quantity}, dx = {table.dx}" + (
            f", dy = {table.dy}" if table.classes is None else f", {table.classes} classes"),
            "", format_trust_table(table)]
    out = Path(out_dir)
    markdown = ("\n".join(lines) + "\n").encode()
    atomic_write_bytes(out / f"trust_{name}.md", lambda f: f.write(markdown))
    payload = {"name": name, "method": method, "n": n, "dims": dims, "seeds": seeds,
               "skipped": skipped, "tables": [_table_json(q, t) for q, t in tables],
               "layers": own}
    write_json(out / f"trust_{name}.json", json.loads(json.dumps(payload, default=str)))
    return out / f"trust_{name}.md"
