"""Speed and memory of recording networks other than the built-in MLP.

Part "cnn": the built-in 1-D CNN on MNIST-1D (preset mnist1d_cnn), 10 seeds x 200 epochs, every
layer's activations recorded at 50 log-spaced logged epochs, in a fresh process (so that peak
memory is its own). Target (issue 10): at most 10 minutes on two CPU cores, peak memory at most
4 GB.

Part "recorders": the cost of a recorder inside a Keras or PyTorch training loop, as a fraction
of the training time at the same logging schedule (50 log-spaced epochs of 200, epoch 0
included, as the CNN run): the MLP of the toy problem (12-10-7-5-4-3-2 tanh on tishby12, batch
512) and a CNN on MNIST-1D (two conv blocks of 16 and 32 channels, dense 64, batch 100).
Each configuration is trained without and with the recorder, alternately (in turn first),
``--repeats`` times; the table gives the medians: the wall time of training without and with
the recorder and their ratio (the cost), the time the training loop spent inside the
recorder's calls (the probe pass, the checks, waiting for the previous record's write), and the
ratio of the CPU time with and without (this process's and the recorder's writer process's,
so all of the recorder's background work; less sensitive to other processes on a shared
machine than wall time). Each recorder is run with each of its writers ("thread",
"process" and "auto", the PyTorch recorder's default; ``--writer`` picks one, or "default"
for each recorder's own), the runs of a repeat in turn. Target: a cost of at most 20%.

    python benchmarks/bench_models.py --part cnn
    python benchmarks/bench_models.py --part recorders --epochs 200 --repeats 5 --torch-threads 1
    python benchmarks/bench_models.py --part breakdown --repeats 10 --torch-threads 1

Part "breakdown": where a record's time goes, each step timed alone after a few training
epochs (the recorder waiting for each record before the next): the probe pass and the checks
(in the training thread), the plane, the chunk write and the information.npz write (in the
background while training goes on; timed in a writer thread), beside the time of one training
epoch.

``--torch-threads 1`` runs PyTorch on one thread (its default is one per core); on a machine
that other processes keep busy, its spinning worker threads otherwise slow it many times over.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def schedule(epochs: int, points: int = 72) -> list[int]:
    """The logged epochs after training starts: infoplane's "log" schedule (the one the CNN
    run uses), without epoch 0, which the recorders record before training."""
    from infoplane.training import logged_epochs

    return [int(e) for e in logged_epochs("log", epochs, points) if e > 0]


def cnn_child(seeds: int, epochs: int) -> None:
    import resource

    import infoplane as ip

    config = ip.preset("mnist1d_cnn").replace(seeds=seeds, epochs=epochs,
                                              record_layers=(0, 1, 2, 3))
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        info = ip.train(config, f"{out}/run", progress=False)
        wall = time.perf_counter() - t0
        disk = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    print(json.dumps({
        "seeds": seeds, "epochs": epochs, "logged": int(info.plane.epochs.size),
        "compile_s": float(info.compile_seconds), "train_s": float(info.train_seconds),
        "wall_s": wall, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "disk_mb": disk / 2**20, "test_acc": float(info.history.test_acc[:, -1].mean()),
    }))


def part_cnn(args) -> None:
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    out = subprocess.run([sys.executable, __file__, "--cnn-child", str(args.seeds),
                          str(args.epochs)], env=env, capture_output=True, text=True, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print("| seeds | epochs | logged | compile (s) | train (s) | wall (s) | peak memory (MB) "
          "| activations on disk (MB) | final test accuracy |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {r['seeds']} | {r['epochs']} | {r['logged']} | {r['compile_s']:.1f} | "
          f"{r['train_s']:.1f} | {r['wall_s']:.1f} | {r['peak_mb']:.0f} | {r['disk_mb']:.0f} | "
          f"{r['test_acc']:.3f} |")


# ------------------------------------------------------------------------------- recorders

def timed(fn, spent: list):
    """``fn`` that adds the seconds each call takes to ``spent[0]``."""
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t0
    return wrapper


def keras_model(kind: str, data):
    """The benchmark's Keras network and its batch size (MLP of the toy problem, or CNN)."""
    import keras

    keras.utils.set_random_seed(0)
    if kind == "mlp":
        layers = [keras.Input((12,))] + [keras.layers.Dense(w, activation="tanh")
                                         for w in (10, 7, 5, 4, 3)]
        batch = 512
    else:
        layers = [keras.Input((40,)), keras.layers.Reshape((40, 1)),
                  keras.layers.Conv1D(16, 5, padding="same", activation="relu"),
                  keras.layers.MaxPooling1D(2),
                  keras.layers.Conv1D(32, 5, padding="same", activation="relu"),
                  keras.layers.MaxPooling1D(2), keras.layers.Flatten(),
                  keras.layers.Dense(64, activation="relu")]
        batch = 100
    model = keras.Sequential(layers + [keras.layers.Dense(data.n_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model, batch


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the recorder's writer
    process ends when the recorder closes)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def keras_run(kind: str, data, epochs: int, record: bool, out: str, writer: str) -> dict:
    from infoplane.integrations.keras import Recorder

    model, batch = keras_model(kind, data)
    n_train = int(0.8 * len(data.y))
    callbacks, spent = [], [0.0]
    if record:
        chosen = {} if writer == "default" else {"writer": writer}
        rec = Recorder(out, data.x, data.y, epochs=schedule(epochs), **chosen)
        rec.record, rec.on_train_end = timed(rec.record, spent), timed(rec.on_train_end, spent)
        callbacks.append(rec)
    t0, c0 = time.perf_counter(), cpu_seconds()
    model.fit(data.x[:n_train], data.y[:n_train], epochs=epochs, batch_size=batch, verbose=0,
              callbacks=callbacks, shuffle=True)
    return {"wall": time.perf_counter() - t0, "cpu": cpu_seconds() - c0, "in": spent[0]}


def torch_model(kind: str, data):
    """The benchmark's PyTorch network and its batch size, as ``keras_model``'s."""
    import torch

    torch.manual_seed(0)
    nn = torch.nn
    if kind == "mlp":
        widths, mods = (12, 10, 7, 5, 4, 3), []
        for a, b in zip(widths[:-1], widths[1:], strict=True):
            mods += [nn.Linear(a, b), nn.Tanh()]
        return nn.Sequential(*mods, nn.Linear(3, data.n_classes)), 512
    return nn.Sequential(nn.Unflatten(1, (1, 40)), nn.Conv1d(1, 16, 5, padding=2), nn.ReLU(),
                         nn.MaxPool1d(2), nn.Conv1d(16, 32, 5, padding=2), nn.ReLU(),
                         nn.MaxPool1d(2), nn.Flatten(), nn.Linear(320, 64), nn.ReLU(),
                         nn.Linear(64, data.n_classes)), 100


def torch_epoch(net, opt, x, y, n_train: int, batch: int) -> None:
    import torch

    net.train()
    order = torch.randperm(n_train)
    for i in range(0, n_train, batch):
        idx = order[i:i + batch]
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x[idx]), y[idx]).backward()
        opt.step()


def torch_run(kind: str, data, epochs: int, record: bool, out: str, writer: str) -> dict:
    import torch

    from infoplane.integrations.torch import Recorder

    net, batch = torch_model(kind, data)
    x, y = torch.as_tensor(data.x), torch.as_tensor(data.y, dtype=torch.long)
    n_train = int(0.8 * len(y))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    chosen = {} if writer == "default" else {"writer": writer}
    rec, spent = (Recorder(net, out, x, y, **chosen) if record else None), [0.0]
    if rec:
        rec.record, rec.close = timed(rec.record, spent), timed(rec.close, spent)
    logged = set(schedule(epochs))
    t0, c0 = time.perf_counter(), cpu_seconds()
    if rec:
        rec.record(0)
    for epoch in range(1, epochs + 1):
        torch_epoch(net, opt, x, y, n_train, batch)
        if rec and epoch in logged:
            rec.record(epoch)
    if rec:
        rec.close()
    return {"wall": time.perf_counter() - t0, "cpu": cpu_seconds() - c0, "in": spent[0]}


def part_recorders(args) -> None:
    import importlib.util

    os.environ.setdefault("KERAS_BACKEND", "jax")
    import infoplane as ip

    data = {"mlp": ip.load_dataset("tishby12"), "cnn": ip.load_dataset("mnist1d")}
    runners = {"keras": keras_run}
    if importlib.util.find_spec("torch"):
        runners["pytorch"] = torch_run
        if args.torch_threads:
            import torch

            torch.set_num_threads(args.torch_threads)
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    print("| framework | network | writer | epochs | logged | train without (s) "
          "| train with (s) | cost | in the recorder's calls (s) | CPU time cost |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    writers = ["thread", "process", "auto"] if args.writer == "all" else [args.writer]
    modes = [None, *writers]  # None: trained without a recorder
    for framework, run in runners.items():
        for kind in ("mlp", "cnn"):
            if args.only and f"{framework}:{kind}" not in args.only:
                continue
            runs: dict = {mode: [] for mode in modes}
            for r in range(args.repeats):
                with tempfile.TemporaryDirectory() as out:
                    for mode in modes[r % len(modes):] + modes[:r % len(modes)]:  # in turn
                        runs[mode].append(run(kind, data[kind], args.epochs, mode is not None,
                                              f"{out}/{mode}", mode))
            a, ca = (float(np.median([m[k] for m in runs[None]])) for k in ("wall", "cpu"))
            for mode in writers:
                b, cb, inside = (float(np.median([m[k] for m in runs[mode]]))
                                 for k in ("wall", "cpu", "in"))
                print(f"| {framework} | {kind} | {mode} | {args.epochs} "
                      f"| {len(schedule(args.epochs)) + 1} "
                      f"| {a:.1f} | {b:.1f} | {100 * (b - a) / a:.0f}% | {inside:.2f} "
                      f"| {100 * (cb - ca) / ca:.0f}% |", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}", flush=True)


# ------------------------------------------------------------------------------- breakdown

STEPS = ("probe pass", "check and copy", "plane", "chunk write", "information.npz write")


def timed_steps(core) -> dict[str, list[float]]:
    """Time each step of ``core``'s records (a ``Recorder`` with ``writer="thread"``; the probe
    pass is the time from the framework recorder's call to the core's), writing
    information.npz at every record."""
    from infoplane.integrations._arrays import check_layers
    from infoplane.runs import write_activations

    writer = core._writer.writer  # the RecordWriter the thread runs

    steps: dict[str, list[float]] = {k: [] for k in STEPS}
    record_core = core._record

    def record(epoch, acts, copy):
        steps["probe pass"].append(time.perf_counter() - steps.pop("_start"))
        t0 = time.perf_counter()
        check_layers(acts, core.layer_names, core._widths, core.n, core.dtype, copy)
        steps["check and copy"].append(time.perf_counter() - t0)
        record_core(epoch, acts, copy=copy)

    def write(chunk, epoch, layers, plane=True):  # a writer thread computes every plane
        t0 = time.perf_counter()
        ixt, ity = writer.plane(layers)
        t1 = time.perf_counter()
        write_activations(writer.out, chunk, [epoch], {i: a[None, None] for i, a in
                                                       enumerate(layers)})
        t2 = time.perf_counter()
        writer.epochs.append(epoch)
        writer.ixt.append(ixt)
        writer.ity.append(ity)
        writer.information(complete=False)
        t3 = time.perf_counter()
        for k, dt in zip(STEPS[2:], (t1 - t0, t2 - t1, t3 - t2), strict=True):
            steps[k].append(dt)
        return len(writer.epochs)

    core._record, writer.write = record, write
    return steps


def part_breakdown(args) -> None:
    """Each step of a record timed alone (the recorder waits for each record before the next),
    median of ``--repeats`` records after one warm-up, beside one training epoch."""
    import importlib.util

    os.environ.setdefault("KERAS_BACKEND", "jax")
    import infoplane as ip

    data = {"mlp": ip.load_dataset("tishby12"), "cnn": ip.load_dataset("mnist1d")}
    print("| framework | network | MB per record | one training epoch (ms) | "
          + " | ".join(f"{k} (ms)" for k in STEPS) + " |")
    print("|---|---|---:|---:|" + "---:|" * len(STEPS))
    frameworks = ["keras"] + (["pytorch"] if importlib.util.find_spec("torch") else [])
    for framework in frameworks:
        for kind in ("mlp", "cnn"):
            with tempfile.TemporaryDirectory() as out:
                epoch_s, rec = breakdown_setup(framework, kind, data[kind], out, args)
                steps = timed_steps(rec.core)
                for epoch in range(args.repeats + 1):
                    steps["_start"] = time.perf_counter()
                    rec.record(epoch)
                    rec.core.flush()
                size = sum(a.nbytes for a in np.load(f"{out}/run/activations/chunk_00000.npz")
                           .values()) / 2**20
            ms = [1e3 * float(np.median(steps[k][1:])) for k in STEPS]
            print(f"| {framework} | {kind} | {size:.1f} | {1e3 * epoch_s:.1f} | "
                  + " | ".join(f"{m:.1f}" for m in ms) + " |", flush=True)


def breakdown_setup(framework: str, kind: str, data, out: str, args):
    """(seconds of one training epoch, median of 3; a recorder of the trained model)."""
    n_train = int(0.8 * len(data.y))
    times = []
    if framework == "keras":
        from infoplane.integrations.keras import Recorder

        model, batch = keras_model(kind, data)
        for _ in range(4):
            t0 = time.perf_counter()
            model.fit(data.x[:n_train], data.y[:n_train], epochs=1, batch_size=batch, verbose=0)
            times.append(time.perf_counter() - t0)
        rec = Recorder(f"{out}/run", data.x, data.y, writer="thread")
        rec.set_model(model)
        return float(np.median(times[1:])), rec
    import torch

    from infoplane.integrations.torch import Recorder

    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    net, batch = torch_model(kind, data)
    x, y = torch.as_tensor(data.x), torch.as_tensor(data.y, dtype=torch.long)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(4):
        t0 = time.perf_counter()
        torch_epoch(net, opt, x, y, n_train, batch)
        times.append(time.perf_counter() - t0)
    return float(np.median(times[1:])), Recorder(net, f"{out}/run", x, y, writer="thread")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("cnn", "recorders", "breakdown"), default="cnn")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="threads for PyTorch (default: its own, one per core)")
    parser.add_argument("--writer", choices=("thread", "process", "auto", "all", "default"),
                        default="all", help="the recorders' writer (part recorders): one, all "
                                            "three in turn (the default), or each recorder's "
                                            "own default")
    parser.add_argument("--only", nargs="+", metavar="FRAMEWORK:NETWORK",
                        help="part recorders: only these, e.g. keras:cnn pytorch:mlp")
    parser.add_argument("--cnn-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cnn_child:
        cnn_child(*args.cnn_child)
    elif args.part == "cnn":
        part_cnn(args)
    elif args.part == "breakdown":
        part_breakdown(args)
    else:
        part_recorders(args)


if __name__ == "__main__":
    main()
