"""What the studies share: choosing the scale, the output folder, and results.json."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .._errors import InfoplaneError
from ..config import RunConfig
from ..runs import save_json


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
    save_json(out / "results.json", results)
    return results


def compression(I_XT, epochs=None, *, after=None) -> dict:
    """How much each layer compresses: its peak I(X;T) minus its final I(X;T), bits.

    Args:
        I_XT: [seed, logged_epoch, layer] or [logged_epoch, layer], bits; seeds are averaged
            first (as the plane is drawn).
        epochs: [logged_epoch]; without it, "peak_epoch" holds indices of logged epochs.
        after: if given, also the fall from this epoch (the nearest logged one at or after it)
            to the end: ``I(X;T)(after) - I(X;T)(final)`` (negative for a layer that gains).

    Returns:
        "peak" [layer], "peak_epoch" [layer], "final" [layer], "compression" [layer] (>= 0),
        and "since" [layer] when ``after`` is given.
    """
    ixt = np.asarray(I_XT, dtype=float)
    ixt = ixt.mean(axis=0) if ixt.ndim == 3 else ixt
    e = np.arange(ixt.shape[0]) if epochs is None else np.asarray(epochs)
    peak_at = np.argmax(ixt, axis=0)
    layers = np.arange(ixt.shape[1])
    out = {"peak": ixt[peak_at, layers], "peak_epoch": e[peak_at], "final": ixt[-1],
           "compression": ixt[peak_at, layers] - ixt[-1]}
    if after is not None:
        i = min(int(np.searchsorted(e, after)), e.size - 1)
        out["since"] = ixt[i] - ixt[-1]
    return out


def run_summary(info: dict) -> dict:
    """What the comparative studies report of each run: final train and test accuracy (seed
    means, and the test accuracy's spread over seeds), the seed-mean final I(X;T) and I(T;Y)
    per layer (bits), and each layer's compression (``compression``), the last hidden layer's
    apart."""
    comp = compression(info["I_XT"], info["epochs"])
    return {
        "train_acc": float(info["train_acc"][:, -1].mean()),
        "test_acc": float(info["test_acc"][:, -1].mean()),
        "test_acc_std": float(info["test_acc"][:, -1].std()),
        "final_I_XT": info["I_XT"].mean(axis=0)[-1],
        "final_I_TY": info["I_TY"].mean(axis=0)[-1],
        "compression_bits": comp["compression"],
        "last_hidden_compression_bits": float(comp["compression"][-2]),
    }


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
