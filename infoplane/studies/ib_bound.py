"""The information-bottleneck (IB) curve of tishby12 with label noise, under the trajectories of
a network trained on those noisy labels.

Papers: N. Tishby, F. Pereira & W. Bialek (1999), "The information bottleneck method" (the
iterative algorithm, ``infoplane.ib``); R. Shwartz-Ziv & N. Tishby (2017), "Opening the black
box of deep neural networks via information" (claim: "the converged layers lie on or very
close to the IB theoretical bound"); A. Kolchinsky, B. Tracey & S. Van Kuyk (2019), "Caveats
for information bottleneck in deterministic scenarios" (for Y = f(X) the curve is the trivial
min(r, H(Y))).

Protocol. Each of the 4096 tishby12 labels is flipped with probability ``FLIP_PROB`` = 0.1,
once, with a fixed seed; the flipped set is written to ``noisy_labels.npz`` in the output
folder and the IDNNs network (12-10-7-5-4-3-2 tanh, Adam 4e-4, batch 512, first 80% of rows)
is trained on it, recording every layer's activations (float32) at log-spaced epochs.

Which joint p(x, y)? The sampled labels are fixed per input, so on the data set Y' = f'(X)
again and its IB curve is min(r, H(Y')): no information about the noise. The noise lives in
the channel that generated the labels, p(y|x) = 1 - p for the clean label and p for the other
(``ib.noisy_labels_joint``): the distribution a fresh label, e.g. a test label, is drawn from.
That is the joint whose IB curve bounds what a representation can know about the label, so it
is the one we use, and each layer is evaluated against it: T is the layer's binned activation
(30 bins on [-1, 1], as in training), a deterministic function of X, and X is uniform over all
4096 inputs (the whole input space, not a sample), so
    I(X;T) = H(T),   I(T;Y) = H(Y) - sum_t p(t) H(p(y|t)),   p(y|t) = mean of p(y|x) over t,
are exact for that T, and Y - X - T is Markov: the point can never lie above the true curve.
The plug-in I(T;Y') on the 4096 sampled labels, which is what training records, is shown
beside it: it is bounded only by min(r, H(Y')), and it exceeds the channel's curve wherever
the binning separates the inputs (each input alone in its bin gives I(T;Y') = H(Y'), about
1 bit, against the channel's I(X;Y) = 0.53 bits): a finite-sample bias of the plug-in
estimator, with up to 4096 occupied bins for 4096 labels, and memorised label noise.

Scales: the default trains 5 seeds for 3000 epochs (50 log-spaced logged epochs), about two
minutes on two CPU cores; ``--full`` is the paper's 50 seeds x 8000 epochs (30-45 minutes
here and about 1 GB of recorded activations; to stay under 30 minutes pass ``--seeds 20``);
``--quick`` is a smoke test.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..data import split, tishby12
from ..ib import deterministic_ib_bound, ib_curve, noisy_labels_joint
from ..records import RunResult
from ..runs import read_activations, write_npz
from ..training import preset, train
from ._common import claim, near, out_dir, scaled_config, within, write_results
from ._ib_bound_figure import ib_bound_figure
from ._registry import Sizes, Study, sizes_at

FLIP_PROB = 0.1
FLIP_SEED = 12
BETAS = np.geomspace(1.5, 30.0, 60)  # the curve is (0, 0) below beta = 1 / (1 - 2p)^2 = 1.56
BOUND_TOL = 0.005  # bits: the largest violation we accept as interpolation of the curve

_RECORD = {"record_layers": (0, 1, 2, 3, 4, 5), "record_dtype": "float32", "schedule": "log"}
SCALES = {"quick": Sizes({"seeds": 2, "epochs": 100, "schedule_value": 8}),
          "default": Sizes({"seeds": 5, "epochs": 3000, "schedule_value": 50}),
          "full": Sizes({"seeds": 50, "epochs": 8000, "schedule_value": 40})}


def flip_labels(y, flip_prob: float, n_classes: int, seed: int) -> np.ndarray:
    """Each label replaced, with probability ``flip_prob``, by one of the other classes
    (uniformly; for two classes, flipped). Seeded: the same draw every time."""
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    flip = rng.random(y.shape) < flip_prob
    shift = rng.integers(1, n_classes, size=y.shape)
    return np.where(flip, (y + shift) % n_classes, y).astype(np.int32)


def bin_symbols(act, edges) -> np.ndarray:
    """(n,) integer symbol of each row of ``act`` (n, w) binned with np.digitize on ``edges``;
    rows with the same bin vector share a symbol (the layer's discrete T)."""
    codes = np.digitize(act, edges)
    return np.unique(codes, axis=0, return_inverse=True)[1].reshape(-1)


def channel_information(symbols, p_y_x) -> tuple[float, float]:
    """I(X;T) and I(T;Y) in bits for X uniform over n inputs, T = symbols[x] a function of X,
    and labels drawn from p_y_x (n, K) (rows sum to 1):
    I(X;T) = H(T), I(T;Y) = H(Y) - sum_t p(t) H(Y | T = t)."""
    n = symbols.shape[0]
    counts = np.bincount(symbols)
    p_t = counts[counts > 0] / n
    p_ty = np.zeros((symbols.max() + 1, p_y_x.shape[1]))
    np.add.at(p_ty, symbols, p_y_x / n)
    p_ty = p_ty[counts > 0]
    h_t = -np.sum(p_t * np.log2(p_t))
    p_y = p_ty.sum(axis=0)
    h_y = -np.sum(p_y[p_y > 0] * np.log2(p_y[p_y > 0]))
    nz = p_ty > 0
    h_ty = -np.sum(p_ty[nz] * np.log2(p_ty[nz]))
    return float(h_t), float(max(h_t + h_y - h_ty, 0.0))


def curve_value(curve_r, curve_ty, i_xy: float, r) -> np.ndarray:
    """The IB curve at rates ``r`` (bits): linear between the computed points of the upper
    envelope, from (0, 0), and flat at I(X;Y) beyond the last point. The true curve is concave,
    so the chords lie on or under it: a point on the curve between two computed points can
    appear above this interpolation by a little (at most the chord gap, see BOUND_TOL)."""
    xs = np.concatenate([[0.0], curve_r])
    ys = np.concatenate([[0.0], curve_ty])
    return np.where(np.asarray(r) >= xs[-1], i_xy, np.interp(r, xs, ys))


def largest_violation(i_xt, i_ty, bound) -> dict:
    """The largest I(T;Y) - bound(I(X;T)) over all points [seed, epoch, layer], and where."""
    excess = i_ty - bound(i_xt)
    k = np.unravel_index(int(np.argmax(excess)), excess.shape)
    return {"bits": float(excess[k]), "seed": int(k[0]), "logged_index": int(k[1]),
            "layer": int(k[2])}


def channel_plane(acts, p_y_x, edges) -> tuple[np.ndarray, np.ndarray]:
    """I(X;T), I(T;Y) [seed, epoch, layer] in bits under the label channel p_y_x (n, K)."""
    s, e = acts[0].shape[:2]
    ixt, ity = np.zeros((s, e, len(acts))), np.zeros((s, e, len(acts)))
    for li, a in enumerate(acts):
        for i in range(s):
            for j in range(e):
                ixt[i, j, li], ity[i, j, li] = channel_information(
                    bin_symbols(a[i, j], edges), p_y_x)
    return ixt, ity


def channel_planes(acts, p_xy, noisy_y, edges) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """I(X;T) and I(T;Y) [seed, epoch, layer] under the label channel p_xy (n, K) (a joint,
    rows summing to 1/n), and I(T;Y') on the sampled labels ``noisy_y`` (a check: it is what
    training recorded), all in bits."""
    ixt_c, ity_c = channel_plane(acts, p_xy * p_xy.shape[0], edges)
    _, ity_sample = channel_plane(acts, np.eye(2)[noisy_y], edges)
    return ixt_c, ity_c, ity_sample


def clean_accuracy(outputs, clean, config) -> dict:
    """Final train and test accuracy against the clean labels, from the recorded softmax
    outputs [seed, epoch, n, K], averaged over seeds."""
    rows = split(clean, config.split, config.train_fraction, config.split_seed)
    pred = outputs.argmax(axis=-1)  # [seed, epoch, n]
    return {"train_acc_clean": float((pred[:, -1, rows.train] == clean.y[rows.train]).mean()),
            "test_acc_clean": float((pred[:, -1, rows.test] == clean.y[rows.test]).mean())}


def summarise(info: RunResult, channel, curve, flips, clean_acc) -> dict:
    r_env, ty_env, i_xy = curve
    plane = info.plane
    bound = lambda r: curve_value(r_env, ty_env, i_xy, r)  # noqa: E731
    h_y = float(info.plane.H_Y)
    det = lambda r: deterministic_ib_bound(h_y, np.asarray(r))  # noqa: E731
    ixt_c, ity_c = channel[:2]
    gap = bound(ixt_c[:, -1]) - ity_c[:, -1]  # [seed, layer] at the last logged epoch
    # the least rate that reaches each final I(T;Y) on the curve, and the excess over it
    r_needed = np.interp(np.minimum(ity_c[:, -1], ty_env[-1]), np.concatenate([[0], ty_env]),
                         np.concatenate([[0], r_env]))
    return {
        "layers": [str(n) for n in info.plane.layer_names],
        "flip_prob": FLIP_PROB, "flipped_fraction": flips,
        "I_XY_channel": i_xy, "H_Y_sampled_labels": h_y,
        "curve_points": int(r_env.size),
        "violation_channel": largest_violation(ixt_c, ity_c, bound),
        "violation_plugin_vs_channel_curve": largest_violation(plane.I_XT, plane.I_TY, bound),
        "violation_plugin_vs_min_r_HY": largest_violation(plane.I_XT, plane.I_TY, det),
        "final_I_XT": ixt_c[:, -1].mean(axis=0),
        "final_I_TY_channel": ity_c[:, -1].mean(axis=0),
        "final_I_TY_plugin": info.plane.I_TY[:, -1].mean(axis=0),
        "final_gap_below_curve": gap.mean(axis=0),
        "final_excess_rate": (ixt_c[:, -1] - r_needed).mean(axis=0),
        "plugin_matches_recorded": float(np.max(np.abs(channel[2] - info.plane.I_TY))),
        "train_acc_noisy": float(info.history.train_acc[:, -1].mean()),
        "test_acc_noisy": float(info.history.test_acc[:, -1].mean()),
        **clean_acc,
        "seeds": int(info.plane.I_XT.shape[0]), "epochs_trained": int(info.plane.epochs[-1]) + 1,
    }


def claims(s: dict) -> list[dict]:
    v = s["violation_channel"]
    vp = s["violation_plugin_vs_channel_curve"]
    vd = s["violation_plugin_vs_min_r_HY"]
    gap = np.asarray(s["final_gap_below_curve"])
    return [
        within("the IB curve bounds every representation: no layer's point lies above it "
               "(Tishby et al. 1999; data processing)", float(f"{v['bits']:.3g}"), -np.inf,
               BOUND_TOL, published=0.0,
               why="ours: the largest excess of any (seed, epoch, layer) point over the curve, "
                   "bits; the tolerance is the curve's interpolation between betas",
               layer=s["layers"][v["layer"]]),
        near("with symmetric label noise the curve saturates at I(X;Y) = H(Y) - h2(p) "
             "(0.5305 bits for p = 0.1), not at H(Y)", s["I_XY_channel"], 0.5305,
             5e-4),
        within("the converged layers lie on or very close to the IB bound "
               "(Shwartz-Ziv & Tishby 2017)", [float(g) for g in gap], -np.inf, 0.05,
               why="ours: each layer's vertical gap below the curve at the end, bits",
               excess_rate_bits=[round(float(r), 2) for r in s["final_excess_rate"]]),
        claim("plug-in I(T;Y') on the fixed sampled labels obeys only min(r, H(Y')) "
              "(Kolchinsky et al. 2019): it is not bounded by the noisy channel's curve",
              {"excess_over_min_r_HY": float(f"{vd['bits']:.3g}"),
               "excess_over_channel_curve": round(vp["bits"], 3)},
              "agree if no point exceeds min(r, H(Y')) by more than 1e-9 bits and some point "
              f"exceeds the channel's curve by more than {BOUND_TOL} bits",
              vd["bits"] <= 1e-9 and vp["bits"] > BOUND_TOL, layer=s["layers"][vp["layer"]]),
    ]


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train on the noisy labels, evaluate every layer under the label channel against the
    IB curve, draw and judge the claims; see the module."""
    started = time.time()
    config = scaled_config(preset("tishby2017").replace(**_RECORD),
                           sizes_at(SCALES, scale).config, overrides)
    out = out_dir(out, "ib_bound")
    out.mkdir(parents=True, exist_ok=True)
    clean = tishby12()
    noisy_y = flip_labels(clean.y, FLIP_PROB, 2, FLIP_SEED)
    data_path = (out / "noisy_labels.npz").resolve()
    write_npz(data_path, X=clean.x, y=noisy_y, y_clean=clean.y, flip_prob=np.float64(FLIP_PROB),
             flip_seed=np.int64(FLIP_SEED))
    config = config.replace(dataset=str(data_path))
    run_dir = out / "runs" / "noisy"
    info = train(config, run_dir, resume=resume, overwrite=overwrite, progress=progress)

    p_xy = noisy_labels_joint(clean, flip_prob=FLIP_PROB)
    # p_xy's rows follow np.unique(x); tishby12's rows are already sorted and distinct
    assert np.array_equal(np.unique(clean.x, axis=0), clean.x)
    ib = ib_curve(p_xy, BETAS, merge_inputs=True)
    env = ib.on_envelope & (ib.I_XT > 0)
    curve = (ib.I_XT[env], ib.I_TY[env], ib.I_XY)

    _, acts = read_activations(run_dir, config.record_layers)
    channel = channel_planes(acts, p_xy, noisy_y, config.bins.edges())
    numbers = summarise(info, channel, curve, float((noisy_y != clean.y).mean()),
                        clean_accuracy(acts[-1], clean, config))
    numbers["curve"] = {"I_XT": curve[0], "I_TY": curve[1], "beta": ib.beta[env]}
    h_y_clean = float(-(np.bincount(clean.y) / 4096 * np.log2(np.bincount(clean.y) / 4096)).sum())
    paths = ib_bound_figure(out, info, channel[:2], curve, h_y_clean,
                            {"flip": FLIP_PROB, "seeds": config.seeds, "epochs": config.epochs,
                             "n_bins": config.n_bins})
    results = write_results(out, "ib_bound", numbers, claims(numbers), started,
                            scale=scale)
    print(f"wrote {data_path.name}, {run_dir}, {out / 'results.json'} and "
          f"{', '.join(p.name for p in paths)} in {results['wall_time_s']} s")
    return results


STUDY = Study(
    name="ib_bound",
    title="the information-bottleneck curve of noisy tishby12 under the layers' trajectories",
    scales=SCALES,
    run=run,
    docs="studies/ib_bound.md",
)
