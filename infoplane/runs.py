"""Run directories: the configuration, results written atomically as they come, and resume.

A run directory holds:
    config.json       the complete configuration, versions, seeds and the logged epochs
    information.npz   I_XT, I_TY [seed, logged_epoch, layer] in bits, epochs, layer_names,
                      losses, accuracies, gradient statistics, weight norms; rewritten after
                      every chunk, so it always holds everything recorded so far
    checkpoint.npz    the training state after the last saved chunk, for ``resume``
    activations/      optional raw activations, one file per chunk
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ._errors import InfoplaneError


def atomic_write_bytes(path: Path, write) -> None:
    """Write a file through ``write(file_object)`` into a temporary file, then rename it.

    A reader (or a crash) sees either the old file or the new one, never half of one.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the permissions of a normal new file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_npz(path, **arrays) -> None:
    """``np.savez`` written atomically."""
    atomic_write_bytes(Path(path), lambda f: np.savez(f, **arrays))


def save_json(path, obj) -> None:
    """JSON written atomically, indented."""
    text = json.dumps(obj, indent=2, sort_keys=False).encode()
    atomic_write_bytes(Path(path), lambda f: f.write(text))


def load_npz(path) -> dict[str, np.ndarray]:
    """All arrays of an .npz file as a dict (the file is closed on return)."""
    path = Path(path)
    if not path.is_file():
        raise InfoplaneError(f"no such file: {path}")
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def prepare_dir(out, *, resume: bool, overwrite: bool) -> Path:
    """Create the run directory, or check that it may be reused.

    An existing, non-empty directory is refused unless ``resume`` (continue it) or
    ``overwrite`` (delete it first).
    """
    out = Path(out)
    if resume and overwrite:
        raise InfoplaneError("choose either --resume or --overwrite, not both")
    exists = out.exists() and any(out.iterdir()) if out.is_dir() else out.exists()
    if out.exists() and not out.is_dir():
        raise InfoplaneError(f"{out} exists and is not a directory")
    if resume:
        if not (out / "config.json").is_file():
            raise InfoplaneError(f"cannot resume: {out} holds no run (no config.json)")
        return out
    if exists:
        if not overwrite:
            raise InfoplaneError(
                f"{out} already exists; pass --resume to continue it or --overwrite to replace it"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def read_information(run_dir) -> dict[str, np.ndarray]:
    """The arrays of a run's information.npz (I_XT, I_TY, epochs, layer_names, ...)."""
    run_dir = Path(run_dir)
    path = run_dir / "information.npz" if run_dir.is_dir() else run_dir
    data = load_npz(path)
    if "I_XT" not in data or "I_TY" not in data:
        raise InfoplaneError(f"{path} has no I_XT / I_TY arrays; is it an infoplane run?")
    return data
