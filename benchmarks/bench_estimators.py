"""Accuracy and speed of infoplane's estimators against closed-form truth; prints Markdown.

    python benchmarks/bench_estimators.py            # n = 1000, 4096, 16384; 10 seeds
    python benchmarks/bench_estimators.py --quick    # n = 1000, 4096; 3 seeds; no neural
    python benchmarks/bench_estimators.py --n 4096 --seeds 10 --skip-speed
    python benchmarks/bench_estimators.py --high-dim --seeds 3 --skip-accuracy --skip-speed

Accuracy: for every task of the suite (below) and every applicable method, the bias (mean
estimate - truth) and spread (standard deviation over seeds), in bits. Then the mean absolute
error of the default ``mutual_information`` at n = 4096 (target <= 0.12 bits), the NaN count and
the count of negative estimates that carry no warning (target 0 for both).

High-dimensional accuracy (``--high-dim``): correlated Gaussian latents of 2, 4 and 8 dimensions
(1, 1.5 and 2 bits) embedded in 64, 256 and 1024 dimensions per side, linearly, linearly with
N(0, 1) noise in every ambient dimension, or under a tanh warp, plus independent latents under
noise; n = 5000 (``infoplane.estimators.ground_truth``). The default ``mutual_information``
(target: mean absolute error <= 0.25 bits, no task off by more than 1 bit) beside "compressed"
with weighted KL (Butakov et al. 2024) and with KSG on the same compressed data.

Wide layers against class labels (``--labels``): I(T;Y) of tasks built like network layers
(``infoplane.estimators._label_tasks.layer_task``: 2-16 classes, 100-512 units, a dense layer
with a monotone activation or a smooth warp; high-variance nuisance latents mixed in or
independent columns beside; class signal spread over many weak directions; near-deterministic
labels; truth by Monte Carlo from the exact posterior), n = 5000. Their seeds (31,000 + i) are
not those the estimators were tuned on. The default ``mutual_information`` (target: mean
absolute error <= 0.08 bits, no task off by more than 0.3 bits, never below the probe bound by
more than twice their combined standard error) beside "compressed", "knn_mixed" and the probe
bounds (family "lda", and with ``--logistic`` the default family "logistic"). Then the speed of
the compressed plane with its bracket, batched (``--plane-speed``).

Speed: compressed MI (PCA, the default estimator) at n = 10,000 with 784 + 784 dimensions
(target <= 2 s); the JAX KSG against a scipy cKDTree KSG reference at n = 4096, x and y 5-d,
and against scikit-learn's ``mutual_info_regression`` (1-D), equal k; the KDE bound at
n = 4096, d = 10; and the time to KDE-estimate a 50-seed x 274-epoch x 6-layer tishby2017 run,
measured on a subset and extrapolated. Medians of repeats, after compilation. Timing is
machine-dependent.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
from scipy import integrate, special, stats

from infoplane.defaults import NOISE_VAR, K
from infoplane.estimators import mutual_information
from infoplane.estimators.ground_truth import embedded_task

LOG2 = math.log(2.0)


# ---------------------------------------------------------------- the suite (truth in bits)


def gauss_mi(rhos) -> float:
    return float(sum(-0.5 * math.log2(1 - r * r) for r in rhos))


def correlated(rng, n, d, rho, dense):
    """x, y ~ N(0, I_d) with corr(x_i, y_i) = rho for the first 2 pairs (all d if dense)."""
    r = np.zeros(d)
    r[: d if dense else min(d, 2)] = rho
    x = rng.standard_normal((n, d))
    return x, r * x + np.sqrt(1 - r**2) * rng.standard_normal((n, d))


def _t_term(nu, d):
    """The non-Gaussian part of the entropy of a d-dimensional Student-t with nu dof (nats)."""
    return (math.lgamma(nu / 2) - math.lgamma((nu + d) / 2)
            + (nu + d) / 2 * (special.digamma((nu + d) / 2) - special.digamma(nu / 2)))


def student_truth(d, rho, nu) -> float:
    """I(X;Y) of a (2d)-variate t: the Gaussian MI of its scale plus 2 c(d) - c(2d) (nats).

    From h(t_{nu,d}) = 1/2 log det(nu pi Sigma) + log G(nu/2)/G((nu+d)/2)
    + (nu+d)/2 [psi((nu+d)/2) - psi(nu/2)] (Arellano-Valle, Contreras-Reyes & Genton 2013);
    marginals of a multivariate t are t with the same nu.
    """
    return gauss_mi([rho] * d) + (2 * _t_term(nu, d) - _t_term(nu, 2 * d)) / LOG2


def student(rng, n, d, rho, nu):
    x, y = correlated(rng, n, d, rho, True)
    w = np.sqrt(nu / rng.chisquare(nu, size=(n, 1)))
    return x * w, y * w


def uniform_truth(a) -> float:
    """X ~ U(0,1), Y = X + U(0,a), a <= 1: h(Y) = a/2 (trapezoid), h(Y|X) = log a (nats)."""
    return (a / 2 - math.log(a)) / LOG2


MIX_MEANS, MIX_SD = (-1.0, 0.0, 1.5), 0.7


def mixture_truth() -> float:
    """I(X;Y) = h(X) - h(X|Y) for Y uniform on 3 classes and X|Y Gaussian; h(X) by quadrature."""
    m = np.asarray(MIX_MEANS)

    def f(t):
        return float(np.mean(stats.norm.pdf(t, m, MIX_SD)))

    h = integrate.quad(lambda t: -f(t) * math.log(f(t)) if f(t) > 0 else 0.0, -12, 14,
                       limit=400)[0]
    return (h - 0.5 * math.log(2 * math.pi * math.e * MIX_SD**2)) / LOG2


def suite():
    """(name, kind, sampler(rng, n) -> (x, y), truth in bits); kind "cc" or "cd"."""
    tasks = []
    for d in (1, 2, 5, 10, 25):
        for rho in (0.5, 0.9):
            tasks.append((f"Gaussian {d}+{d}-d, 2 pairs rho={rho}" if d > 1 else
                          f"Gaussian 1+1-d rho={rho}", "cc",
                          lambda rng, n, d=d, rho=rho: correlated(rng, n, d, rho, False),
                          gauss_mi([rho] * min(d, 2))))
    for d, rho in ((5, 0.3), (25, 0.2)):
        tasks.append((f"Gaussian {d}+{d}-d, all pairs rho={rho}", "cc",
                      lambda rng, n, d=d, rho=rho: correlated(rng, n, d, rho, True),
                      gauss_mi([rho] * d)))
    for d, rho, nu in ((1, 0.0, 1), (1, 0.5, 3), (2, 0.5, 2)):
        tasks.append((f"Student-t {d}+{d}-d rho={rho} nu={nu}", "cc",
                      lambda rng, n, d=d, rho=rho, nu=nu: student(rng, n, d, rho, nu),
                      student_truth(d, rho, nu)))
    for a in (0.25, 0.75):
        tasks.append((f"uniform noise a={a}", "cc",
                      lambda rng, n, a=a: (u := rng.uniform(0, 1, n), u + rng.uniform(0, a, n)),
                      uniform_truth(a)))

    def mono1(rng, n):
        x, y = correlated(rng, n, 1, 0.9, True)
        return np.exp(x), y**3

    def mono2(rng, n):
        x, y = correlated(rng, n, 2, 0.75, True)
        return np.sinh(2 * x), np.tanh(y / 2)

    tasks.append(("monotone exp(x), y^3 of rho=0.9", "cc", mono1, gauss_mi([0.9])))
    tasks.append(("monotone sinh, tanh of 2+2-d rho=0.75", "cc", mono2, gauss_mi([0.75] * 2)))
    for d in (1, 10):
        tasks.append((f"independent {d}+{d}-d", "cc",
                      lambda rng, n, d=d: (rng.standard_normal((n, d)),
                                           rng.standard_normal((n, d))), 0.0))

    def mix(rng, n):
        lab = rng.integers(0, len(MIX_MEANS), n)
        return np.asarray(MIX_MEANS)[lab] + MIX_SD * rng.standard_normal(n), lab

    tasks.append(("mixture: 3 labels, Gaussian classes", "cd", mix, mixture_truth()))
    return tasks


# ---------------------------------------------------------------- methods per task


def methods_for(kind: str, dims: int, n: int, neural: bool) -> list[tuple[str, dict]]:
    """(method, settings) pairs that apply; None is the default of ``mutual_information``."""
    if kind == "cd":
        out = [(None, {}), ("binning", {}), ("kde_upper", {"noise_var": NOISE_VAR})]
    else:
        out = [(None, {}), ("ksg1", {}), ("ksg2", {}), ("ksg1", {"k": 10}), ("gaussian", {}),
               ("gaussian_copula", {})]
        if dims <= 4:  # beyond that almost every binned row is unique: saturated
            out.append(("binning", {}))
    if n <= 1000:  # O(n^3); for larger n it needs subsampling
        out.append(("renyi", {}))
    if neural and n <= 4096:
        out.append(("infonce", {"steps": 1000}))
    return out


def label(method, settings) -> str:
    name = "default" if method is None else method
    return name + "".join(f" {k}={v}" for k, v in settings.items())


def accuracy(ns, seeds, neural):
    rows, default_errors, nan_count, silent_neg = [], {}, 0, 0
    tasks = suite()
    for n in ns:
        for name, kind, sample, truth in tasks:
            data = [sample(np.random.default_rng(1000 * s + 17), n) for s in range(seeds)]
            dims = sum(np.reshape(a, (n, -1)).shape[1] for a in data[0])
            for method, settings in methods_for(kind, dims, n, neural):
                values, default_name = [], None
                t0 = time.perf_counter()
                for x, y in data:
                    est = mutual_information(x, y, method=method, **settings)
                    default_name = est.method
                    v = float(est)
                    nan_count += not math.isfinite(v)
                    silent_neg += v < 0 and not any("negative" in w for w in est.warnings)
                    values.append(v)
                    if method is None and n == 4096:
                        default_errors.setdefault(name, []).append(abs(v - truth))
                secs = (time.perf_counter() - t0) / seeds
                v = np.asarray(values)
                shown = label(method, settings) + (f" ({default_name})" if method is None else "")
                rows.append((n, name, truth, shown, v.mean() - truth, v.std(ddof=1), secs))
                print(f"  ... n={n} {name}: {shown} bias {v.mean() - truth:+.3f}", flush=True)
    return rows, default_errors, nan_count, silent_neg


def print_accuracy(rows, default_errors, nan_count, silent_neg, seeds):
    print(f"\n## Accuracy: bias and spread (bits, {seeds} seeds)\n")
    print("| n | task | truth | method | bias | std | s/call |")
    print("|---:|---|---:|---|---:|---:|---:|")
    for n, name, truth, method, bias, std, secs in rows:
        print(f"| {n} | {name} | {truth:.3f} | {method} | {bias:+.3f} | {std:.3f} | {secs:.2f} |")
    if default_errors:
        per_task = {k: float(np.mean(v)) for k, v in default_errors.items()}
        mae = float(np.mean([e for v in default_errors.values() for e in v]))
        print(f"\n**Default `mutual_information` at n = 4096: mean absolute error "
              f"{mae:.3f} bits** over {len(per_task)} tasks x {seeds} seeds (target <= 0.12); "
              f"worst task: {max(per_task, key=per_task.get)} "
              f"({max(per_task.values()):.3f} bits).")
        for method in ("ksg1", "ksg1 k=10"):
            errs = [abs(b) for n, name, t, m, b, s, _ in rows if n == 4096 and m == method]
            if errs:
                print(f"For comparison, |bias| of {method} averaged over the continuous tasks "
                      f"at n = 4096: {np.mean(errs):.3f} bits.")
    print(f"\nNaN estimates: {nan_count}. Negative estimates without a warning: {silent_neg}.")


# ---------------------------------------------------------------- high-dimensional tasks

HIGH_DIM_N = 5000
HIGH_DIM_METHODS = ((None, {}), ("compressed", {"estimator": "kl_weighted"}),
                    ("compressed", {"estimator": "ksg"}))


def high_dim_suite():
    """The high-dimensional tasks (module docstring), as ``ground_truth.Task`` records."""
    tasks = []
    for ambient in (64, 256, 1024):
        for latent, bits in ((2, 1.0), (4, 1.5), (8, 2.0)):
            tasks += [embedded_task(ambient, ambient, latent, bits),
                      embedded_task(ambient, ambient, latent, bits, noise=1.0),
                      embedded_task(ambient, ambient, latent, bits, warp=True)]
        tasks.append(embedded_task(ambient, ambient, 4, 0.0, noise=1.0))
    return tasks


def high_dim(seeds):
    print(f"\n## High-dimensional tasks: bias and spread (bits, n = {HIGH_DIM_N}, {seeds} seeds)\n")
    print("| task | truth | method | bias | std | stderr | dims | s/call |")
    print("|---|---:|---|---:|---:|---:|---|---:|")
    errors = []
    for task in high_dim_suite():
        data = [task.sample(np.random.default_rng(1000 * s + 17), HIGH_DIM_N) for s in range(seeds)]
        for method, settings in HIGH_DIM_METHODS:
            t0 = time.perf_counter()
            ests = [mutual_information(x, y, method=method, **settings) for x, y in data]
            secs = (time.perf_counter() - t0) / seeds
            v = np.asarray([float(e) for e in ests])
            if method is None:
                errors.append(np.abs(v - task.truth))
            se = np.mean([e.stderr for e in ests if e.stderr is not None] or [math.nan])
            dims = f"{ests[0].settings.get('dim_x', '-')}+{ests[0].settings.get('dim_y', '-')}"
            shown = label(method, settings) + (f" ({ests[0].method})" if method is None else "")
            print(f"| {task.name} | {task.truth:.3f} | {shown} | {v.mean() - task.truth:+.3f} | "
                  f"{v.std(ddof=1):.3f} | {se:.3f} | {dims} | {secs:.2f} |", flush=True)
    per_task = [float(np.mean(e)) for e in errors]
    print(f"\n**Default `mutual_information` on the high-dimensional tasks: mean absolute error "
          f"{np.mean(errors):.3f} bits** over {len(errors)} tasks x {seeds} seeds (target <= "
          f"0.25); worst task {max(per_task):.3f} bits; largest single error "
          f"{np.max(errors):.3f} bits (target <= 1).")


# ---------------------------------------------------------------- speed


def compressed_speed(repeats):
    """Median wall and CPU time of compressed MI (PCA) at n = 10,000, 784 + 784 dimensions, and
    the 1-minute load average around the timing (wall times mean little on a loaded machine)."""
    task = embedded_task(784, 784, 4, 1.5, noise=1.0)
    x, y = task.sample(np.random.default_rng(0), 10_000)
    load = _load()
    cpu = []
    t = median_time(lambda: _cpu_timed(cpu, lambda: mutual_information(x, y,
                                                                       method="compressed")),
                    repeats)
    print(f"| compressed MI (PCA, copula) n=10000, x 784-d, y 784-d | {t:.2f} s wall, "
          f"{np.median(cpu[1:]):.2f} s CPU (load {load} -> {_load()}) | | | <= 2 s |")


def _load() -> str:
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:  # not Linux
        return "n/a"


def _cpu_timed(store, fn):
    t0 = time.process_time()
    fn()
    store.append(time.process_time() - t0)


def ksg_ckdtree(x, y, k):
    """Reference KSG (estimator 1) with scipy's cKDTree, max-norm, in nats."""
    from scipy.spatial import cKDTree

    n = len(x)
    z = np.concatenate([x, y], axis=1)
    eps = cKDTree(z).query(z, k + 1, p=np.inf)[0][:, -1]
    r = np.nextafter(eps, 0)  # strictly closer than eps
    nx = cKDTree(x).query_ball_point(x, r, p=np.inf, return_length=True) - 1
    ny = cKDTree(y).query_ball_point(y, r, p=np.inf, return_length=True) - 1
    return special.digamma(k) + special.digamma(n) - np.mean(
        special.digamma(nx + 1) + special.digamma(ny + 1))


def median_time(fn, repeats):
    fn()  # compile / warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def speed(repeats):
    import jax.numpy as jnp
    from sklearn.feature_selection import mutual_info_regression

    from infoplane.estimators._kde_core import kde_information
    from infoplane.estimators.knn import ksg_mutual_information

    rng = np.random.default_rng(0)
    n, k = 4096, K
    x, y = correlated(rng, n, 5, 0.6, True)
    print(f"\n## Speed (median of {repeats} repeats after compilation, this machine)\n")
    print("| task | infoplane (JAX) | reference | speed-up | target |")
    print("|---|---:|---:|---:|---|")
    compressed_speed(repeats)
    t_jax = median_time(lambda: ksg_mutual_information(x, y, k=k), repeats)
    t_ref = median_time(lambda: ksg_ckdtree(x, y, k), repeats)
    print(f"| KSG n=4096, x 5-d, y 5-d, k={k} | {t_jax * 1e3:.0f} ms | cKDTree "
          f"{t_ref * 1e3:.0f} ms | {t_ref / t_jax:.1f}x | >= 5x |")
    x1, y1 = x[:, 0], y[:, 0]
    t_jax = median_time(lambda: ksg_mutual_information(x1, y1, k=k), repeats)
    t_ref = median_time(lambda: mutual_info_regression(x1[:, None], y1, n_neighbors=k,
                                                       random_state=0), repeats)
    print(f"| KSG n=4096, 1-D, k={k} | {t_jax * 1e3:.0f} ms | sklearn mutual_info_regression "
          f"{t_ref * 1e3:.0f} ms | {t_ref / t_jax:.1f}x | |")
    acts = jnp.asarray(np.tanh(rng.standard_normal((n, 10))).astype(np.float32))
    labels = jnp.asarray(rng.integers(0, 2, n).astype(np.int32))

    def kde_once():
        out = kde_information(acts, labels, 2, NOISE_VAR, "upper")
        out[0].block_until_ready()

    t_kde = median_time(kde_once, repeats)
    print(f"| KDE upper bound n=4096, d=10 (float32) | {t_kde * 1e3:.0f} ms | | | < 50 ms |")
    # A tishby2017 run: 50 seeds x 274 epochs x layers of widths 10, 7, 5, 4, 3, 2, through
    # information_plane (chunks split over all devices), timed on 2 seeds x 40 epochs after a
    # warm-up call of the same shapes, and scaled by 50 x 274 / 80.
    from infoplane.plane import plane_from_activations

    layers = [np.tanh(rng.standard_normal((2, 40, n, w))).astype(np.float16)
              for w in (10, 7, 5, 4, 3, 2)]
    y = np.asarray(labels)
    for name, extra in (("exact", {}), ("anchors=256", {"anchors": 256})):
        def plane(extra=extra):
            plane_from_activations(layers, y, method="kde_upper", noise_var=NOISE_VAR, **extra)

        total = median_time(plane, max(1, repeats // 2)) * (50 * 274 / 80)
        print(f"| KDE re-estimate of a full tishby2017 run (50 seeds x 274 epochs x 6 layers), "
              f"{name}, scaled from 2 seeds x 40 epochs | {total:.0f} s | | | < 120 s |")


# ---------------------------------------------------------------- wide layers, class labels

LABEL_SUITE = (  # (classes, width, layer_task settings); seeds 31_000 + index
    (2, 128, dict(signal_dims=4, separation=2.5, activation="tanh")),
    (2, 512, dict(signal_dims=16, separation=3.0, activation="softplus", nuisance_dims=16,
                  nuisance_sd=3.0)),
    (3, 100, dict(signal_dims=3, separation=3.0, activation="elu", beside=25)),
    (4, 256, dict(signal_dims=48, separation=2.5, activation="leaky_relu")),
    (5, 200, dict(signal_dims=6, separation=3.0, activation="sin_warp")),
    (5, 384, dict(signal_dims=8, separation=10.0, activation="tanh")),
    (10, 256, dict(signal_dims=8, separation=3.0, activation="softplus")),
    (10, 256, dict(signal_dims=8, separation=3.0, activation="tanh", nuisance_dims=8,
                   nuisance_sd=3.0)),
    (10, 512, dict(signal_dims=96, separation=3.0, activation="leaky_relu")),
    (10, 100, dict(signal_dims=9, separation=12.0, activation="elu")),
    (16, 384, dict(signal_dims=24, separation=4.0, activation="softplus", beside=96)),
    (12, 300, dict(signal_dims=12, separation=3.5, activation="tanh", gain=2.0)),
)


def labels_accuracy(seeds: int, n: int = 5000, logistic: bool = False):
    """The wide-layer suite: a Markdown table per task and the default's summary."""
    from infoplane.estimators._label_tasks import layer_task

    methods = [("default", {}), ("compressed", {}), ("knn_mixed", {}),
               ("probe", {"family": "lda"})] + ([("probe", {})] if logistic else [])
    names = [m if m != "probe" else f"probe ({s.get('family', 'logistic')})"
             for m, s in methods]
    print(f"\n## I(T;Y) of wide layers, n = {n}, {seeds} draw(s) per task (bits; load "
          f"{_load()})\n")
    print("| task | truth | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    errors, below, seconds = [], 0, {name: 0.0 for name in names}
    for i, (classes, width, kw) in enumerate(LABEL_SUITE):
        task = layer_task(classes, width, seed=31_000 + i, **kw)
        per = {name: [] for name in names}
        for s in range(seeds):
            x, y = task.sample(np.random.default_rng(41_000 + 100 * i + s), n)
            for name, (method, settings) in zip(names, methods, strict=True):
                t0 = time.perf_counter()
                est = mutual_information(x, y, method=None if method == "default" else method,
                                         **settings)
                seconds[name] += time.perf_counter() - t0
                per[name].append(est)
        default = [float(e) for e in per["default"]]
        errors.append(float(np.mean(default)) - task.truth)
        for d_est, probes in zip(per["default"], zip(*(per[k] for k in names
                                                         if k.startswith("probe")),
                                                     strict=True), strict=True):
            for p in probes:
                slack = 2 * math.hypot(d_est.stderr or 0.0, p.stderr or 0.0)
                below += float(d_est) < float(p) - slack
        cells = [f"{np.mean([float(e) for e in per[k]]):.3f}" for k in names]
        print(f"| {task.name} | {task.truth:.3f} | " + " | ".join(cells) + " |")
    err = np.abs(errors)
    print(f"\nDefault (\"{per['default'][0].method}\"): mean absolute error {err.mean():.3f} "
          f"bits (target <= 0.08), largest {err.max():.3f} bits (target <= 0.3), mean signed "
          f"error {np.mean(errors):+.3f}; estimates below a probe bound by more than twice "
          f"their combined standard error: {below} (target 0).")
    total = len(LABEL_SUITE) * seeds
    print("Seconds per estimate: " + ", ".join(f"{k} {v / total:.1f}" for k, v in
                                               seconds.items()) + ".")
    return err


def _plane_epoch(seeds: int, n: int, with_knn: bool) -> float:
    """Seconds for one epoch of the plane's probe part (the bracket; with ``with_knn`` the
    supervised I(T;Y) too) over 5 layers (widths of mnist1d_cnn's recorded layers), after a
    warm-up call that compiles every width."""
    from infoplane.plane._probe import probe_layer

    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, n).astype(np.int32)
    layers = [np.tanh(rng.standard_normal((seeds, n, w)) + y[None, :, None] % 3)
              .astype(np.float32) for w in PLANE_WIDTHS]
    for flat in layers:  # compile (4 items per compiled chunk)
        probe_layer(flat[:4], y, 10, {}, {}, with_knn=with_knn)
    t0 = time.perf_counter()
    for flat in layers:
        probe_layer(flat, y, 10, {}, {}, with_knn=with_knn)
    return time.perf_counter() - t0


PLANE_WIDTHS = (256, 256, 128, 128, 10)


def plane_speed(repeats: int, seeds: int = 10, epochs: int = 50, n: int = 5000,
                compare: str | None = None):
    """Seconds for the plane's bracket alone and for the compressed plane's I(T;Y) with its
    bracket, of a seeds x epochs x 5-layer run at n inputs, timed on one epoch of every seed
    and scaled to all epochs; the median of ``repeats``. With ``compare`` (a git revision),
    that revision's infoplane is timed too, in child processes alternating with this tree's,
    so that both see the same load."""
    import json
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    trees = {"this tree": root}
    tmp = None
    if compare:
        tmp = tempfile.TemporaryDirectory()
        archive = subprocess.run(["git", "-C", str(root), "archive", compare, "infoplane"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp.name], input=archive, check=True)
        trees = {compare: Path(tmp.name), "this tree": root}
    print(f"\n## The plane's I(T;Y) and bracket: {seeds} seeds x {epochs} epochs x 5 layers "
          f"(widths {PLANE_WIDTHS}), n = {n}, one epoch timed and scaled x {epochs}; median of "
          f"{repeats}\n")
    print("| what | " + " | ".join(trees) + " | load (1 min) |")
    print("|---|" + "---:|" * len(trees) + "---|")
    for with_knn, what in ((False, "the bracket alone (binning, KDE, knn planes)"),
                           (True, "supervised I(T;Y) + bracket (compressed plane)")):
        times: dict = {name: [] for name in trees}
        loads = [_load()]
        for _ in range(repeats):
            for name, tree in trees.items():
                code = (f"import sys; sys.path.insert(0, {str(root / 'benchmarks')!r}); "
                        "from infoplane.cli import use_all_cpu_cores; use_all_cpu_cores(); "
                        "import bench_estimators as b, json, infoplane; "
                        f"assert infoplane.__file__.startswith({str(tree)!r}); "
                        f"print(json.dumps(b._plane_epoch({seeds}, {n}, {with_knn})))")
                env = dict(os.environ, PYTHONPATH=str(tree))
                # run in the tree: Python puts the working folder first on the path
                out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                     capture_output=True, text=True, cwd=tree).stdout
                times[name].append(json.loads(out.strip().splitlines()[-1]) * epochs)
            loads.append(_load())
        cells = [f"{np.median(t):.0f} s ({', '.join(f'{v:.0f}' for v in t)})"
                 for t in times.values()]
        print(f"| {what} | " + " | ".join(cells) + f" | {', '.join(loads)} |", flush=True)
    if tmp is not None:
        tmp.cleanup()


def main(argv=None):
    from infoplane.cli import use_all_cpu_cores

    use_all_cpu_cores()  # as the command line does: the run re-estimate uses every core
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="n = 1000 and 4096, 3 seeds, no neural estimators")
    parser.add_argument("--n", type=int, nargs="+", help="sample sizes (default 1000 4096 16384)")
    parser.add_argument("--seeds", type=int, help="seeds per task (default 10; quick 3)")
    parser.add_argument("--repeats", type=int, default=5, help="timing repeats")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--high-dim", action="store_true",
                        help="also the high-dimensional tasks (n = 5000; ambient 64-1024)")
    parser.add_argument("--labels", action="store_true",
                        help="also the wide-layer I(T;Y) suite with class labels (n = 5000)")
    parser.add_argument("--logistic", action="store_true",
                        help="--labels: also the logistic probe bound (slow)")
    parser.add_argument("--plane-speed", action="store_true",
                        help="the speed of the compressed plane's I(T;Y) and bracket")
    parser.add_argument("--compare", metavar="REV",
                        help="--plane-speed: also time git revision REV, side by side")
    parser.add_argument("--speed-only-compressed", action="store_true",
                        help="of the speed table, only the compressed-MI line")
    args = parser.parse_args(argv)
    ns = args.n or ([1000, 4096] if args.quick else [1000, 4096, 16384])
    seeds = args.seeds or (3 if args.quick else 10)
    if not args.skip_accuracy:
        print_accuracy(*accuracy(ns, seeds, neural=not args.quick), seeds)
    if args.high_dim:
        high_dim(seeds)
    if args.labels:
        labels_accuracy(args.seeds or 2, logistic=args.logistic)
    if args.plane_speed:
        plane_speed(max(1, args.repeats // 2), compare=args.compare)
    if args.speed_only_compressed:
        print(f"\n## Speed (median of {args.repeats} repeats after compilation, this machine)\n")
        print("| task | infoplane (JAX) | reference | speed-up | target |")
        print("|---|---:|---:|---:|---|")
        compressed_speed(args.repeats)
    elif not args.skip_speed:
        speed(args.repeats)


if __name__ == "__main__":
    main()
