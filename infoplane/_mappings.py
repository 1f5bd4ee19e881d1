"""A warning before a long-lived process runs out of memory mappings for compiled programs.

On a CPU, XLA keeps the machine code of every compiled program in memory mappings of its own
(about three per kernel) for as long as a JAX cache holds the program. Linux allows a process
``vm.max_map_count`` mappings, 65530 by default. A notebook or script that trains many
configurations in one process can reach it, and the next compilation then dies inside LLVM or
XLA (an "Unable to allocate section memory" abort or a segmentation fault), with no Python
error. ``train`` calls ``warn_near_mapping_limit`` first, so that the user hears of it while
there is still room, with the remedy: ``jax.clear_caches()``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

# Warn when a process holds more than this share of its allowed mappings.
WARN_FRACTION = 0.8


class MappingLimitWarning(RuntimeWarning):
    """The process is close to the kernel's limit on memory mappings (see the module)."""


def mapping_counts(maps: str | Path = "/proc/self/maps",
                   limit: str | Path = "/proc/sys/vm/max_map_count") -> tuple[int, int] | None:
    """(mappings this process holds, the kernel's limit), or None where Linux's /proc files
    are missing or unreadable."""
    try:
        allowed = int(Path(limit).read_text())
        with open(maps, "rb") as f:
            held = sum(1 for _ in f)
    except (OSError, ValueError):
        return None
    return held, allowed


def mapping_message(held: int, allowed: int, fraction: float = WARN_FRACTION) -> str | None:
    """The warning's text when ``held`` mappings exceed ``fraction`` of ``allowed``, else
    None."""
    if held <= fraction * allowed:
        return None
    return (f"this process holds {held} memory mappings of the {allowed} Linux allows "
            f"(vm.max_map_count), mostly the machine code of compiled JAX programs; past the "
            f"limit the next compilation crashes the process. Call jax.clear_caches() between "
            f"runs you no longer need compiled, or run them in separate processes")


def warn_near_mapping_limit(fraction: float = WARN_FRACTION) -> None:
    """Warn (``MappingLimitWarning``) when this process is near its limit of memory
    mappings; nothing elsewhere than Linux."""
    counts = mapping_counts()
    message = None if counts is None else mapping_message(*counts, fraction)
    if message is not None:
        warnings.warn(message, MappingLimitWarning, stacklevel=3)
