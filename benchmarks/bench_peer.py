"""Our training beside a straightforward PyTorch implementation of the same protocol, in one run.

The protocol (IDNNs, as ``infoplane.preset("tishby2017")``): the 12-10-7-5-4-3-2 tanh network
on tishby12, its first 80% of rows for training in fixed contiguous batches of 512, Adam 4e-4,
IDNNs initialisation (truncated normal at 2 std, std 1/sqrt(fan_in), zero biases). At every
logged epoch of the IDNNs schedule, before that epoch's updates: the activations of every
layer on all 4096 inputs, binned in 30 fixed bins on [-1, 1] (``np.digitize`` of
``linspace(-1, 1, 30)``), I(X;T) = H(T) and I(T;Y) in bits from the rows of bin indices, the
losses and accuracies on the training and test rows and the weight norms; during that epoch,
per weight matrix the norm of the mean batch gradient and the spread of the batch gradients.
Activations are measured, not saved, as in the preset (``record_layers=()``).

The PyTorch implementation is what a researcher would write: one ``nn.Sequential`` per seed,
trained seed after seed, ``torch.unique`` over rows for the entropies. Following the earlier
measurement of the project (one seed per process, one thread), it runs in ``--workers``
processes of one thread each (default: one per core), the seeds dealt out among them.

Ours runs ``infoplane.train`` in a fresh process on every core.
Both report training time apart from start-up: "train" is our ``train_seconds`` (compilation
excluded) and the slowest PyTorch worker's training loop; "end to end" is the whole process
(ours: Python, JAX, compilation and training; PyTorch: the workers' start, torch's import and
training). ms per seed-epoch divides by seeds x epochs of each. A PyTorch seed costs the same
whatever the number of seeds beside it, so the PyTorch side may run fewer seeds
(``--peer-seeds``, default two per worker) to keep the run short; our side's cost per seed
falls with more seeds, so it runs the full ``--seeds``.

Both sides' mean final I(X;T) per layer is printed too: they train different random networks,
so the numbers differ by seed spread, but a peer that measured something else would show.

    python benchmarks/bench_peer.py                        # 20 seeds (ours) x 4000 epochs
    python benchmarks/bench_peer.py --seeds 50 --epochs 8000 --peer-seeds 4 --repeats 3

torch is optional (``pip install infoplane[torch]``); without it the script says so and stops.
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import importlib.util
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HIDDEN = (10, 7, 5, 4, 3)
LOG2 = float(np.log(2.0))


def _entropy_bits(codes) -> float:
    """Plug-in entropy (bits) of the rows of ``codes`` (n, d) as symbols."""
    import torch

    _, counts = torch.unique(codes, dim=0, return_counts=True)
    p = counts.double() / codes.shape[0]
    return float(-(p * torch.log2(p)).sum())


def _measure(net, x, y, train, test, edges) -> dict:
    """One seed at a logged epoch (see the module): the plane, losses, accuracies, norms."""
    import torch

    with torch.no_grad():
        layers, h = [], x
        for module in net:
            h = module(h)
            if isinstance(module, torch.nn.Tanh):
                layers.append(h)
        logits = h
        layers.append(torch.softmax(logits, dim=1))
        i_xt, i_ty = [], []
        for t in layers:
            codes = torch.bucketize(t, edges, right=True)  # np.digitize(t, edges)
            h_t = _entropy_bits(codes)
            h_t_y = sum(float((y == c).float().mean()) * _entropy_bits(codes[y == c])
                        for c in (0, 1))
            i_xt.append(h_t)
            i_ty.append(h_t - h_t_y)
        nll = torch.nn.functional.cross_entropy(logits, y, reduction="none") / LOG2
        correct = (logits.argmax(dim=1) == y).float()
        weights = [m.weight for m in net if isinstance(m, torch.nn.Linear)]
        return {"I_XT": i_xt, "I_TY": i_ty,
                "train_loss": float(nll[train].mean()), "test_loss": float(nll[test].mean()),
                "train_acc": float(correct[train].mean()), "test_acc": float(correct[test].mean()),
                "weight_norm": [float(w.norm()) for w in weights]}


def _network(seed: int):
    import torch

    torch.manual_seed(seed)
    widths = (12, *HIDDEN, 2)
    modules = []
    for a, b in zip(widths[:-1], widths[1:], strict=False):
        layer = torch.nn.Linear(a, b)
        with torch.no_grad():  # IDNNs: truncated normal at 2 std, std 1/sqrt(fan_in)
            torch.nn.init.trunc_normal_(layer.weight, std=1.0, a=-2.0, b=2.0)
            layer.weight /= a ** 0.5
            layer.bias.zero_()
        modules += [layer, torch.nn.Tanh()] if b != 2 else [layer]
    return torch.nn.Sequential(*modules)


def peer_worker(seeds: list[int], epochs: int) -> dict:
    """Train ``seeds`` one after another in this process, on one thread; the training loop's
    seconds and each seed's last record."""
    import torch
    import torch.nn.functional as F

    from infoplane.data import split, tishby12
    from infoplane.training.schedules import logged_epochs

    torch.set_num_threads(1)
    data = tishby12()
    rows = split(data, "idnns", 0.8)
    x, y = torch.as_tensor(data.x), torch.as_tensor(data.y, dtype=torch.long)
    train = torch.zeros(len(y), dtype=torch.bool)
    train[torch.as_tensor(rows.train)] = True
    test = ~train
    xt, yt = x[train], y[train]
    n_train, batch = len(yt), 512
    edges = torch.linspace(-1.0, 1.0, 30)
    logged = set(logged_epochs("idnns", epochs).tolist())
    t0 = time.perf_counter()
    last = []
    for seed in seeds:
        net = _network(seed)
        opt = torch.optim.Adam(net.parameters(), lr=4e-4)
        weights = [m.weight for m in net if isinstance(m, torch.nn.Linear)]
        records = []
        for epoch in range(epochs):
            stats = epoch in logged
            if stats:
                records.append(_measure(net, x, y, train, test, edges))
                g_sum = [torch.zeros_like(w) for w in weights]
                g_sq = [torch.zeros_like(w) for w in weights]
            n_batches = 0
            for start in range(0, n_train, batch):
                opt.zero_grad()
                F.cross_entropy(net(xt[start:start + batch]), yt[start:start + batch]).backward()
                if stats:
                    for s, q, w in zip(g_sum, g_sq, weights, strict=True):
                        s += w.grad
                        q += w.grad ** 2
                opt.step()
                n_batches += 1
            if stats:  # the norm of the mean batch gradient, the spread of the batch gradients
                means = [s / n_batches for s in g_sum]
                records[-1]["grad_mean"] = [float(m.norm()) for m in means]
                records[-1]["grad_std"] = [float((q / n_batches - m ** 2).clamp(min=0).sum().sqrt())
                                           for q, m in zip(g_sq, means, strict=True)]
        last.append(records[-1])
    return {"train_s": time.perf_counter() - t0, "last": last, "logged": len(logged)}


def run_peer(seeds: int, epochs: int, workers: int) -> dict:
    """PyTorch: ``seeds`` dealt out to ``workers`` one-thread processes, all at once."""
    shares = [list(range(w, seeds, workers)) for w in range(workers)]
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with futures.ProcessPoolExecutor(len(shares), mp_context=ctx) as pool:
        done = list(pool.map(peer_worker, shares, [epochs] * len(shares)))
    wall = time.perf_counter() - t0
    final = np.mean([r["I_XT"] for d in done for r in d["last"]], axis=0)
    return {"seeds": seeds, "epochs": epochs, "logged": done[0]["logged"], "wall_s": wall,
            "train_s": max(d["train_s"] for d in done), "final_I_XT": final.tolist()}


def ours_child(seeds: int, epochs: int) -> None:
    """Ours, in this (fresh) process: print the run's numbers as one line of JSON. Every core
    is a JAX device, as from the command line (before JAX starts; a process with one CPU
    device trains on one core)."""
    from infoplane.cli import use_all_cpu_cores

    use_all_cpu_cores()
    from infoplane import preset, train

    info = train(preset("tishby2017").replace(seeds=seeds, epochs=epochs), None,
                 progress=False)
    import jax

    print(json.dumps({"logged": int(info.plane.epochs.size), "devices": jax.device_count(),
                      "train_s": float(info.train_seconds),
                      "final_I_XT": info.plane.I_XT[:, -1].mean(axis=0).tolist()}))


def run_ours(seeds: int, epochs: int) -> dict:
    """Ours: ``ours_child`` in a fresh process on every core."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--ours-child", str(seeds), str(epochs)],
                         check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    row = json.loads(out.stdout.strip().splitlines()[-1])
    return {"seeds": seeds, "epochs": epochs, "wall_s": wall, **row}


def _ms(seconds: float, row: dict) -> float:
    return 1e3 * seconds / (row["seeds"] * row["epochs"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="our seeds (default 20)")
    parser.add_argument("--epochs", type=int, default=4000)
    parser.add_argument("--peer-seeds", type=int, default=None,
                        help="PyTorch's seeds (default: two per worker)")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="PyTorch processes of one thread each (default: one per core)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each; median reported")
    parser.add_argument("--ours-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ours_child:
        ours_child(*args.ours_child)
        return
    if importlib.util.find_spec("torch") is None:
        print("bench_peer.py needs PyTorch for its side of the comparison, and it is not "
              "installed: pip install 'infoplane[torch]' (or torch) and run it again.")
        return
    peer_seeds = args.peer_seeds or 2 * args.workers
    rows: dict[str, list[dict]] = {"infoplane (JAX)": [], "PyTorch": []}
    for _ in range(args.repeats):  # side by side: one of each in turn
        rows["infoplane (JAX)"].append(run_ours(args.seeds, args.epochs))
        rows["PyTorch"].append(run_peer(peer_seeds, args.epochs, args.workers))
    load = os.getloadavg()[0]
    cores = len(os.sched_getaffinity(0))
    print(f"{cores} cores; load average {load:.1f} at the end; median of {args.repeats} "
          f"run(s) each, alternating; ours {rows['infoplane (JAX)'][0]['devices']} JAX "
          f"device(s), PyTorch {args.workers} worker(s) x 1 thread")
    print()
    print("| implementation | seeds | epochs | logged | train (s) | end to end (s) "
          "| ms / seed-epoch, train | ms / seed-epoch, end to end | final I(X;T) per layer |")
    print("|---|---|---|---|---|---|---|---|---|")
    med = {}
    for name, runs in rows.items():
        r = runs[0]
        train = statistics.median(x["train_s"] for x in runs)
        wall = statistics.median(x["wall_s"] for x in runs)
        med[name] = (_ms(train, r), _ms(wall, r))
        final = " ".join(f"{v:.2f}" for v in np.mean([x["final_I_XT"] for x in runs], axis=0))
        print(f"| {name} | {r['seeds']} | {r['epochs']} | {r['logged']} | {train:.1f} "
              f"| {wall:.1f} | {med[name][0]:.3f} | {med[name][1]:.3f} | {final} |")
    ours, peer = med["infoplane (JAX)"], med["PyTorch"]
    print(f"\nPyTorch / ours, per seed-epoch: {peer[0] / ours[0]:.1f}x training, "
          f"{peer[1] / ours[1]:.1f}x end to end")


if __name__ == "__main__":
    main()
