"""The binned plane flags saturation (issue 14, item 3): a wide layer whose bins hold one input
each is marked and warned about; a narrow, well-filled layer is not (so the check can say no)."""

import numpy as np
import pytest

import infoplane as ip


def _plane(width: int, n: int = 2000, scale: float = 1.0):
    rng = np.random.default_rng(0)
    acts = [np.tanh(scale * rng.normal(size=(2, n, width))).astype(np.float32)]
    labels = rng.integers(0, 2, n)
    return ip.plane_from_activations(acts, labels, method="binning")


@pytest.mark.slow
def test_independent_wide_layer_is_saturated_and_warned():
    plane = _plane(10)
    assert plane.saturated.shape == plane.I_XT.shape
    assert plane.saturated.all()
    assert any("I(X;T)" in w and "saturated" in w for w in plane.warnings)
    # I(T;Y) of labels independent of T reaches H(Y) only because every input has its own bin
    assert any("ceiling H(Y)" in w for w in plane.warnings)


@pytest.mark.slow
def test_narrow_layer_is_not_saturated():
    plane = _plane(1, scale=0.5)  # one unit, 30 bins: at most 30 of 2000 bins occupied
    assert not plane.saturated.any()
    assert plane.warnings == ()


def test_other_methods_carry_no_saturation_mask():
    rng = np.random.default_rng(1)
    acts = [rng.normal(size=(1, 200, 2)).astype(np.float32)]
    plane = ip.plane_from_activations(acts, rng.integers(0, 2, 200), method="kde_upper")
    assert plane.saturated is None


def test_compressed_plane_warns_on_estimates_far_below_zero():
    from infoplane.plane._checks import negative_estimates

    value = np.array([[0.5, -3.0], [0.4, -0.05]])  # [epoch, layer]
    se = np.full_like(value, 0.2)
    names = ["L1 (10)", "Conv1d_3"]
    warnings = negative_estimates({"I(X;T)": value}, {"I(X;T)": se}, "bits", names)
    assert len(warnings) == 1 and "I(X;T) of layer Conv1d_3 is below" in warnings[0]
    assert "1 of 2 points" in warnings[0]
    assert negative_estimates({"I(X;T)": np.abs(value)}, {"I(X;T)": se}, "bits", names) == []


@pytest.mark.slow
def test_plane_messages_name_the_layers_as_given():
    """A warning and an error of plane_from_activations say the layer's name, not its index."""
    rng = np.random.default_rng(0)
    acts = [rng.normal(size=(2, 64, 30)).astype(np.float32) for _ in range(2)]
    plane = ip.plane_from_activations(acts, rng.integers(0, 2, 64), layer_names=["fc1", "fc2"],
                                      n_bins=1000, low=-4.0, high=4.0)
    assert plane.warnings and all("of layer fc" in w for w in plane.warnings)
    acts[1][0, 0, 0] = np.nan
    with pytest.raises(ip.InfoplaneError, match="layer fc2 activations contain NaN"):
        ip.plane_from_activations(acts, rng.integers(0, 2, 64), layer_names=["fc1", "fc2"])
    with pytest.raises(ip.InfoplaneError, match="layer_names names 1 layers"):
        ip.plane_from_activations(acts, rng.integers(0, 2, 64), layer_names=["fc1"])
