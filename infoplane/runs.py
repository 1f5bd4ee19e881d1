"""The run-folder format, written and read in one place.

A run directory holds:
    config.json       the complete configuration, versions, seeds and the logged epochs
    information.npz   I_XT, I_TY [seed, logged_epoch, layer] in bits (I_XT_ci95, I_TY_ci95
                      [2, logged_epoch, layer]: the 95% interval of the seed mean), epochs,
                      layer_names, losses, accuracies, gradient statistics, weight norms;
                      rewritten after every chunk, so it always holds everything recorded
    checkpoint.npz    the training state after the last saved chunk, for ``resume``: its
                      leaves ``leaf_0``, ``leaf_1``, ... and ``next_chunk``
    activations/      optional raw activations: ``chunk_NNNNN.npz``, one file per chunk, each
                      with ``epochs`` (k,) and ``layer_{li}`` [seed, k, n, units] arrays; a run
                      over several processes writes each chunk in parts, one per process,
                      ``chunk_NNNNN.seed_SSSSSS.npz`` (its seeds from SSSSSS on, with
                      ``first_seed`` and ``n_seeds``), joined by the readers along the seeds
    labels.npz        for a run recorded elsewhere (``integrations.Recorder``): the probe
                      inputs' labels, H_X, their digest, the inputs (unless store_inputs=False)
    information_<name>.npz   planes re-estimated from the activations (``infoplane plane``)

Every file is written atomically (``atomic_write_bytes``). Readers are ``read_*`` (the
information files as typed records, ``infoplane.records``; the others as dicts of arrays;
every file error one line); writers are ``write_*``.
"""

from __future__ import annotations

import json
import platform
import shutil
import time
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

import numpy as np

from ._errors import InfoplaneError

# the atomic file writers live below the records (``data._formats``); runs re-exports them
from .data._formats import atomic_write_bytes as atomic_write_bytes
from .data._formats import open_npz, read_npz, write_json, write_npz
from .records import InformationPlane, RunResult

LABELS_FILE = "labels.npz"


def prepare_dir(out, *, resume: bool, overwrite: bool) -> Path:
    """Create the run directory, or check that it may be reused: an existing, non-empty
    directory is refused unless ``resume`` (continue it) or ``overwrite`` (delete it first)."""
    out = Path(out)
    if resume and overwrite:
        raise InfoplaneError("choose either resume=True or overwrite=True, not both", usage=True,
                             cli="choose either --resume or --overwrite, not both")
    exists = out.exists() and any(out.iterdir()) if out.is_dir() else out.exists()
    if out.exists() and not out.is_dir():
        raise InfoplaneError(f"{out} exists and is not a directory")
    if resume:
        if not (out / "config.json").is_file():
            raise InfoplaneError(f"cannot resume: {out} holds no run (no config.json)", usage=True)
        return out
    if exists:
        if not overwrite:
            raise InfoplaneError(f"{out} already exists; pass resume=True to continue it or "
                                 "overwrite=True to replace it", usage=True, cli=f"{out} already"
                                 " exists; pass --resume to continue it or --overwrite to replace"
                                 " it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def not_a_run_folder(path, also: str = "") -> InfoplaneError:
    """The one error for a folder that is not a run: ``also`` says what else the command
    looked for (e.g. "nor .npy files of activations")."""
    also = f" ({also})" if also else ""
    return InfoplaneError(f"{path} is not a run folder: it holds no information.npz or "
                          f"config.json{also}; run folders are written by infoplane train, "
                          "infoplane reproduce and the recorders")


def _information_path(run_dir) -> Path:
    """A run's information.npz (``run_dir`` a run folder or the file itself), or the one error
    for a folder without it."""
    run_dir = Path(run_dir)
    if run_dir.is_dir() and not (run_dir / "information.npz").exists():
        if (run_dir / "config.json").exists():
            raise InfoplaneError(f"{run_dir} holds no information.npz yet: the run has written "
                                 "no logged epoch")
        raise not_a_run_folder(run_dir)
    return run_dir / "information.npz" if run_dir.is_dir() else run_dir


def read_information(run_dir) -> InformationPlane:
    """The information plane of a run (its information.npz) or of an ``information*.npz``
    file, as written by this or an earlier version."""
    return InformationPlane.from_npz(_information_path(run_dir))


def read_run(run_dir) -> RunResult:
    """A run's information.npz as a ``RunResult``: its plane, its training history (None for
    a run recorded from another framework), whether it is complete, its seeds and timings."""
    return RunResult.from_npz(_information_path(run_dir))


def write_information(run_dir, run: RunResult) -> None:
    """Write (or rewrite) a run's information.npz, atomically."""
    run.to_npz(Path(run_dir) / "information.npz")


def versions(devices: list[str]) -> dict:
    """The versions a run was made with (as installed; read from the package metadata, so that
    this module imports neither JAX nor the package root), and its ``devices`` (their names)."""
    return {**{name: _installed_version(name) for name in ("infoplane", "jax", "optax")},
            "numpy": np.__version__, "python": platform.python_version(),
            "devices": list(devices)}


def provenance(*, method: str | None = None, settings: Mapping | None = None,
               source: str | None = None, devices: list[str] | None = None) -> dict:
    """What an output was made from: the estimator ``method``, every setting it used (defaults
    included), the data ``source`` (a run folder, a file, a data set) and the ``versions``."""
    return {"method": method, "settings": dict(settings or {}), "source": source,
            "versions": versions(devices or [])}


def provenance_fields(prov: dict) -> dict[str, np.ndarray]:
    """``provenance`` as .npz members: one JSON string array named "provenance"."""
    return {"provenance": np.array(json.dumps(prov, default=str))}


def _installed_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def write_config(run_dir, config: dict, *, logged_epochs, n_chunks: int, devices: list[str],
                 layout: dict | None = None) -> None:
    """Write a run's config.json: the configuration's fields (``RunConfig.to_dict()``), the
    ``versions``, the logged epochs, the number of chunks, the time of creation and, when
    given, the ``layout`` of its seeds (which runs can resume it: ``training.loop``)."""
    write_json(Path(run_dir) / "config.json", {
        "config": config, "versions": versions(devices),
        "logged_epochs": [int(e) for e in logged_epochs], "n_chunks": int(n_chunks),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        **({"layout": layout} if layout is not None else {}),
    })


def read_config(run_dir, entry: str = "config"):
    """An entry of a run's config.json: by default ``config`` (a plain dict of configuration
    fields); "logged_epochs", "n_chunks", "versions", "created" as ``write_config`` wrote them."""
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        if not (Path(run_dir) / "information.npz").exists():
            raise not_a_run_folder(run_dir)
        raise InfoplaneError(f"{run_dir} holds no config.json: the run's settings are unknown")
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))[entry]
        return dict(saved) if entry == "config" else saved
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as err:
        raise InfoplaneError(f"{path} is not an infoplane config.json ({err})") from None


def write_checkpoint(run_dir, next_chunk: int, leaves: list[np.ndarray]) -> None:
    """Write a run's checkpoint.npz: the leaves of its training state (in ``jax.tree.leaves``
    order) as ``leaf_0``, ``leaf_1``, ..., and ``next_chunk``, the chunk to run next."""
    write_npz(Path(run_dir) / "checkpoint.npz", next_chunk=np.int64(next_chunk),
              **{f"leaf_{i}": np.asarray(v) for i, v in enumerate(leaves)})


def read_checkpoint(run_dir) -> tuple[int, list[np.ndarray]] | None:
    """A run's checkpoint as ``(next_chunk, leaves)``, or None when it has saved none yet."""
    path = Path(run_dir) / "checkpoint.npz"
    if not path.is_file():
        return None
    saved = read_npz(path)
    leaves: list[np.ndarray] = []
    while f"leaf_{len(leaves)}" in saved:
        leaves.append(saved[f"leaf_{len(leaves)}"])
    return int(saved["next_chunk"]), leaves


def write_activations(run_dir, chunk: int, epochs, layers: dict[int, np.ndarray],
                      first_seed: int | None = None) -> None:
    """Write one chunk of recorded activations: ``layers`` maps a layer index to its
    [seed, k, n, units] array for the k logged ``epochs`` of chunk number ``chunk``.

    With ``first_seed``, the arrays hold only the seeds from ``first_seed`` on, and are written
    as one part of the chunk (by one process of a distributed run)."""
    folder = Path(run_dir) / "activations"
    folder.mkdir(exist_ok=True)
    arrays = {f"layer_{li}": np.asarray(a) for li, a in layers.items()}
    if first_seed is None:
        write_npz(folder / f"chunk_{chunk:05d}.npz", epochs=np.asarray(epochs), **arrays)
        return
    write_npz(folder / f"chunk_{chunk:05d}.seed_{first_seed:06d}.npz",
              epochs=np.asarray(epochs), first_seed=np.int64(first_seed),
              n_seeds=np.int64(len(next(iter(arrays.values())))), **arrays)


def activation_chunks(run_dir) -> list[list[Path]]:
    """A run's activation files grouped by chunk, in chunk order: each chunk's one file, or its
    parts in seed order (empty when none were recorded)."""
    chunks: dict[str, list[Path]] = {}
    for path in sorted((Path(run_dir) / "activations").glob("chunk_*.npz")):
        chunks.setdefault(path.name.split(".")[0], []).append(path)
    return [chunks[name] for name in sorted(chunks)]


def activation_files(run_dir) -> list[Path]:
    """A run's activation chunk files in chunk order, one per chunk (its first part, for a
    chunk written in parts; empty when none were recorded)."""
    return [files[0] for files in activation_chunks(run_dir)]


def _member(path: Path, key: str) -> np.ndarray:
    """One array of an .npz file, read without loading the others."""
    with open_npz(path, "a chunk of recorded activations") as f:
        if key not in f.files:
            raise InfoplaneError(f"{path} has no array {key!r}; was it written by this run?")
        return f[key]


def recorded_layers(run_dir) -> list[int]:
    """The indices of the layers whose activations a run recorded (from its first chunk)."""
    for first in activation_files(run_dir)[:1]:
        with open_npz(first, "a chunk of recorded activations") as f:
            return sorted(int(k[6:]) for k in f.files if k.startswith("layer_"))
    return []


def read_activations(run_dir, layers=None, dtype=None) -> tuple[np.ndarray, list[np.ndarray]]:
    """A run's recorded activations.

    Reads one layer at a time, so that only the layers themselves are held (3.5 GB as float16
    for a full 50-seed tishby2017 run), not also every chunk file's other contents.

    Args:
        run_dir: a run directory.
        layers: layer indices to read (default: every recorded layer, in index order).
        dtype: convert each layer to this dtype (default: as recorded).

    Returns:
        ``(epochs, acts)``: the logged epochs (int64, (E,)) and one [seed, E, n, units] array
        per layer of ``layers``.

    Raises:
        InfoplaneError: when the run recorded no activations, or not those layers.
    """
    files = activation_files(run_dir)
    if not files:
        why = f"{run_dir} has no recorded activations (no activations/chunk_*.npz); re-run "
        raise InfoplaneError(why + "training with record_layers=(0, 1, 2, 3, 4, 5), the layers "
                             "to record", cli=why + "training with --set 'record_layers=[0, 1, "
                             "2, 3, 4, 5]', the layers to record")
    layers = recorded_layers(run_dir) if layers is None else list(layers)
    epochs = np.concatenate([_member(f, "epochs") for f in files]).astype(np.int64)
    chunks = activation_chunks(run_dir)
    for parts in chunks:
        _check_parts(parts)
    acts = []
    for li in layers:
        a = np.concatenate([np.concatenate([_member(f, f"layer_{li}") for f in parts])
                            for parts in chunks], axis=1)
        acts.append(a if dtype is None else a.astype(dtype))
    return epochs, acts


def _check_parts(parts: list[Path]) -> None:
    """Raise unless a chunk's parts follow each other, seed after seed, from seed 0."""
    if len(parts) == 1 and "." not in parts[0].stem:
        return
    expected = 0
    for path in parts:
        first = int(_member(path, "first_seed")) if "." in path.stem else -1
        if first != expected:
            raise InfoplaneError(
                f"{path.parent} mixes activation files of differently split runs near "
                f"{path.name} (expected seeds from {expected}); delete the activations of that "
                "chunk and resume the run to write them again")
        expected += int(_member(path, "n_seeds"))
