"""The NumPy binned plane (integrations._binned), the reference definition that the recorders
write: hand-computed tables, the bin of every value by its definition, and the compiled
estimator of training and ``plane_from_run`` held to it within the stated tolerance
(``agree``), on values placed exactly on the bin edges and next to them."""

import math

import numpy as np
import pytest

from infoplane import Bins, plane_from_activations
from infoplane.integrations._binned import (
    bin_indices,
    binned_plane,
    layer_edges,
    layer_information,
    narrow_information,
    near_edge,
    pattern_information,
)

F32 = np.float32
# Float64 sums over counts against the compiled float32 sums: ~1e-6 bits apart at ~10 bits.
# One value changing bin among n = 2000 moves H(T) by ~1e-3 bits, far above 1e-5 bits.
SAME = 1e-5


def agree(numpy_plane, compiled, layers, bins, n: int) -> int:
    """Assert the tolerance of ``_binned``'s docstring for the compiled plane ``compiled`` =
    (I_XT, I_TY): per layer, with m the inputs that have
    a value another float32 computation of the edges may bin on the other side
    (``near_edge``), |I(X;T) difference| <= m 2 (log2 n + log2 e) / n + SAME and
    |I(T;Y) difference| <= twice that + SAME. Returns the total m."""
    per_input = 2 * (math.log2(n) + math.log2(math.e)) / n
    total = 0
    for j, a in enumerate(layers):
        x = a.astype(F32)
        m = int(near_edge(x, bins).any(axis=1).sum())
        total += m
        ixt, ity = numpy_plane[0][j], numpy_plane[1][j]
        assert abs(ixt - float(compiled[0].ravel()[j])) <= m * per_input + SAME, (j, m)
        assert abs(ity - float(compiled[1].ravel()[j])) <= 2 * m * per_input + SAME, (j, m)
    return total


def test_pattern_information_of_hand_tables():
    codes = np.array([[0, 1], [0, 1], [2, 0], [2, 0]], dtype=np.uint8)
    # two patterns, each half the inputs: H(T) = 1 bit; labels that follow them: I(T;Y) = 1
    assert pattern_information(codes, np.array([0, 0, 1, 1]), 2) == pytest.approx((1.0, 1.0))
    # labels independent of the pattern: I(T;Y) = 0
    assert pattern_information(codes, np.array([0, 1, 0, 1]), 2) == pytest.approx((1.0, 0.0))
    # patterns of sizes 2, 1, 1: H = 1.5 bits; Y = [0, 0, 1, 2] is a function of T with
    # H(Y) = 1.5, so I(T;Y) = H(Y) = 1.5 bits
    codes = np.array([[0], [0], [1], [2]], dtype=np.uint8)
    assert pattern_information(codes, np.array([0, 0, 1, 2]), 3) == pytest.approx((1.5, 1.5))


def edge_values(edges: np.ndarray, low, high) -> np.ndarray:
    """The edges, the float32 just above and below each, zero and two subnormals, kept inside
    [low, high] (so that a layer's min and max, and so its "layer" edges, stay as they are):
    the values that another computation of the edges may bin on the other side."""
    near = np.concatenate([edges, np.nextafter(edges, F32(np.inf)),
                           np.nextafter(edges, F32(-np.inf)), [0.0, 1e-45, -1e-45]]).astype(F32)
    return near[(near >= low) & (near <= high)]


def adversarial(rng, a: np.ndarray, bins: Bins, share: float = 0.5) -> np.ndarray:
    """``a`` with a share of its values moved onto ``edge_values`` of its own edges."""
    cand = edge_values(layer_edges(bins, a.min(), a.max()), a.min(), a.max())
    moved = rng.random(a.shape) < share
    return np.where(moved, cand[rng.integers(0, cand.size, a.shape)], a).astype(F32)


def test_bin_of_every_value_is_the_number_of_edges_at_or_below_it():
    rng = np.random.default_rng(0)
    for bins in (Bins("fixed", 30, -1.0, 1.0), Bins("layer", 30), Bins("layer", 7),
                 Bins("fixed", 300, -2.0, 2.0)):
        x = adversarial(rng, (rng.normal(size=(500, 3)) * 1.5).astype(F32), bins)
        edges = layer_edges(bins, x.min(), x.max())
        np.testing.assert_array_equal(bin_indices(x, edges), np.digitize(x, edges))
    # layers far from zero (the edges' rounding is a larger share of a bin), wide and narrow
    # spans, values beyond fixed edges, and the float32 next to every edge
    cases = ((1000.0, 0.5, Bins("layer", 30)), (-3e4, 40.0, Bins("layer", 30)),
             (0.0, 1e-3, Bins("layer", 300)), (5.0, 3.0, Bins("fixed", 30, -1, 1)),
             (2.0, 1e-4, Bins("layer", 30)), (0.0, 1e6, Bins("layer", 255)))
    for offset, scale, bins in cases:
        a = (offset + rng.normal(size=(2000, 4)) * scale).astype(F32)
        x = adversarial(rng, a, bins, share=0.3)
        edges = layer_edges(bins, x.min(), x.max())
        np.testing.assert_array_equal(bin_indices(x, edges), np.digitize(x, edges))
    # a nearly constant layer: edges a few float32 apart, some equal (the checked path)
    crowded = (F32(1000.0) + rng.random((400, 2)) * F32(0.0005)).astype(F32)
    edges = layer_edges(Bins("layer", 30), crowded.min(), crowded.max())
    assert np.any(edges[1:] == edges[:-1])
    np.testing.assert_array_equal(bin_indices(crowded, edges),
                                  np.searchsorted(edges, crowded, side="right"))
    constant = np.full((10, 2), 3.0, F32)  # a constant layer: every edge at 3.0
    edges = layer_edges(Bins("layer", 30), F32(3.0), F32(3.0))
    np.testing.assert_array_equal(bin_indices(constant, edges), 30)


@pytest.mark.slow
def test_the_definition_and_the_compiled_estimator_on_continuous_activations():
    """Activations that no edge meets: the compiled plane equals the reference to float32
    sums, for both rules, several layers and seeds of epochs (m = 0 in ``agree``)."""
    rng = np.random.default_rng(5)
    n = 2000
    y = rng.integers(0, 3, n)
    for bins in (Bins("fixed", 30, -1.0, 1.0), Bins("layer", 30), Bins("layer", 12)):
        layers = [np.tanh(rng.normal(size=(n, w)) * s).astype(F32)
                  for w, s in ((10, 1.0), (5, 3.0), (2, 0.3))]
        compiled = plane_from_activations([a[None, None] for a in layers], y,
                                          method="binning", **bins._asdict())
        assert agree(binned_plane(layers, y, 3, bins), (compiled.I_XT, compiled.I_TY), layers,
                     bins, n) == 0


@pytest.mark.slow
def test_fixed_bins_agree_with_the_compiled_estimator_and_equal_the_definition():
    """Half the values on the edges or next to them: "fixed" edges are the same float32 in
    both, so they agree to float32 sums, except for subnormal values where an edge is zero
    (31 bins on [-1, 1]), which XLA reads as zero: those are within the tolerance."""
    rng = np.random.default_rng(1)
    n = 2000
    y = rng.integers(0, 3, n)
    for bins, one_epoch in ((Bins("fixed", 30, -1.0, 1.0), 0), (Bins("fixed", 30, -1.0, 1.0), 2),
                            (Bins("fixed", 31, -1.0, 1.0), 1)):
        a = adversarial(rng, np.tanh(rng.normal(size=(n, 1)) * (1 + one_epoch)).astype(F32),
                        bins)
        ixt, ity = binned_plane([a], y, 3, bins)
        compiled = plane_from_activations([a[None, None]], y, method="binning",
                                          **bins._asdict())
        moved = agree((ixt, ity), (compiled.I_XT, compiled.I_TY), [a], bins, n)
        assert (moved > 0) == (bins.n_bins == 31)  # only the subnormals next to the 0 edge
        codes = np.digitize(a, bins.edges().astype(F32))
        assert (ixt[0], ity[0]) == pytest.approx(pattern_information(codes, y, 3), abs=1e-12)


@pytest.mark.slow
def test_layer_bins_agree_with_the_compiled_estimator_over_many_epochs():
    """The "layer" edges as plane_from_run computes them (several epochs in one program, in
    XLA's float32 arithmetic) against the reference's nearest float32: within the tolerance,
    on values placed on the edges and next to them."""
    rng = np.random.default_rng(2)
    bins = Bins("layer", 30)
    n, epochs = 2000, 6
    y = rng.integers(0, 3, n)
    # 1% of the values on or next to an edge: the bound is then ~20 inputs' worth (0.25 bit)
    acts = np.stack([adversarial(rng, (rng.normal(size=(n, 1)) * 10.0 ** e).astype(F32), bins,
                                 share=0.01) for e in range(-2, epochs - 2)])
    compiled = plane_from_activations([acts[None]], y, method="binning", **bins._asdict())
    for e in range(epochs):
        one = (compiled.I_XT[0, e], compiled.I_TY[0, e])
        agree(binned_plane([acts[e]], y, 3, bins), one, [acts[e]], bins, n)


@pytest.mark.slow
def test_wide_layers_and_float16_values():
    rng = np.random.default_rng(3)
    n = 300
    y = rng.integers(0, 2, n)
    wide = np.maximum(rng.normal(size=(n, 700)), 0).astype(np.float16)  # ReLU zeros, 700 units
    narrow = np.tanh(rng.normal(size=(n, 3))).astype(np.float16)
    bins = Bins("layer", 30)
    ixt, ity = binned_plane([wide, narrow], y, 2, bins)
    compiled = plane_from_activations([wide[None, None], narrow[None, None]], y,
                                      method="binning", **bins._asdict())
    agree((ixt, ity), (compiled.I_XT, compiled.I_TY), [wide, narrow], bins, n)
    assert ixt[0] == pytest.approx(np.log2(n))  # 700 units: every input its own pattern


@pytest.mark.parametrize("first", [1, 4, 32, 1000])
def test_binning_a_prefix_of_units_gives_the_whole_layers_answer(first):
    """The prefix stops growing only once its patterns tell all inputs apart: the answer is
    the one from all units, whether that happens at the first block, later, or never."""
    rng = np.random.default_rng(4)
    n = 300
    y = rng.integers(0, 3, n)
    bins = Bins("fixed", 30, -1.0, 1.0)
    edges = layer_edges(bins, F32(-1.0), F32(1.0))
    separating = np.tanh(rng.normal(size=(n, 60))).astype(F32)
    late = separating.copy()
    late[:, :40] = 0.5  # the first 40 units tell nothing apart
    coarse = np.repeat(np.tanh(rng.normal(size=(n, 1))), 50, axis=1).astype(F32)  # never
    coarse[:, ::7] = 0.0
    for layer in (separating, late, coarse):
        full = pattern_information(bin_indices(layer, edges), y, 3)
        assert layer_information(layer, edges, y, 3, first=first) == full


def test_narrow_layers_counted_together_equal_each_layer_alone():
    """``narrow_information`` (every narrow layer packed and counted by one sort) gives what
    ``layer_information`` gives layer by layer, to float64 rounding (1e-12 bits), on layers
    from one to twelve units, saturated and nearly constant ones included."""
    rng = np.random.default_rng(3)
    n, n_classes = 1500, 3
    labels = rng.integers(0, n_classes, n)
    layers = [np.tanh(rng.normal(size=(n, w)) * s).astype(F32)
              for w, s in ((12, 1.0), (7, 4.0), (5, 0.05), (3, 1.0), (1, 2.0))]
    layers.append(np.where(rng.random((n, 4)) < 0.9, F32(0), F32(1)))
    bins = Bins("layer", 30)
    edges = [layer_edges(bins, a.min(), a.max()) for a in layers]
    h_t, i_ty = narrow_information([bin_indices(a, e) for a, e in zip(layers, edges,
                                                                       strict=True)],
                                   bins.n_bins + 1, labels, n_classes)
    for j, (a, e) in enumerate(zip(layers, edges, strict=True)):
        assert (h_t[j], i_ty[j]) == pytest.approx(layer_information(a, e, labels, n_classes),
                                                  abs=1e-12)
    assert binned_plane(layers, labels, n_classes, bins)[0] == pytest.approx(h_t, abs=1e-12)
