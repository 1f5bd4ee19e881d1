"""The binned plane in NumPy: the reference definition of the binned plane, and what a
recorder writes at every call, without compiling anything.

Definition. A layer's values are taken as float32; its bin edges are those of ``Bins``
(``layer_edges``: "fixed", ``Bins.edges()``; "layer", ``numpy.linspace`` over the layer's
[min, max], each edge the float32 nearest the exact one, the ends exact); a value's bin is the
number of edges <= it (``numpy.digitize``); the plane is the plug-in I(X;T) = H(T) and I(T;Y)
of the rows of bins, X uniform over the n inputs, summed exactly over counts in float64.
``layer_information`` and ``narrow_information`` count the patterns fast (integer labels of
the rows, and only as many units of a wide layer as it takes to tell the inputs apart); the
tests hold them to the slow definition (``numpy.unique`` over rows).

The compiled estimator of training and ``plane_from_run`` (``estimators.binning``) is tested
against this one (tests/test_recorder_plane.py) within a stated tolerance, not made to agree
bit for bit: XLA computes the "layer" edges in its own float32 arithmetic (``jnp.linspace``,
fused differently in different programs; an inner edge can be a rounding away from the
nearest float32) and its CPU code reads subnormal numbers as zero. So a value within a few
float32 roundings of an inner "layer" edge, or a subnormal one next to an edge at zero
(``near_edge``), can fall in the neighbouring bin there. Each
input so moved changes a plug-in entropy over n inputs by at most
2 (log2 n + log2 e) / n bits (one count down, one up: |d(c log2 c)/dc| <= log2 n + log2 e),
so I(X;T) = H(T) by at most that and I(T;Y) = H(T) + H(Y) - H(T,Y) by twice that, per input
with a value near an edge, plus the compiled estimator's float32 sums (~1e-6 bits at 12 bits).
Continuous activations almost never sit that close to an edge (the planes then agree to
float32 rounding); values on a grid that meets the edges (quantised layers, saturated units
at a "fixed" rule's outer edges, which both compute exactly) are where it matters.
The "quantile" rule (per-unit quantiles) is left to the compiled estimator.
"""

from __future__ import annotations

import numpy as np

from ..estimators.bins import Bins


def layer_edges(bins: Bins, low: np.float32, high: np.float32) -> np.ndarray:
    """The bin edges (n_bins,) float32 of a layer whose values span [low, high]: "fixed",
    ``bins.edges()``; "layer", ``linspace(low, high, n_bins)`` in float64, each edge rounded
    to the nearest float32 (so the first is low and the last high, exactly)."""
    if bins.rule == "fixed":
        return bins.edges().astype(np.float32)
    return np.linspace(np.float64(low), np.float64(high), bins.n_bins).astype(np.float32)


def near_edge(x: np.ndarray, bins: Bins, ulps: int = 4) -> np.ndarray:
    """Whether each value of a layer x (float32) may fall in another bin under another float32
    computation of the edges (see the module docstring): within ``ulps`` float32 spacings (at
    the scale of the largest edge) of an inner "layer"-rule edge (``jnp.linspace`` may round
    it otherwise; its ends, the layer's min and max, are exact in both, and "fixed" edges are
    the same float32 in both), or a subnormal value with an edge within the smallest normal
    float32 of zero (XLA's CPU code reads it as zero)."""
    edges = layer_edges(bins, x.min(), x.max()).astype(np.float64)
    x64 = x.astype(np.float64)
    tiny = float(np.finfo(np.float32).tiny)
    near = (np.abs(x64) < tiny) & bool(np.any(np.abs(edges) <= tiny))
    inner = edges[1:-1] if bins.rule == "layer" else edges[:0]
    if inner.size:
        scale = float(np.spacing(np.float32(np.abs(edges).max())))
        i = np.searchsorted(inner, x64)  # the nearest inner edges: inner[i - 1] < x <= inner[i]
        below = inner[np.clip(i - 1, 0, inner.size - 1)]
        above = inner[np.clip(i, 0, inner.size - 1)]
        near |= np.minimum(np.abs(x64 - below), np.abs(x64 - above)) <= ulps * scale
    return near


def bin_indices(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The bin of every value of x (float32): the number of edges <= it, as uint8 (uint16 for
    more than 255 edges); the result of ``np.searchsorted(edges, x, side="right")``, computed
    faster.

    The edges of both rules are evenly spaced up to float32 rounding, so a value's position
    t = (x - first edge) / spacing, in bins, gives its bin as floor(t) + 1, unless t is within
    the rounding of these steps of a whole number (``margin``, bounded below): only those
    values, next to an edge, are looked up by binary search. Where the edges are not spaced
    well above float32 rounding (step <= 16 ulp: a nearly constant layer) every value is.
    """
    n_edges = edges.size
    dtype = np.uint8 if n_edges < 256 else np.uint16
    span = float(edges[-1]) - float(edges[0])
    ulp = float(np.spacing(np.float32(max(abs(edges[0]), abs(edges[-1])))))
    if not (span > 0 and np.isfinite(span)) or span / (n_edges - 1) <= 16 * ulp:
        return np.searchsorted(edges, x, side="right").astype(dtype)
    step = span / (n_edges - 1)
    # |t - exact position| in bins: x - first edge rounds by <= 1 ulp, each edge lies within
    # 1 ulp of its even place (the rules' rounding), and t's two float32 products round by a
    # few parts in 2**24 of t <= n_edges; the margin takes twice each.
    margin = np.float32(2 * (2 * ulp / step + 4 * n_edges * 2.0**-24))
    t = x - edges[0]
    t *= np.float32(1.0 / step)
    near = np.abs(t - np.rint(t)) < margin
    np.clip(t, -1.0, n_edges, out=t)
    np.floor(t, out=t)
    t += 1
    np.clip(t, 0, n_edges, out=t)
    codes = t.astype(dtype)
    if near.any():
        codes[near] = np.searchsorted(edges, x[near], side="right")
    return codes


def _entropy_bits(counts: np.ndarray, n: int) -> float:
    """Plug-in entropy in bits of a distribution given by its counts over n samples."""
    c = counts[counts > 0].astype(np.float64)
    return float(np.log2(n) - (c * np.log2(c)).sum() / n)


def row_keys(codes: np.ndarray, base: int, keys: np.ndarray | None = None
             ) -> tuple[np.ndarray, int]:
    """Labels of the rows of ``codes`` (n, units), integers in [0, base): int64 (n,) in
    [0, distinct), equal exactly when two rows are, and the number of distinct rows.

    With ``keys`` (the labels of the same rows over earlier columns), the labels of those
    columns followed by these. The columns are packed as digits in base ``base``, as many into
    one int64 as fit beside the labels so far, and the packed values relabelled densely
    (a sort of n integers) after each pack: no sort of byte rows, and NumPy releases the GIL
    throughout, so that a recorder's background thread leaves a training thread alone.
    """
    n, units = codes.shape
    keys = np.zeros(n, np.int64) if keys is None else keys
    span, done = (int(keys.max()) + 1 if n else 1), 0
    while done < units:
        k = 1
        while k < units - done and span * base ** (k + 1) <= 2 ** 62:
            k += 1
        powers = base ** np.arange(k - 1, -1, -1, dtype=np.int64)
        keys = keys * base ** k + codes[:, done:done + k].astype(np.int64) @ powers
        uniq, keys = np.unique(keys, return_inverse=True)
        keys, span, done = keys.ravel().astype(np.int64, copy=False), uniq.size, done + k
    return keys, span


def _information(keys: np.ndarray, labels: np.ndarray, n_classes: int) -> tuple[float, float]:
    """H(T) and I(T;Y) in bits of the patterns ``keys`` (n,) in [0, distinct) and labels."""
    n = keys.size
    h_t = _entropy_bits(np.bincount(keys), n)
    joint = np.bincount(keys * n_classes + labels)
    return h_t, h_t + _entropy_bits(np.bincount(labels), n) - _entropy_bits(joint, n)


def pattern_information(codes: np.ndarray, labels: np.ndarray, n_classes: int
                        ) -> tuple[float, float]:
    """H(T) and I(T;Y) in bits of the rows T of ``codes`` (n, units), non-negative integers,
    and labels Y (n,) in [0, n_classes), each of the n rows equally likely:
    I(T;Y) = H(T) + H(Y) - H(T, Y)."""
    keys, _ = row_keys(codes, int(codes.max()) + 1 if codes.size else 1)
    return _information(keys, labels.astype(np.int64, copy=False), n_classes)


def layer_information(x: np.ndarray, edges: np.ndarray, labels: np.ndarray, n_classes: int,
                      first: int = 32) -> tuple[float, float]:
    """H(T) and I(T;Y) in bits of a layer x (n, units) binned at ``edges``.

    Units are binned a block at a time (the first ``first``, then blocks that grow the prefix
    fourfold): once the bin patterns of the units so far already tell all n inputs apart, more
    units cannot split them further, so the rest need not be binned; the result is the same.
    The units are taken in a fixed random order, not in order: neighbouring units of a feature
    map (one position's channels, or neighbouring positions) tell fewer inputs apart than
    units from all over it, whatever the layout (channels first or last). A wide layer usually
    stops after its first block (the Keras CNN of ``benchmarks/bench_models.py`` after three
    epochs: all 5000 inputs apart after 32 units so taken, in both layouts of its two 640-unit
    feature maps, against 3746 and 4578 after the first 32; an evenly strided choice failed in
    the channels-first layout, 4928 and 4578).
    """
    n, width = x.shape
    order = np.random.default_rng(0).permutation(width)
    keys, done = None, 0
    while True:
        step = first if done == 0 else 3 * done
        keys, distinct = row_keys(bin_indices(x[:, order[done:done + step]], edges),
                                  edges.size + 1, keys)
        done = min(width, done + step)
        if done == width or distinct == n:
            return _information(keys, labels.astype(np.int64, copy=False), n_classes)


def _sum_c_log_c(sorted_keys: np.ndarray) -> np.ndarray:
    """Sum over each row's runs of equal values (each row sorted) of c log2 c, c the run
    length: each value adds f(r) = r log2 r - (r-1) log2 (r-1), r its place in its run, so
    that a run adds up to c log2 c; a few whole-array operations whatever the rows."""
    n = sorted_keys.shape[1]
    first = np.empty(sorted_keys.shape, bool)
    first[:, 0] = True
    np.not_equal(sorted_keys[:, 1:], sorted_keys[:, :-1], out=first[:, 1:])
    column = np.arange(n)
    place = column - np.maximum.accumulate(np.where(first, column, 0), axis=1)  # 0-based
    r = np.arange(1, n + 1, dtype=np.float64)
    r_log_r = r * np.log2(r)
    steps = r_log_r - np.concatenate([[0.0], r_log_r[:-1]])
    return steps[place].sum(axis=1)


def narrow_information(codes: list[np.ndarray], base: int, labels: np.ndarray, n_classes: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """H(T) and I(T;Y) in bits, (layers,), of layers whose bin codes (n, units) in [0, base)
    fit, with the label, into one int64 each (base**units * n_classes <= 2**62): every row
    packed into one integer, and all layers counted by one sort, without a loop over layers
    (a network of narrow layers, such as the 12-10-7-5-4-3-2 MLP, costs a few operations)."""
    n = labels.size
    keys = np.empty((len(codes), n), np.int64)  # a layer per row: contiguous sorts
    for j, c in enumerate(codes):
        powers = base ** np.arange(c.shape[1] - 1, -1, -1, dtype=np.int64)
        np.matmul(c.astype(np.int64), powers, out=keys[j])
    keys *= n_classes
    keys += labels
    keys.sort(axis=1)
    h_ty = np.log2(n) - _sum_c_log_c(keys) / n
    keys //= n_classes
    h_t = np.log2(n) - _sum_c_log_c(keys) / n
    h_y = _entropy_bits(np.bincount(labels), n)
    return h_t, h_t + h_y - h_ty


def binned_plane(layers: list[np.ndarray], labels: np.ndarray, n_classes: int, bins: Bins
                 ) -> tuple[np.ndarray, np.ndarray]:
    """I(X;T) = H(T) and I(T;Y), float64 (layers,) in bits, of each layer (n, units) binned by
    ``bins`` ("fixed" or "layer"), with labels (n,) in [0, n_classes). Layers narrow enough
    for ``narrow_information`` are counted together; wider ones by ``layer_information``."""
    labels = labels.astype(np.int64, copy=False)
    base = bins.n_bins + 1
    fits = [base ** a.shape[1] * n_classes <= 2 ** 62 for a in layers]
    ixt, ity = np.zeros(len(layers)), np.zeros(len(layers))
    narrow = []
    for j, layer in enumerate(layers):
        x = layer.astype(np.float32, copy=False)
        edges = layer_edges(bins, x.min(), x.max())
        if fits[j]:
            narrow.append(bin_indices(x, edges))
        else:
            ixt[j], ity[j] = layer_information(x, edges, labels, n_classes)
    if narrow:
        where = np.flatnonzero(fits)
        ixt[where], ity[where] = narrow_information(narrow, base, labels, n_classes)
    return ixt, ity
