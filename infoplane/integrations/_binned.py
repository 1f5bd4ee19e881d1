"""The binned plane of one recorded epoch, in NumPy: what a recorder writes at every call,
without compiling anything.

The compiled estimator (``estimators.binning``) costs a compilation per layer width (measured
here: 0.3 s for a 10-unit layer, 9 s for a 640-unit feature map) and ~50 ms per wide layer and
epoch, which a recorder inside a short training loop cannot afford. This module bins as the
compiled estimator does (float32 values; the edges of ``Bins``, for the "layer" rule computed
in float32 as XLA computes ``jnp.linspace`` there; subnormals read as zero; a value's bin is
the number of edges <= it), so the partition of the inputs into bin patterns is the same; it
counts the patterns by sorting the rows as bytes, and bins a wide layer only as far as needed
to tell its inputs apart (``layer_information``). The entropies are exact sums over those
counts in float64, where the compiled estimator sums float32 terms: the two planes agree to
float32 rounding (~1e-6 bits). The one exception is a value within a rounding of an inner
"layer"-rule edge, which XLA itself bins differently in different programs (see
``layer_edges``). The "quantile" rule (per-unit quantiles) is left to the compiled estimator.
"""

from __future__ import annotations

import numpy as np

from ..estimators.bins import Bins


def layer_edges(bins: Bins, low: np.float32, high: np.float32) -> np.ndarray:
    """The bin edges (n_bins,) float32 of a layer whose values span [low, high].

    "fixed": ``linspace(bins.low, bins.high, n_bins)`` cast to float32. "layer": the same over
    [low, high], in float32 as XLA's CPU code evaluates ``jnp.linspace`` in the compiled
    estimator over several epochs at once: s = i x float32(1 / (n_bins - 1)), edge i =
    fma(low, 1 - s, high s) (one rounding; the product of two float32 is exact in float64),
    the last edge exactly high. XLA fuses the same formula differently in other programs (one
    epoch alone, for one), so a value within a rounding of an inner edge can be binned on the
    other side there: the planes then differ by that one value's move.
    """
    if bins.rule == "fixed":
        return bins.edges().astype(np.float32)
    step = np.arange(bins.n_bins - 1, dtype=np.float32) * (np.float32(1.0) /
                                                          np.float32(bins.n_bins - 1))
    low_part = np.float64(low) * (np.float32(1.0) - step).astype(np.float64)
    inner = (low_part + (np.float32(high) * step).astype(np.float64)).astype(np.float32)
    return np.append(inner, np.float32(high))


def _daz_edges(edges: np.ndarray) -> np.ndarray:
    """Edges under which IEEE comparisons give what XLA's CPU code gives, which reads
    subnormal numbers as zero: there -1e-45 >= 0 holds. Against a normal edge a subnormal
    value compares as zero would; an edge of zero (or subnormal) is met by every value above
    -tiny, so it becomes the float32 just above -tiny."""
    tiny = np.finfo(np.float32).tiny
    small = np.abs(edges) < tiny
    if not small.any():
        return edges
    return np.where(small, np.nextafter(np.float32(-tiny), np.float32(0.0)), edges)


def bin_indices(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The bin of every value of x (float32): the number of edges <= it (subnormals read as
    zero, as XLA does), as uint8 (uint16 for more than 255 edges); the result of
    ``np.searchsorted(edges, x, side="right")``, computed faster.

    The index is guessed from the mean edge spacing and corrected by one in either direction
    against the edges. Where the edges are spaced well above float32 rounding (step > 16 ulp)
    the guess is never more than one off, so the correction makes it exact; otherwise (a
    nearly constant layer) the result is checked, and the binary search used if it fails.
    """
    edges = _daz_edges(edges)
    n_edges = edges.size
    dtype = np.uint8 if n_edges < 256 else np.uint16
    span = float(edges[-1]) - float(edges[0])
    ulp = float(np.spacing(np.float32(max(abs(edges[0]), abs(edges[-1])))))
    if not (span > 0 and np.isfinite(span)):
        return np.searchsorted(edges, x, side="right").astype(dtype)
    padded = np.concatenate([[-np.inf], edges, [np.inf]]).astype(np.float32)
    t = x - edges[0]
    t *= np.float32((n_edges - 1) / span)
    np.clip(t, -1.0, n_edges, out=t)
    guess = t.astype(np.intp)  # intp: the index type, so that take() converts nothing
    guess += 1
    np.clip(guess, 0, n_edges, out=guess)
    guess += x >= padded.take(guess + 1)
    guess -= x < padded.take(guess)
    if span / (n_edges - 1) <= 16 * ulp and not np.all(
            (padded.take(guess) <= x) & (x < padded.take(guess + 1))):
        return np.searchsorted(edges, x, side="right").astype(dtype)
    return guess.astype(dtype)


def _entropy_bits(counts: np.ndarray, n: int) -> float:
    """Plug-in entropy in bits of a distribution given by its counts over n samples."""
    c = counts[counts > 0].astype(np.float64)
    return float(np.log2(n) - (c * np.log2(c)).sum() / n)


def pattern_information(codes: np.ndarray, labels: np.ndarray, n_classes: int
                        ) -> tuple[float, float]:
    """H(T) and I(T;Y) in bits of the rows T of ``codes`` (n, units) and labels Y (n,) in
    [0, n_classes), each of the n rows equally likely: I(T;Y) = H(T) + H(Y) - H(T, Y)."""
    n = codes.shape[0]
    codes = np.ascontiguousarray(codes)
    rows = codes.view(np.dtype((np.void, codes.strides[0])))[:, 0]
    _, pattern, counts = np.unique(rows, return_inverse=True, return_counts=True)
    joint = np.bincount(pattern.ravel().astype(np.int64) * n_classes + labels)
    h_t = _entropy_bits(counts, n)
    return h_t, h_t + _entropy_bits(np.bincount(labels), n) - _entropy_bits(joint, n)


def _distinct_rows(codes: np.ndarray) -> int:
    codes = np.ascontiguousarray(codes)
    return np.unique(codes.view(np.dtype((np.void, codes.strides[0])))[:, 0]).size


def layer_information(x: np.ndarray, edges: np.ndarray, labels: np.ndarray, n_classes: int,
                      first: int = 32) -> tuple[float, float]:
    """H(T) and I(T;Y) in bits of a layer x (n, units) binned at ``edges``.

    Units are binned a block at a time (the first ``first``, then blocks that grow the prefix
    fourfold): once the bin patterns of a prefix of units already tell all n inputs apart, more
    units cannot split them further, so the rest need not be binned; the result is the same.
    A wide layer (a feature map of hundreds of units) usually stops after its first block.
    """
    n, width = x.shape
    parts, done = [], 0
    while True:
        step = first if done == 0 else 3 * done
        parts.append(bin_indices(x[:, done:done + step], edges))
        done = min(width, done + step)
        codes = parts[0] if len(parts) == 1 else np.hstack(parts)
        if done == width or _distinct_rows(codes) == n:
            return pattern_information(codes, labels, n_classes)


def binned_plane(layers: list[np.ndarray], labels: np.ndarray, n_classes: int, bins: Bins
                 ) -> tuple[np.ndarray, np.ndarray]:
    """I(X;T) = H(T) and I(T;Y), float64 (layers,) in bits, of each layer (n, units) binned by
    ``bins`` ("fixed" or "layer"), with labels (n,) in [0, n_classes)."""
    ixt, ity = [], []
    for layer in layers:
        x = layer.astype(np.float32, copy=False)
        h_t, i_ty = layer_information(x, layer_edges(bins, x.min(), x.max()), labels, n_classes)
        ixt.append(h_t)
        ity.append(i_ty)
    return np.asarray(ixt), np.asarray(ity)
