"""Computations on a run's records: the checks of their arrays, how much each layer
compresses, what a run reached, and when the gradient signal-to-noise ratio drops. Numbers
only; ``plotting`` draws them.

Arrays are those of the records (``infoplane.records``): ``I_XT`` and ``I_TY`` [seed,
logged_epoch, layer] in bits (a missing seed axis, [logged_epoch, layer], is one run),
``epochs`` [logged_epoch], accuracies [seed, logged_epoch], gradient statistics [seed,
logged_epoch, layer].
"""

from __future__ import annotations

import numpy as np

from ._errors import InfoplaneError
from ._stats import seed_interval  # noqa: F401  (public here: analysis.seed_interval)
from .estimators.bins import Bins
from .records import RunResult


def check_epochs(epochs) -> np.ndarray:
    """``epochs`` as a non-empty 1-D array of non-negative numbers (0 = initialisation)."""
    e = np.asarray(epochs)
    if e.ndim != 1 or e.size == 0:
        raise InfoplaneError(f"epochs must be a non-empty 1-D array, got shape {e.shape}")
    if not np.issubdtype(e.dtype, np.number) or np.any(e < 0):
        raise InfoplaneError("epochs must be non-negative numbers (epoch 0 = initialisation)")
    return e


def check_runs(name: str, a, n_epochs: int, per_layer: bool) -> np.ndarray:
    """``a`` as [seed, epoch, layer] (``per_layer``) or [seed, epoch]; adds a missing seed axis."""
    a = np.asarray(a, dtype=float)
    want = 3 if per_layer else 2
    if a.ndim == want - 1:
        a = a[None]
    shape = "[seed, epoch, layer] or [epoch, layer]" if per_layer else "[seed, epoch] or [epoch]"
    if a.ndim != want:
        raise InfoplaneError(f"{name} must have shape {shape}, got {np.shape(a)}")
    if a.shape[1] != n_epochs:
        raise InfoplaneError(
            f"{name} has {a.shape[1]} logged epochs on its epoch axis but epochs has "
            f"{n_epochs}; pass the epochs array of the same run")
    return a


def check_same_shape(**arrays) -> None:
    """Raise unless every array given has the same shape."""
    shapes = {k: v.shape for k, v in arrays.items()}
    if len(set(shapes.values())) > 1:
        text = ", ".join(f"{k} {s}" for k, s in shapes.items())
        raise InfoplaneError(f"shapes do not match: {text}; they must come from the same run")


def plane_runs(I_XT, I_TY, epochs, *, mean_over_seeds: bool) -> tuple:
    """Checked plane arrays as [run, logged_epoch, layer] and the checked epochs.

    Args:
        I_XT, I_TY: [seed, logged_epoch, layer] or [logged_epoch, layer], bits.
        epochs: [logged_epoch].
        mean_over_seeds: average over seeds into one run ([1, logged_epoch, layer]).

    Returns:
        (I_XT, I_TY, epochs) as float arrays.
    """
    e = check_epochs(epochs)
    ixt = check_runs("I_XT", I_XT, e.size, per_layer=True)
    ity = check_runs("I_TY", I_TY, e.size, per_layer=True)
    check_same_shape(I_XT=ixt, I_TY=ity)
    if mean_over_seeds:
        ixt, ity = ixt.mean(axis=0, keepdims=True), ity.mean(axis=0, keepdims=True)
    return ixt, ity, e


def nearest_logged_epoch(epochs: np.ndarray, epoch, name: str = "epoch") -> int:
    """Index of the logged epoch nearest to ``epoch`` on a log(epoch + 1) scale (the scale of
    the plots); ``name`` names ``epoch`` in the error message."""
    if not np.isfinite(epoch) or epoch < 0:
        raise InfoplaneError(f"{name} must be a non-negative epoch, got {epoch!r}")
    return int(np.argmin(np.abs(np.log1p(epochs) - np.log1p(epoch))))


def compression(I_XT, epochs=None, *, after=None) -> dict:
    """How much each layer compresses: its peak I(X;T) minus its final I(X;T), bits.

    Args:
        I_XT: [seed, logged_epoch, layer] or [logged_epoch, layer], bits; seeds are averaged
            first (as the plane is drawn).
        epochs: [logged_epoch]; without it, "peak_epoch" holds indices of logged epochs.
        after: if given, also the fall from this epoch (the nearest logged one at or after it)
            to the end: ``I(X;T)(after) - I(X;T)(final)`` (negative for a layer that gains).

    Returns:
        "peak" [layer], "peak_epoch" [layer], "final" [layer], "compression" [layer] (>= 0),
        and "since" [layer] when ``after`` is given.
    """
    ixt = np.asarray(I_XT, dtype=float)
    ixt = ixt.mean(axis=0) if ixt.ndim == 3 else ixt
    e = np.arange(ixt.shape[0]) if epochs is None else np.asarray(epochs)
    peak_at = np.argmax(ixt, axis=0)
    layers = np.arange(ixt.shape[1])
    out = {"peak": ixt[peak_at, layers], "peak_epoch": e[peak_at], "final": ixt[-1],
           "compression": ixt[peak_at, layers] - ixt[-1]}
    if after is not None:
        i = min(int(np.searchsorted(e, after)), e.size - 1)
        out["since"] = ixt[i] - ixt[-1]
    return out


def run_summary(run: RunResult) -> dict:
    """What the comparative studies report of each run (a ``RunResult`` of training): final
    train and test accuracy (seed means, and the test accuracy's spread over seeds), the
    seed-mean final I(X;T) and I(T;Y) per layer (bits), and each layer's compression
    (``compression``), the last hidden layer's apart."""
    plane, history = run.plane, run.history
    if history is None:
        raise InfoplaneError("run_summary needs a training history (accuracies); this run was "
                             "recorded without one")
    comp = compression(plane.I_XT, plane.epochs)
    return {
        "train_acc": float(history.train_acc[:, -1].mean()),
        "test_acc": float(history.test_acc[:, -1].mean()),
        "test_acc_std": float(history.test_acc[:, -1].std()),
        "final_I_XT": plane.I_XT.mean(axis=0)[-1],
        "final_I_TY": plane.I_TY.mean(axis=0)[-1],
        "compression_bits": comp["compression"],
        "last_hidden_compression_bits": float(comp["compression"][-2]),
    }


def smooth(v: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average over ``window`` neighbours; the ends repeat the edge value."""
    if window <= 1:
        return v
    half = window // 2
    padded = np.pad(v, (half, window - 1 - half), mode="edge")
    return np.convolve(padded, np.ones(window) / window, mode="valid")


def _smoothed_log_snr(epochs, grad_mean, grad_std, window: int) -> tuple[np.ndarray, np.ndarray]:
    """The checked epochs and log S(t) = mean over layers of log(seed-mean grad_mean /
    seed-mean grad_std), smoothed over ``window`` logged epochs."""
    e = check_epochs(epochs)
    gm = check_runs("grad_mean", grad_mean, e.size, per_layer=True).mean(axis=0)
    gs = check_runs("grad_std", grad_std, e.size, per_layer=True).mean(axis=0)
    check_same_shape(grad_mean=gm, grad_std=gs)
    tiny = np.finfo(float).tiny  # a zero gradient statistic gives a finite, very small log
    log_snr = np.log(np.maximum(gm, tiny)) - np.log(np.maximum(gs, tiny))
    return e, smooth(log_snr.mean(axis=1), window)


def _crossing(e: np.ndarray, s: np.ndarray, threshold: float) -> int:
    """The first logged epoch from which log S stays below log(threshold) to the end."""
    # Index from which every later value is below: one past the last value not below (NaN
    # counts as not below).
    above = np.flatnonzero(~(s < np.log(threshold)))
    if above.size == 0 or above[-1] == e.size - 1:
        state = (f"is below {threshold:g} throughout" if above.size == 0
                 else f"is still at or above {threshold:g} at the last logged epoch")
        raise InfoplaneError(f"no SNR transition: the smoothed gradient SNR {state}; "
                             "try method='midpoint' or another threshold")
    return int(e[above[-1] + 1])


def _midpoint(e: np.ndarray, s: np.ndarray) -> int:
    """The first logged epoch after the peak of log S at which it has fallen halfway (in
    log, so to the geometric midpoint) to its lowest value after the peak."""
    peak = int(np.argmax(s))
    if peak >= e.size - 1 or s[peak + 1:].min() >= s[peak]:
        raise InfoplaneError("no SNR transition: the smoothed gradient SNR does not fall after "
                             "its maximum; train longer")
    middle = 0.5 * (s[peak] + s[peak + 1:].min())
    return int(e[peak + 1 + int(np.argmax(s[peak + 1:] <= middle))])


def detect_snr_transition(epochs, grad_mean, grad_std, *, threshold: float = 1.0,
                          window: int = 5, method: str = "crossing") -> int:
    """The epoch at which training switches from drift to diffusion (Shwartz-Ziv & Tishby).

    The signal-to-noise ratio of layer l at logged epoch t is
    ``SNR_l(t) = grad_mean_l(t) / grad_std_l(t)``, each averaged over seeds first. Its
    geometric mean over layers, ``log S(t) = mean_l log SNR_l(t)``, is smoothed by a centred
    moving average over ``window`` logged epochs (edges repeat the end values). Then:

    * ``method="crossing"`` (the paper's reading of Fig. 4): the first logged epoch from which
      the smoothed S stays below ``threshold`` to the end, having been at or above it just
      before. A centred window keeps a sharp drop where it is.
    * ``method="midpoint"``: the first logged epoch after the peak of the smoothed S at which
      S has fallen to the geometric midpoint between that peak and the lowest S after it,
      ``sqrt(S_peak * S_min)``. A threshold-free reading of the same drop, for runs whose
      layer-averaged SNR stays below 1 throughout (the first layers of the 12-10-7-5-4-3-2
      network often do); it is robust to the noisy SNR of the late diffusion phase, where
      the point of steepest fall is not.

    Args:
        epochs: [logged_epoch].
        grad_mean, grad_std: [seed, logged_epoch, layer] or [logged_epoch, layer].
        threshold: the SNR that separates the phases (1: mean as large as the fluctuation).
        window: the smoothing width in logged epochs (1 = none).
        method: "crossing" or "midpoint".

    Returns:
        The transition epoch, one of ``epochs``.

    Raises:
        InfoplaneError: on mismatched shapes, or when the chosen rule finds no transition.
    """
    if method not in ("crossing", "midpoint"):
        raise InfoplaneError(f"method must be 'crossing' or 'midpoint', got {method!r}")
    if int(window) < 1:
        raise InfoplaneError(f"window must be a positive number of logged epochs, got {window}")
    e, s = _smoothed_log_snr(epochs, grad_mean, grad_std, int(window))
    return _crossing(e, s, threshold) if method == "crossing" else _midpoint(e, s)


def find_snr_transition(epochs, grad_mean, grad_std) -> tuple[int | None, str]:
    """The drift-to-diffusion epoch and how it was found: the "crossing" rule of
    ``detect_snr_transition`` if the SNR does cross 1, else its "midpoint" rule; (None, reason)
    when neither applies."""
    try:
        return detect_snr_transition(epochs, grad_mean, grad_std), "SNR transition"
    except InfoplaneError:
        pass
    try:
        return (detect_snr_transition(epochs, grad_mean, grad_std, method="midpoint"),
                "SNR drop midpoint")
    except InfoplaneError as err:
        return None, str(err)


def _unit_codes(a: np.ndarray, bins: Bins) -> np.ndarray:
    """Bin indices of one layer's activations a (n, units), as training bins them: the
    "fixed" edges, or the same number of edges over the layer's own min..max ("layer")."""
    if bins.rule == "fixed":
        edges = bins.edges()
    elif bins.rule == "layer":
        edges = np.linspace(a.min(), a.max(), bins.n_bins)
    else:
        raise InfoplaneError(f"total_correlation bins rule must be 'fixed' or 'layer', got "
                             f"{bins.rule!r}")
    # Edges in the activations' dtype, as the training-time estimator compares them.
    return np.digitize(a, edges.astype(a.dtype))


def _plugin_bits(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def total_correlation(activations, bins: Bins | None = None) -> dict:
    """Redundancy of a binned layer: the total correlation of its units, in bits.

    ``TC(T) = sum_i H(T_i) - H(T_1, ..., T_d)`` (Watanabe 1960), plug-in entropies of each
    unit's bin index and of the layer's vector of bin indices over the n inputs (X uniform over
    them, as the plane). TC >= 0, and 0 exactly when the binned units are independent over the
    inputs; ``H(T)`` is the layer's binned I(X;T) of the plane.

    Args:
        activations: [..., n, units] one layer's activations (e.g. [seed, epoch, n, units]).
        bins: the binning, "fixed" or "layer" rule (default: ``Bins()``, from
            ``infoplane.defaults``, 30 edges on [-1, 1]).

    Returns:
        "total_correlation", "sum_unit_entropies", "joint_entropy": arrays of the leading
        shape [...], bits.
    """
    bins = (bins or Bins()).validate()
    a = np.asarray(activations)
    if a.ndim < 2 or a.shape[-2] == 0 or a.shape[-1] == 0:
        raise InfoplaneError(f"activations must be [..., n, units] with n, units >= 1, got "
                             f"shape {a.shape}")
    lead = a.shape[:-2]
    flat = a.reshape(-1, *a.shape[-2:])
    units, joint = np.empty(flat.shape[0]), np.empty(flat.shape[0])
    for i, layer in enumerate(flat):
        codes = _unit_codes(layer, bins)
        units[i] = sum(_plugin_bits(np.bincount(c)) for c in codes.T)
        joint[i] = _plugin_bits(np.unique(codes, axis=0, return_counts=True)[1])
    return {"total_correlation": (units - joint).reshape(lead),
            "sum_unit_entropies": units.reshape(lead), "joint_entropy": joint.reshape(lead)}
