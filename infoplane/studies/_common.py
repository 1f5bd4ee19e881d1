"""What the studies share: a configuration at a scale's sizes, the output folder, and
results.json."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..plotting._files import writes_here
from ..runs import provenance, write_json
from ..training import RunConfig
from ._registry import FINDINGS

# The hidden widths of the IDNNs network, 12-10-7-5-4-3-2, at a study's default and full scales.
IDNNS_HIDDEN = (10, 7, 5, 4, 3)


def scaled_config(base: RunConfig, sizes: Mapping, overrides: Mapping | None) -> RunConfig:
    """The study's configuration: ``base`` with the sizes of a scale, then the user's
    ``overrides`` on top.

    Args:
        base: the study's protocol.
        sizes: RunConfig field changes, a scale's ``Sizes.config``.
        overrides: RunConfig field changes from the user (``--seeds``, ``--set``, ...); an
            unknown field is an InfoplaneError (``RunConfig.replace``).
    """
    return base.replace(**sizes).replace(**dict(overrides or {}))


def scale_kind(scale: str) -> str:
    """What a run at ``scale`` is, in words: a finding or a smoke test."""
    return f"the {scale} run" if FINDINGS[scale] else f"a smoke test ({scale} scale), not a finding"


def out_dir(out, study: str) -> Path:
    """``out``, or ``results/STUDY`` when none is given."""
    return Path(out) if out else Path("results") / study


SMOKE_NOTE = ("not findings: smoke settings are not expected to reproduce the paper; each "
              "claim is checked only to exercise its rule")


def claim(text: str, ours, rule: str, agree: bool, *, published=None, **extra) -> dict:
    """One published claim beside our number, with the rule that judged it.

    Args:
        text: the claim, as the paper makes it (with where it comes from).
        ours: our number (or numbers), the quantity the rule is applied to.
        rule: how ``agree`` was decided, stated so that a reader can check it, e.g.
            "agree if ours is within [15, 35]"; fixed before looking at the runs.
        agree: the rule's verdict; it must be able to come out False.
        published: the paper's number, where it gives one.
        **extra: more detail (per layer, per estimator, ...).
    """
    return {"claim": text, "published": published, "ours": ours, "rule": rule,
            "agree": bool(agree), **extra}


def within(text: str, ours, low: float, high: float, *, published=None, why: str = "",
           **extra) -> dict:
    """A claim that holds when ``ours`` (a number, or every number of a list) lies in
    [low, high] (either end may be infinite); a missing number (None, NaN) never agrees.
    ``why`` says where the range comes from; it is appended to the rule."""
    if np.isinf(low):
        rule = f"agree if ours <= {high:g}"
    elif np.isinf(high):
        rule = f"agree if ours >= {low:g}"
    else:
        rule = f"agree if ours is within [{low:g}, {high:g}]"
    rule += f" ({why})" if why else ""
    return claim(text, ours, rule, in_range(ours, low, high), published=published, **extra)


def near(text: str, ours, target: float, tol: float, *, published=None, **extra) -> dict:
    """A claim that holds when ``ours`` is within ``tol`` of ``target``."""
    rule = f"agree if |ours - {target:g}| <= {tol:g}"
    return claim(text, ours, rule, in_range(ours, target - tol, target + tol),
                 published=published if published is not None else target, **extra)


def in_range(value, low: float, high: float) -> bool:
    """Whether a number (or every number of a list) lies in [low, high]; None or NaN is
    never in range."""
    values = np.atleast_1d(np.asarray(value if value is not None else np.nan, dtype=float))
    return bool(values.size and np.all((values >= low) & (values <= high)))


def write_results(out: Path, study: str, numbers: dict, claims: list[dict], started: float,
                  *, scale: str = "default", source: str | None = None) -> dict:
    """Write results.json (the numbers, each published claim with ours and its rule beside
    it, the wall time, the provenance: ``source``, by default the study's folder ``out``, and
    the versions; at a scale whose verdicts are not findings, the quick one, marked as a
    smoke test) and print its claims.

    In a distributed run only the writer (process 0) writes and prints
    (``plotting._files.writes_here``, as for the figures); every process returns the same
    results.
    """
    results = {"study": study, "scale": scale}
    if not FINDINGS[scale]:
        results["verdicts"] = SMOKE_NOTE
    results |= {
        "wall_time_s": round(time.time() - started, 1),
        "numbers": _plain(numbers),
        "claims": _plain(claims),
        "provenance": provenance(source=str(out) if source is None else source),
    }
    if writes_here():
        write_json(out / "results.json", results)
        print_claims(results)
    return results


def print_claims(results: dict) -> None:
    """The claims table: one line per claim with its verdict, our number and the rule; at the
    quick scale no verdicts, only that it is a smoke test."""
    smoke = not FINDINGS[results["scale"]]
    if smoke:
        print(f"{results['study']} at the {results['scale']} scale is a smoke test: "
              f"{SMOKE_NOTE}")
    else:
        print(f"{results['study']}: {len(results['claims'])} published claims, ours beside")
    for c in results["claims"]:
        verdict = "smoke" if smoke else "agree" if c["agree"] else "DISAGREE"
        rule = f" ({c['rule']})" if c.get("rule") else ""
        print(f"  [{verdict}] {c['claim']}: {c['ours']}{rule}")


def _plain(obj):
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return _plain(obj.item())
    if isinstance(obj, float):
        return round(obj, 4)
    return obj
