"""What the studies share: the scale of a study, its output folder, and results.json."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .._errors import check_choice
from ..runs import write_json
from ..training import RunConfig

SCALES = ("quick", "default", "full")


def scaled_config(base: RunConfig, scales: Mapping[str, Mapping], scale: str,
                  overrides: Mapping | None) -> RunConfig:
    """The study's configuration: ``base`` with the changes of ``scales[scale]``, then the
    user's ``overrides`` on top.

    Args:
        base: the study's protocol.
        scales: "quick", "default" and "full" -> RunConfig field changes.
        scale: which of them.
        overrides: RunConfig field changes from the user (``--seeds``, ``--set``, ...); an
            unknown field is an InfoplaneError (``RunConfig.replace``).
    """
    check_choice("scale", scale, SCALES)
    return base.replace(**scales[scale]).replace(**dict(overrides or {}))


def out_dir(out, study: str) -> Path:
    """``out``, or ``results/STUDY`` when none is given."""
    return Path(out) if out else Path("results") / study


def write_results(out: Path, study: str, numbers: dict, claims: list[dict], started: float
                  ) -> dict:
    """Write results.json: the numbers, each published claim with ours beside it, wall time."""
    results = {
        "study": study,
        "wall_time_s": round(time.time() - started, 1),
        "numbers": _plain(numbers),
        "claims": _plain(claims),
    }
    write_json(out / "results.json", results)
    return results


def print_claims(results: dict) -> None:
    """One line per claim: agree or DISAGREE, the claim, our number."""
    for c in results["claims"]:
        print(f"[{'agree' if c['agree'] else 'DISAGREE'}] {c['claim']}: {c['ours']}")


def _plain(obj):
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float):
        return round(obj, 4)
    return obj
