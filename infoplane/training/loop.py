"""``train``: run a configuration end to end, saving as it goes, resumable.

This is the one function the command line and the analyses call to train networks. It builds
the compiled chunk program (``program.py``), feeds it the logged-epoch schedule chunk by chunk,
and after every chunk writes ``information.npz`` and a checkpoint atomically (``runs.py``).
"""

from __future__ import annotations

import json
import math
import platform
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from .. import __version__
from .._errors import InfoplaneError
from ..data.datasets import Dataset, load_dataset, split
from ..runs import prepare_dir, read_npz, write_activations, write_json, write_npz
from .config import RunConfig
from .program import RunState, Schedule, make_chunk_program, make_optimiser
from .schedules import logged_epochs

PER_LOG = ("I_XT", "I_TY", "train_loss", "test_loss", "train_acc", "test_acc",
           "grad_mean", "grad_std", "weight_norm")


class TrainingDiverged(InfoplaneError):
    """The loss became NaN or infinite; what was recorded before is kept."""


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


def layer_names(config: RunConfig, data: Dataset) -> list[str]:
    """Names like "L1 (10)" for hidden layers and "out (2)" for the softmax output."""
    names = [f"L{i + 1} ({w})" for i, w in enumerate(config.hidden)]
    return names + [f"out ({data.n_classes})"]


def _versions() -> dict:
    import optax

    return {"infoplane": __version__, "jax": jax.__version__, "optax": optax.__version__,
            "numpy": np.__version__, "python": platform.python_version(),
            "devices": [str(d) for d in jax.devices()]}


def train(config: RunConfig, out=None, *, resume: bool = False, overwrite: bool = False,
          progress: bool = True, data: Dataset | None = None) -> dict[str, np.ndarray]:
    """Train ``config.seeds`` networks while recording the information plane.

    Args:
        config: the run configuration (validated here).
        out: a run directory to write to; None keeps everything in memory.
        resume: continue the run in ``out`` from its last saved chunk. The result is identical
            to an uninterrupted run.
        overwrite: replace an existing ``out``.
        progress: show a progress bar.
        data: a data set to use instead of ``config.dataset`` (the name is still recorded).

    Returns:
        The arrays of information.npz: I_XT and I_TY [seed, logged_epoch, layer] in bits,
        epochs, layer_names, H_X, H_Y, losses (bits) and accuracies [seed, logged_epoch],
        grad_mean, grad_std and weight_norm [seed, logged_epoch, layer].

    Raises:
        InfoplaneError: for a bad configuration or directory.
        TrainingDiverged: when the loss becomes NaN; the records up to then are saved.
    """
    config = config.validate()
    data = data if data is not None else load_dataset(config.dataset)
    rows = split(data, config.split, config.train_fraction, config.split_seed)
    widths = (data.x.shape[1], *config.hidden, data.n_classes)
    logged = logged_epochs(config.schedule, config.epochs, config.schedule_value)
    chunks = plan_chunks(logged, config.epochs, config.chunk_logs, config.chunk_epochs)

    devices = jax.devices()
    n_dev = len(devices)
    # Each device trains all of its seeds as one batched group (make_chunk_program's default; on
    # a 2-core CPU, groups of 5 and of 25 seeds ran within 10% of each other). The seeds are
    # padded to a multiple of the device count; the extra seeds are dropped from the records.
    n_run = -(-config.seeds // n_dev) * n_dev
    init, chunk_fn, _ = make_chunk_program(
        data=data, split=rows, widths=widths, activation=config.activation,
        optimiser=make_optimiser(config.optimiser, config.learning_rate, config.momentum,
                                 config.weight_decay),
        batch_size=config.batch_size, shuffle=config.batch_order == "shuffle",
        bins=config.bins, dropout=config.dropout, unit_noise=config.unit_noise,
        record_layers=config.record_layers, record_dtype=config.record_dtype,
        init=config.init, init_std=config.init_std, devices=devices,
    )
    keys = jax.random.key_data(jax.vmap(jax.random.key)(
        jnp.arange(config.seed, config.seed + n_run)))
    state = init(keys)
    if config.init_from:
        state = _continue_from(Path(config.init_from), state)

    names = layer_names(config, data)
    p_y = np.bincount(data.y, minlength=data.n_classes) / data.y.size
    static = {
        "epochs": logged,
        "layer_names": np.array(names),
        "layer_widths": np.array(widths[1:]),
        "seeds": np.arange(config.seed, config.seed + config.seeds),
        "H_X": np.float64(math.log2(len(np.unique(data.x, axis=0)))),
        "H_Y": np.float64(-(p_y[p_y > 0] * np.log2(p_y[p_y > 0])).sum()),
    }
    records: dict[str, list[np.ndarray]] = {}
    done_chunks = 0
    run_dir = None
    if out is not None:
        run_dir = prepare_dir(out, resume=resume, overwrite=overwrite)
        if resume:
            done_chunks, state, records = _restore(run_dir, config, state)
        else:
            write_json(run_dir / "config.json", {
                "config": config.to_dict(), "versions": _versions(),
                "logged_epochs": logged.tolist(), "n_chunks": len(chunks),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            })

    if done_chunks == len(chunks):  # resuming a finished run: nothing to train or compile
        return _assemble(static, records, complete=True)
    # Compile ahead of time, so that the cost of compilation is known and reported apart.
    t0 = time.perf_counter()
    compiled = chunk_fn.lower(state, Schedule(*map(jnp.asarray, chunks[0]))).compile()
    static["compile_seconds"] = np.float64(time.perf_counter() - t0)
    t0 = time.perf_counter()
    bar = _progress(config, chunks, done_chunks, progress)
    try:
        for ci in range(done_chunks, len(chunks)):
            sched = chunks[ci]
            state, rec = compiled(state, Schedule(*map(jnp.asarray, sched)))
            rec = jax.device_get(rec)
            k = int(sched.valid.sum())
            for name in PER_LOG:
                records.setdefault(name, []).append(np.asarray(rec[name])[: config.seeds, :k])
            static["train_seconds"] = np.float64(time.perf_counter() - t0)
            if run_dir is not None:
                _save_activations(run_dir, ci, sched, rec, config)
                _save(run_dir, static, records, complete=ci == len(chunks) - 1)
                _checkpoint(run_dir, ci + 1, state)
            losses = records["train_loss"][-1]
            if not np.isfinite(losses).all():
                raise TrainingDiverged(
                    f"the training loss became NaN or inf near epoch {int(sched.epochs[0])}; "
                    "lower the learning rate. Records up to then are kept"
                    + (f" in {run_dir}" if run_dir else "")
                )
            if bar is not None:
                bar.update(int(sched.lengths[:k].sum()))
                bar.set_postfix(train_acc=f"{losses.size and records['train_acc'][-1].mean():.3f}")
    except KeyboardInterrupt:
        if run_dir is not None:
            raise InfoplaneError(
                f"interrupted; what was recorded is in {run_dir}; continue with --resume"
            ) from None
        raise
    finally:
        if bar is not None:
            bar.close()
    return _assemble(static, records, complete=True)


def _assemble(static, records, complete: bool) -> dict[str, np.ndarray]:
    arrays = dict(static)
    n_logged = 0
    for name, parts in records.items():
        arrays[name] = np.concatenate(parts, axis=1)
        n_logged = arrays[name].shape[1]
    arrays["epochs"] = static["epochs"][:n_logged]
    arrays["complete"] = np.bool_(complete)
    return arrays


def _save(run_dir: Path, static, records, complete: bool) -> None:
    write_npz(run_dir / "information.npz", **_assemble(static, records, complete))


def _checkpoint(run_dir: Path, next_chunk: int, state: RunState) -> None:
    leaves = jax.tree.leaves(jax.device_get(state))
    write_npz(run_dir / "checkpoint.npz", next_chunk=np.int64(next_chunk),
             **{f"leaf_{i}": np.asarray(v) for i, v in enumerate(leaves)})


def _restore(run_dir: Path, config: RunConfig, fresh: RunState):
    saved = json.loads((run_dir / "config.json").read_text())["config"]
    if RunConfig.from_dict(saved) != config:
        raise InfoplaneError(
            f"cannot resume {run_dir}: its config.json differs from the configuration given; "
            "resume with the same settings, or use --overwrite"
        )
    if not (run_dir / "checkpoint.npz").is_file():
        return 0, fresh, {}
    ck = read_npz(run_dir / "checkpoint.npz")
    next_chunk = int(ck["next_chunk"])
    state = _state_from(ck, fresh, run_dir)
    info = read_npz(run_dir / "information.npz")
    n_logged = _logs_in_chunks(config, next_chunk)
    records = {name: [info[name][:, :n_logged]] for name in PER_LOG if name in info}
    return next_chunk, state, records


def _state_from(ck: dict, fresh: RunState, where: Path) -> RunState:
    """A RunState with the structure of ``fresh`` and the arrays of a checkpoint."""
    leaves, treedef = jax.tree.flatten(fresh)
    if any(f"leaf_{i}" not in ck or ck[f"leaf_{i}"].shape != leaf.shape
           for i, leaf in enumerate(leaves)):
        raise InfoplaneError(
            f"the checkpoint in {where} does not fit this run (different architecture, "
            "optimiser, number of seeds or of devices)"
        )
    restored = [jnp.asarray(ck[f"leaf_{i}"], dtype=leaf.dtype) for i, leaf in enumerate(leaves)]
    return jax.tree.unflatten(treedef, restored)


def _continue_from(run_dir: Path, fresh: RunState) -> RunState:
    """The final state of a finished run, to continue training from (config.init_from)."""
    path = run_dir / "checkpoint.npz"
    if not path.is_file():
        raise InfoplaneError(f"init_from: {run_dir} has no checkpoint.npz; train it first")
    info = read_npz(run_dir / "information.npz")
    if not bool(info.get("complete", False)):
        raise InfoplaneError(f"init_from: the run in {run_dir} is not complete; resume it first")
    # Keep this run's own random streams (shuffling, dropout) but the trained parameters.
    state = _state_from(read_npz(path), fresh, run_dir)
    return RunState(state.params, state.opt_state, fresh.key)


def _logs_in_chunks(config: RunConfig, n_chunks: int) -> int:
    logged = logged_epochs(config.schedule, config.epochs, config.schedule_value)
    chunks = plan_chunks(logged, config.epochs, config.chunk_logs, config.chunk_epochs)
    return int(sum(c.valid.sum() for c in chunks[:n_chunks]))


def _save_activations(run_dir: Path, ci: int, sched: Schedule, rec, config: RunConfig) -> None:
    if not config.record_layers:
        return
    k = int(sched.valid.sum())
    write_activations(run_dir, ci, sched.epochs[:k],
                      {li: np.asarray(rec[f"act_{li}"])[: config.seeds, :k]
                       for li in config.record_layers})


def _progress(config: RunConfig, chunks, done: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    total = config.epochs
    initial = int(sum(int(c.lengths[c.valid].sum()) for c in chunks[:done]))
    return tqdm(total=total, initial=initial, unit="epoch", desc=f"{config.seeds} seeds",
                dynamic_ncols=True)
