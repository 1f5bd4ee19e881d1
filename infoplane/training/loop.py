"""``train``: run a configuration end to end, saving as it goes, resumable.

This is the one function the command line and the studies call to train networks. It builds
the compiled chunk program (``program.py``), feeds it the logged-epoch schedule chunk by chunk,
and decides what to write when: after every chunk the recorded activations, information.npz
and a checkpoint, each atomically, in the format of ``infoplane.runs``.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import InfoplaneError
from .._mappings import warn_near_mapping_limit
from .._stats import outside_bracket
from ..data import Dataset, load_dataset, split
from ..records import RunResult
from ..runs import (
    prepare_dir,
    read_checkpoint,
    read_config,
    read_npz,
    read_run,
    write_activations,
    write_checkpoint,
    write_config,
    write_information,
)
from . import distributed
from .config import RunConfig
from .measure import run_constants
from .model import Model
from .network import Network
from .program import RunState, build_program
from .schedules import Schedule, logged_epochs, plan_chunks
from .sharding import SeedLayout, blocks, joined, on_devices, seed_keys, seed_layout

PER_LOG = ("I_XT", "I_TY", "train_loss", "test_loss", "train_acc", "test_acc",
           "grad_mean", "grad_std", "weight_norm", "I_TY_lower", "I_TY_lower_stderr")


class TrainingDiverged(InfoplaneError):
    """The loss became NaN or infinite; what was recorded before is kept."""


def train(config: RunConfig, out=None, *, resume: bool = False, overwrite: bool = False,
          progress: bool = True, data: Dataset | None = None, model: Model | None = None
          ) -> RunResult:
    """Train ``config.seeds`` networks while recording the information plane.

    Args:
        config: the run configuration (validated here).
        out: a run directory to write to; None keeps everything in memory.
        resume: continue the run in ``out`` from its last saved chunk. The result is identical
            to an uninterrupted run.
        overwrite: replace an existing ``out``.
        progress: show a progress bar.
        data: a data set to use instead of ``config.dataset`` (the name is still recorded).
        model: a network of your own (``Model(init, apply)``) to train instead of the built-in
            one ``config.model`` names; its name is recorded in config.json, and resuming the
            run needs the same model again.

    Returns:
        The run (``records.RunResult``, what information.npz holds): ``plane``, the binned
        (or, quantised, exact) ``InformationPlane`` with I_XT and I_TY [seed, logged_epoch,
        layer] in bits, epochs, layer_names, H_X, H_Y; ``history``, the losses (bits) and
        accuracies [seed, logged_epoch], grad_mean, grad_std and weight_norm [seed,
        logged_epoch, weight] (weight_names); the seeds, layer widths and timings.

    Raises:
        InfoplaneError: for a bad configuration or directory.
        TrainingDiverged: when the loss becomes NaN; the records up to then are saved.

    Warns:
        MappingLimitWarning: the process is near Linux's limit of memory mappings, which
            compiled programs use up (``infoplane._mappings``).
    """
    if model is not None and not isinstance(model, Model):
        raise InfoplaneError(f"model must be an infoplane Model(init, apply), got "
                             f"{type(model).__name__}")
    warn_near_mapping_limit()  # before this run compiles its programs
    # A model of one's own has its own layers: record_layers is checked against them below.
    (config if model is None else config.replace(record_layers=())).validate()
    data = data if data is not None else load_dataset(config.dataset)
    rows = split(data, config.split, config.train_fraction, config.split_seed)
    logged = logged_epochs(config.schedule, config.epochs, config.schedule_value)
    chunks = plan_chunks(logged, config.epochs, config.chunk_logs, config.chunk_epochs)
    saved = dict(config.to_dict(), **({"user_model": model.name} if model else {}))
    distributed.check_same_everywhere(
        "configuration, out, resume or overwrite",
        [saved, str(out), resume, overwrite, len(jax.devices())],
        cli_what="configuration, --out, --resume or --overwrite")
    # With several processes, the devices of all of them; one process uses one per group.
    layout = seed_layout(config.seeds, jax.devices())
    program = build_program(config, data, rows, layout.group, model=model)
    _check_recorded_layers(config, program.network)
    # Every seed's fresh state, on the host; each device then gets its own block of seeds.
    state = jax.device_get(program.init(seed_keys(config.seed, layout.n_run)))
    if config.init_from:
        state = _continue_from(Path(config.init_from), state, config.seeds)

    static = run_constants(config, data, program.network, logged)
    records: dict[str, list[np.ndarray]] = {}
    done, run_dir = 0, None
    if out is not None:
        distributed.writer_first(lambda: _start_dir(out, resume, overwrite, saved, logged,
                                                    len(chunks), layout), "start " + str(out))
        run_dir = Path(out)
        if resume:
            done, state, records = _restore(run_dir, config, state, chunks, layout)
    if done < len(chunks):  # else a finished run was resumed: nothing to train or compile
        _train_chunks(program.chunk, blocks(state, layout), layout, chunks, done, config,
                      static, records, run_dir, progress)
    return _assemble(static, records, complete=True)


def layout_record(layout: SeedLayout) -> dict:
    """What of a layout decides a seed's numbers (config.json's "layout"): the platform and
    the size of the seed groups. The devices and processes do not, and are kept to say where
    the run was made."""
    return {"platform": layout.devices[0].platform, "seed_group": layout.group,
            "devices": len(layout.devices), "processes": distributed.process_count(),
            "groups_per_device": layout.per_device}


def _start_dir(out, resume: bool, overwrite: bool, saved: dict, logged: np.ndarray,
               n_chunks: int, layout: SeedLayout) -> None:
    """Create (or check, to resume) the run directory, and write a new run's config.json."""
    run_dir = prepare_dir(out, resume=resume, overwrite=overwrite)
    if not resume:
        write_config(run_dir, saved, logged_epochs=logged, n_chunks=n_chunks,
                     devices=[str(d) for d in layout.devices], layout=layout_record(layout))


def _train_chunks(chunk_fn, states: list, layout: SeedLayout, chunks: list[Schedule],
                  first: int, config: RunConfig, static: dict, records: dict,
                  run_dir: Path | None, progress: bool) -> None:
    """Compile, then run ``chunks[first:]`` on every local device's block of seeds
    (``states``), appending to ``records`` and saving after each.

    Compilation is ahead of time, one program per local device (the same program), so that its
    cost is known and reported apart (``static["compile_seconds"]``, then
    ``static["train_seconds"]`` after every chunk).
    """
    t0 = time.perf_counter()
    compiled = _compile(chunk_fn, states, _on_device(chunks[0]))
    static["compile_seconds"] = np.float64(time.perf_counter() - t0)
    t0 = time.perf_counter()
    bar = _progress(config, chunks, first, progress and distributed.is_writer())
    try:
        for ci in range(first, len(chunks)):
            sched = chunks[ci]
            states, rec, leaves = _run_chunk(compiled, states, sched, layout, config.seeds,
                                             run_dir)
            k = int(sched.valid.sum())
            for name in (name for name in PER_LOG if name in rec):
                records.setdefault(name, []).append(np.asarray(rec[name])[: config.seeds, :k])
            static["train_seconds"] = np.float64(time.perf_counter() - t0)
            if run_dir is not None:
                _save_chunk(run_dir, ci, sched, rec, config, layout)
                if distributed.is_writer():
                    write_information(run_dir, _assemble(static, records, ci == len(chunks) - 1))
                    write_checkpoint(run_dir, ci + 1, leaves)
            _check_finite(records, sched, run_dir)
            if bar is not None:
                bar.update(int(sched.lengths[:k].sum()))
                acc = records["train_acc"][-1]
                bar.set_postfix(train_acc=f"{acc.size and acc.mean():.3f}")
    except KeyboardInterrupt:
        if run_dir is not None:
            said = f"interrupted; what was recorded is in {run_dir}; continue with "
            raise InfoplaneError(said + "resume=True", cli=said + "--resume") from None
        raise
    finally:
        if bar is not None:
            bar.close()


def _compile(chunk_fn, states: list, sched: Schedule) -> list:
    """``chunk_fn`` compiled for each local device (XLA compiles in parallel threads)."""
    lowered = [chunk_fn.lower(st, jax.device_put(sched, jax.tree.leaves(st)[0].devices().pop()))
               for st in states]
    if len(lowered) == 1:
        return [lowered[0].compile()]
    with ThreadPoolExecutor(len(lowered)) as pool:
        return list(pool.map(lambda low: low.compile(), lowered))


def _run_chunk(compiled: list, states: list, sched: Schedule, layout: SeedLayout,
               n_seeds: int, run_dir: Path | None):
    """One compiled chunk on every local device: the new states, the records on the host and,
    when there is a run directory to checkpoint in, the state's leaves of the ``n_seeds`` real
    seeds on the host (else None).

    With several processes, the activations ``act_*`` stay this process's own rows and the
    rest, with the state, is gathered in one all-gather; a process that is gone makes this fail
    at once, with ``distributed.lost_peer``."""
    try:
        states, recs = on_devices(compiled, states, _on_device(sched))
        rec, whole = joined(recs), joined(states) if run_dir is not None else None
    except (RuntimeError, ValueError) as err:  # only with several processes: a lost peer
        if distributed.process_count() == 1:
            raise
        raise distributed.lost_peer(err, run_dir) from None
    if distributed.process_count() > 1:
        acts = {k: v for k, v in rec.items() if k.startswith("act_")}
        rest, whole = distributed.gather(
            ({k: v for k, v in rec.items() if k not in acts}, whole), run_dir)
        rec = dict(rest, **acts)
    leaves = None if whole is None else [v[:n_seeds] for v in jax.tree.leaves(whole)]
    return states, rec, leaves


def _check_recorded_layers(config: RunConfig, network: Network) -> None:
    n = len(network.layer_names)
    bad = [li for li in config.record_layers if not 0 <= li < n]
    if bad:
        raise InfoplaneError(f"record_layers: layer {bad[0]} does not exist; the network's "
                             f"layers are 0..{n - 1} ({', '.join(network.layer_names)})")


def _on_device(sched: Schedule) -> Schedule:
    return Schedule._make(jnp.asarray(a) for a in sched)


def _check_finite(records: dict, sched: Schedule, run_dir: Path | None) -> None:
    if not np.isfinite(records["train_loss"][-1]).all():
        raise TrainingDiverged(
            f"the training loss became NaN or inf near epoch {int(sched.epochs[0])}; "
            "lower the learning rate. Records up to then are kept"
            + (f" in {run_dir}" if run_dir else "")
        )


def _assemble(static, records, complete: bool) -> RunResult:
    """The run so far (what information.npz holds) from the constants and the records: with
    the probe bound recorded, the rest of the bracket, ``I_TY_upper`` = H(Y) and
    ``I_TY_outside`` (``_stats.outside_bracket``: the binned value has no standard error).
    The seed intervals are the record's (``InformationPlane.seed_intervals``)."""
    arrays = dict(static)
    n_logged = 0
    for name, parts in records.items():
        arrays[name] = np.concatenate(parts, axis=1)
        n_logged = arrays[name].shape[1]
    arrays["epochs"] = static["epochs"][:n_logged]
    arrays["complete"] = np.bool_(complete)
    if "I_TY_lower" in arrays:
        lower = arrays["I_TY_lower"].astype(np.float64)
        arrays["I_TY_upper"] = np.full_like(lower, float(static["H_Y"]))
        arrays["I_TY_outside"] = outside_bracket(
            arrays["I_TY"].astype(np.float64), None, lower,
            arrays["I_TY_lower_stderr"].astype(np.float64), arrays["I_TY_upper"], "bits")[0]
    return RunResult.from_arrays(arrays)


def _restore(run_dir: Path, config: RunConfig, fresh: RunState, chunks: list[Schedule],
             layout: SeedLayout):
    """The chunks done, the state (host arrays, all ``layout.n_run`` seeds) and the records of a
    run to resume."""
    saved = RunConfig.from_dict({k: v for k, v in read_config(run_dir).items()
                                 if k != "user_model"})
    if saved != config:
        given, run = config.to_dict(), saved.to_dict()
        diff = "; ".join(f"{k}: the run has {run[k]!r}, given {given[k]!r}"
                         for k in run if run[k] != given[k])
        raise InfoplaneError(
            f"cannot resume {run_dir}: the configuration given differs from its config.json "
            f"({diff}); resume with the run's own settings (the command line's --resume alone "
            "uses them), or overwrite the run"
        )
    checkpoint = read_checkpoint(run_dir)
    if checkpoint is None:
        return 0, fresh, {}
    check_same_layout(run_dir, layout)
    next_chunk, leaves = checkpoint
    state = _state_from(leaves, fresh, config.seeds, run_dir)
    info = read_npz(run_dir / "information.npz")
    n_logged = int(sum(c.valid.sum() for c in chunks[:next_chunk]))
    records = {name: [info[name][:, :n_logged]] for name in PER_LOG if name in info}
    return next_chunk, state, records


def check_same_layout(run_dir: Path, layout: SeedLayout) -> None:
    """Raise unless the run in ``run_dir`` can continue here exactly as it would have where it
    started: on the same platform, with seeds in groups of the same size (any number of devices
    and processes will do)."""
    import json

    try:
        was = json.loads((run_dir / "config.json").read_text(encoding="utf-8")).get("layout")
    except (OSError, ValueError):
        was = None
    now = layout_record(layout)
    if not isinstance(was, dict):
        raise InfoplaneError(
            f"cannot resume {run_dir} identically: it was made by an earlier version of "
            "infoplane, whose seeds' numbers depended on the number of devices; train it "
            "again (--overwrite / overwrite=True)", usage=True)
    for key, what in (("platform", "platform"), ("seed_group", "seed group size")):
        if was.get(key) != now[key]:
            raise InfoplaneError(
                f"cannot resume {run_dir} identically: it was trained with {what} "
                f"{was.get(key)!r}, this process has {now[key]!r}, and a seed's float32 "
                "numbers differ between them; resume it where it started, or train it again "
                "(--overwrite / overwrite=True)", usage=True)


def _state_from(leaves: list[np.ndarray], fresh: RunState, n_seeds: int, where: Path
                ) -> RunState:
    """A RunState with the structure and seeds of ``fresh`` (host arrays), whose first
    ``n_seeds`` seeds are those of a checkpoint (``leaves``); the padding seeds stay fresh."""
    fresh_leaves, treedef = jax.tree.flatten(fresh)
    if len(leaves) < len(fresh_leaves) or any(
        saved.shape[1:] != leaf.shape[1:] or len(saved) < n_seeds
        for saved, leaf in zip(leaves, fresh_leaves, strict=False)
    ):
        raise InfoplaneError(
            f"the checkpoint in {where} does not fit this run (different architecture, "
            "optimiser or number of seeds)"
        )
    restored = [np.concatenate([np.asarray(saved[:n_seeds], dtype=leaf.dtype), leaf[n_seeds:]])
                for saved, leaf in zip(leaves, fresh_leaves, strict=False)]
    return jax.tree.unflatten(treedef, restored)


def _continue_from(run_dir: Path, fresh: RunState, n_seeds: int) -> RunState:
    """The final state of a finished run, to continue training from (config.init_from)."""
    saved = read_checkpoint(run_dir)
    if saved is None:
        raise InfoplaneError(f"init_from: {run_dir} has no checkpoint.npz; train it first")
    if not read_run(run_dir).complete:
        raise InfoplaneError(f"init_from: the run in {run_dir} is not complete; resume it first")
    # Keep this run's own random streams (shuffling, dropout) but the trained parameters.
    state = _state_from(saved[1], fresh, n_seeds, run_dir)
    return RunState(state.params, state.opt_state, fresh.key)


def _save_chunk(run_dir: Path, ci: int, sched: Schedule, rec, config: RunConfig,
                layout: SeedLayout) -> None:
    """Write the recorded layers' activations of chunk ``ci``, if any are recorded: with
    several processes, each writes the real seeds among its own."""
    if not config.record_layers:
        return
    k = int(sched.valid.sum())
    first = layout.local()[0][0] if distributed.process_count() > 1 else 0
    n = min(len(rec[f"act_{config.record_layers[0]}"]), config.seeds - first)
    if n <= 0:
        return
    acts = {li: np.asarray(rec[f"act_{li}"])[:n, :k] for li in config.record_layers}
    write_activations(run_dir, ci, sched.epochs[:k], acts,
                      first_seed=first if distributed.process_count() > 1 else None)


def _progress(config: RunConfig, chunks, done: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    initial = int(sum(int(c.lengths[c.valid].sum()) for c in chunks[:done]))
    return tqdm(total=config.epochs, initial=initial, unit="epoch",
                desc=f"{config.seeds} seeds", dynamic_ncols=True)
