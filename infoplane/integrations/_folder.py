"""A recorder's folder: its lock, and on resume the check that it holds the same probe set and
the records to continue from, recovered in full."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .._errors import InfoplaneError
from ..runs import LABELS_FILE, activation_files, read_config, read_information, read_npz


def read_records(out: Path, plane: Callable[[list[np.ndarray]], tuple]
                 ) -> tuple[list[str], list[int], list[int], list, list] | None:
    """The records of a folder to continue: ``(layer_names, widths, epochs, I_XT, I_TY)``, the
    planes one (layers,) array per record; None when nothing was recorded yet.

    information.npz is rewritten at most every few seconds, so the chunks written after its
    last rewrite (up to the moment the process died) are read back and their planes computed
    here with ``plane`` (layers -> (I_XT, I_TY)), as they were when recorded: nothing that
    reached the disk is lost.
    """
    config = read_config(out)
    files = activation_files(out)
    if not (files and config.get("layer_names")):
        return None
    if (out / "information.npz").is_file():
        info = read_information(out)
        n = min(len(info.epochs), len(files))
        epochs = [int(e) for e in info.epochs[:n]]
        ixt, ity = list(info.I_XT[0, :n]), list(info.I_TY[0, :n])
    else:
        n, epochs, ixt, ity = 0, [], [], []
    for path in files[n:]:
        epoch, layers = read_chunk(path, len(config["layer_names"]))
        i_xt, i_ty = plane(layers)
        epochs.append(epoch)
        ixt.append(i_xt)
        ity.append(i_ty)
    return list(config["layer_names"]), list(config["layer_widths"]), epochs, ixt, ity


def read_chunk(path: Path, n_layers: int) -> tuple[int, list[np.ndarray]]:
    """One record of a recorder's folder, from its chunk file: the epoch, and each layer's
    (n, units) activations as stored."""
    chunk = read_npz(path)
    return int(chunk["epochs"][0]), [chunk[f"layer_{i}"][0, 0] for i in range(n_layers)]


def check_resumed(out: Path, digest: str, labels: np.ndarray) -> float:
    """H(X) of a folder to continue, after checking it was recorded on the same inputs (their
    sha256 ``digest``) and labels."""
    stored = read_npz(out / LABELS_FILE) if (out / LABELS_FILE).is_file() else {}
    if str(stored.get("inputs_sha256", "")) != digest or not np.array_equal(
            stored.get("labels"), labels):
        raise InfoplaneError(f"cannot resume {out}: it was recorded with other inputs "
                             "or labels; pass the same probe set, or overwrite=True")
    return float(stored["H_X"])


# A killed training process's writer process finishes the record it was handed (a second or
# so) before it ends; a recorder that resumed the folder meanwhile would number its records
# from a count that is about to change. So each recorder holds an exclusive lock on its folder
# (flock, on POSIX systems), inherited by its writer process and so held until both have ended;
# the next recorder of the folder waits for it.
LOCK_WAIT_S = 30.0


def lock_folder(out) -> int | None:
    """A descriptor of ``out`` locked for this recorder (None where flock does not exist)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    fd = os.open(out, os.O_RDONLY)
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise InfoplaneError(
                    f"another recorder is writing into {out} (still open, or the writer process "
                    f"of a killed run finishing its last record for over {LOCK_WAIT_S:.0f} s); "
                    "close it first") from None
            time.sleep(0.05)


def release_lock(fd: int | None) -> None:
    """Close ``lock_folder``'s descriptor (once: a closed number may be another file's)."""
    if fd is not None:
        with contextlib.suppress(OSError):  # closed already
            os.close(fd)
