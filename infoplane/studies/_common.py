"""What the studies share: choosing the scale, the output folder, and results.json."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .._errors import InfoplaneError
from ..runs import write_json
from ..training.config import RunConfig


def scaled_config(base: RunConfig, args, *, default: dict, quick: dict, full: dict) -> RunConfig:
    """The study's configuration: ``default`` overrides, or ``quick`` / ``full`` ones, then the
    user's explicit options (``--seeds``, ``--epochs``, ``--set``...) on top."""
    from ..cli import _overrides

    if getattr(args, "quick", False) and getattr(args, "full", False):
        raise InfoplaneError("choose either --quick or --full, not both")
    scale = quick if getattr(args, "quick", False) else full if getattr(args, "full", False) \
        else default
    return base.replace(**scale).replace(**_overrides(args))


def out_dir(args, study: str) -> Path:
    return Path(args.out) if getattr(args, "out", None) else Path("results") / study


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
