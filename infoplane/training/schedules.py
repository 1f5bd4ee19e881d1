"""Which epochs are logged. Every schedule returns sorted, unique epoch indices in [0, epochs).

A logged epoch e is measured at the start of epoch e, before its updates (as in IDNNs), so
epoch 0 is the initialisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .._errors import InfoplaneError, check_choice, check_positive_int

SCHEDULES = ("idnns", "saxe", "every", "log", "list")


def idnns(epochs: int, points: int = 400) -> np.ndarray:
    """IDNNs: unique(int(logspace(0, log2(epochs), points, base=2))) - 1 (274 for 8000)."""
    e = np.unique(np.logspace(0, np.log2(epochs), points, base=2).astype(int)) - 1
    return e[e < epochs]


def saxe(epochs: int) -> np.ndarray:
    """Saxe et al.: every epoch below 20, every 5th below 100, every 20th below 2000, then
    every 100th."""
    e = np.concatenate([np.arange(0, 20), np.arange(20, 100, 5), np.arange(100, 2000, 20),
                        np.arange(2000, max(epochs, 2000), 100)])
    return e[e < epochs]


def every(epochs: int, step: int) -> np.ndarray:
    """Every ``step``-th epoch from 0, and the last epoch."""
    return np.unique(np.append(np.arange(0, epochs, step), epochs - 1))


def logspaced(epochs: int, points: int) -> np.ndarray:
    """About ``points`` log-spaced epochs from 0 to epochs - 1 (fewer where they coincide)."""
    e = np.unique(np.round(np.logspace(0, np.log10(epochs), points)).astype(int) - 1)
    return e[(e >= 0) & (e < epochs)]


def logged_epochs(schedule: str, epochs: int, value: int | Sequence[int] | None = None
                  ) -> np.ndarray:
    """The logged epochs for a schedule name.

    Args:
        schedule: "idnns", "saxe", "every" (value = step), "log" (value = number of points) or
            "list" (value = the epochs).
        epochs: the number of training epochs.
        value: the schedule's parameter, where it has one.

    Returns:
        int64 array of sorted unique epochs in [0, epochs).
    """
    check_choice("schedule", schedule, SCHEDULES)
    epochs = check_positive_int("epochs", epochs)
    if schedule == "idnns":
        return idnns(epochs)
    if schedule == "saxe":
        return saxe(epochs)
    if schedule == "list":
        if value is None:
            raise InfoplaneError("schedule 'list' needs the epochs to log")
        e = np.unique(np.asarray(value, dtype=np.int64))
        if e.size == 0 or e.min() < 0 or e.max() >= epochs:
            raise InfoplaneError(f"logged epochs must lie in [0, {epochs}), got {list(value)}")
        return e
    default = 100 if schedule == "every" else 100
    step_or_points = check_positive_int(f"schedule {schedule!r} value",
                                        default if value is None else value)
    if schedule == "every":
        return every(epochs, step_or_points)
    return logspaced(epochs, step_or_points)


class Schedule(NamedTuple):
    """A chunk of logged epochs, padded to a fixed length so that one program serves all chunks.

    Attributes (NumPy arrays here; the compiled program receives them as JAX arrays):
        epochs: (K,) int32 logged epochs.
        lengths: (K,) int32 epochs to train after each logged epoch, up to the next one.
        valid: (K,) bool, False for padding entries (nothing is measured or trained).
    """

    epochs: np.ndarray
    lengths: np.ndarray
    valid: np.ndarray


def plan_chunks(logged: np.ndarray, epochs: int, max_logs: int, max_epochs: int
                ) -> list[Schedule]:
    """Group logged epochs into chunks of at most ``max_logs``, each padded to that length.

    A chunk closes early once the epochs it trains reach ``max_epochs``, so that results are
    saved and progress is shown at a steady pace. The grouping depends only on the arguments,
    so a resumed run replays exactly the same chunks.
    """
    lengths = np.diff(np.append(logged, epochs))
    chunks, start = [], 0
    while start < len(logged):
        stop, covered = start, 0
        while stop < len(logged) and stop - start < max_logs and (
            covered < max_epochs or stop == start
        ):
            covered += lengths[stop]
            stop += 1
        k = stop - start
        pad = max_logs - k
        chunks.append(Schedule(
            np.concatenate([logged[start:stop], np.full(pad, epochs)]).astype(np.int32),
            np.concatenate([lengths[start:stop], np.zeros(pad)]).astype(np.int32),
            np.arange(max_logs) < k,
        ))
        start = stop
    return chunks
