"""The binned plane flags saturation (issue 14, item 3): a wide layer whose bins hold one input
each is marked and warned about; a narrow, well-filled layer is not (so the check can say no)."""

import numpy as np

import infoplane as ip


def _plane(width: int, n: int = 2000, scale: float = 1.0):
    rng = np.random.default_rng(0)
    acts = [np.tanh(scale * rng.normal(size=(2, n, width))).astype(np.float32)]
    labels = rng.integers(0, 2, n)
    return ip.plane_from_activations(acts, labels, method="binning")


def test_independent_wide_layer_is_saturated_and_warned():
    plane = _plane(10)
    assert plane["saturated"].shape == plane["I_XT"].shape
    assert plane["saturated"].all()
    assert any("I(X;T)" in w and "saturated" in w for w in plane["warnings"])
    # I(T;Y) of labels independent of T reaches H(Y) only because every input has its own bin
    assert any("ceiling H(Y)" in w for w in plane["warnings"])


def test_narrow_layer_is_not_saturated():
    plane = _plane(1, scale=0.5)  # one unit, 30 bins: at most 30 of 2000 bins occupied
    assert not plane["saturated"].any()
    assert plane["warnings"] == []


def test_other_methods_carry_no_saturation_mask():
    rng = np.random.default_rng(1)
    acts = [rng.normal(size=(1, 200, 2)).astype(np.float32)]
    plane = ip.plane_from_activations(acts, rng.integers(0, 2, 200), method="kde_upper")
    assert "saturated" not in plane


def test_compressed_plane_warns_on_estimates_far_below_zero():
    from infoplane.plane._checks import negative_estimates

    value = np.array([[0.5, -3.0], [0.4, -0.05]])  # [epoch, layer]
    se = np.full_like(value, 0.2)
    warnings = negative_estimates({"I(X;T)": value}, {"I(X;T)": se}, "bits")
    assert len(warnings) == 1 and "layer 1" in warnings[0] and "1 of 2 points" in warnings[0]
    assert negative_estimates({"I(X;T)": np.abs(value)}, {"I(X;T)": se}, "bits") == []
