"""The command line's persistent compilation cache: a run compiles its programs once per machine.

Compiling the training program and the small programs around it takes seconds of every
command that trains (a tenth to a fifth of the main job). JAX can keep compiled programs in a
folder and load them in the next process instead of compiling again
(``jax_compilation_cache_dir``); ``use_compilation_cache`` turns that on for the command line,
in ``$XDG_CACHE_HOME/infoplane/jax`` (default ``~/.cache/infoplane/jax``), before JAX starts.

Why it is sound: JAX keys an entry by the program, the compile options (devices, their
number), the XLA flags and the versions of jax and jaxlib, and XLA checks on loading that the
entry was compiled for this machine's CPU features (an entry that does not fit is compiled
again). A loaded program is the same compiled code, so results are bit-identical; a test
checks it. Known limit: on some CPUs, jax 0.9-0.10 rejects every CPU entry it loads and logs
an error line for each, then compiles as without a cache (jax-ml/jax#38445); set
``INFOPLANE_COMPILATION_CACHE=off`` there.

Left alone: a cache folder the user set (``JAX_COMPILATION_CACHE_DIR``), calls of
``infoplane.cli.main`` from Python (tests, notebooks: their process is not ours to configure),
and distributed runs, whose processes would share one folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

MAX_BYTES = 1 << 30  # JAX evicts the least recently used entries beyond this


def use_compilation_cache(env: MutableMapping[str, str] = os.environ) -> str | None:
    """Point JAX's persistent compilation cache at infoplane's folder in ``env`` (the process's
    environment, read by JAX when it starts); returns the folder, or None where the cache is
    left alone (see the module): turned off, or set by the user."""
    if env.get("INFOPLANE_COMPILATION_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    if "JAX_COMPILATION_CACHE_DIR" in env:
        return None
    base = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = str(base / "infoplane" / "jax")
    env["JAX_COMPILATION_CACHE_DIR"] = folder
    # Every program, not only those over a second: the many small ones add up to seconds.
    env.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    env.setdefault("JAX_COMPILATION_CACHE_MAX_SIZE", str(MAX_BYTES))
    if "jax" in sys.modules and env is os.environ:  # started already: tell it directly
        import jax

        jax.config.update("jax_compilation_cache_dir", folder)
        jax.config.update("jax_persistent_cache_min_compile_time_secs",
                          float(env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"]))
        jax.config.update("jax_compilation_cache_max_size",
                          int(env["JAX_COMPILATION_CACHE_MAX_SIZE"]))
    return folder
