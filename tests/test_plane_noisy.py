"""The I(X;T) bracket of a network with Gaussian noise in its measured layers (the
Kolchinsky-Tracey pair, ``plane._noisy``): against the exact I(X;T) of a one-unit linear layer
(numerical integration of the mixture's entropy), its limits, the plane's arrays, the figure."""

import math

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import integrate

from infoplane import InfoplaneError
from infoplane._stats import outside_bracket
from infoplane.plane import plane_from_activations
from infoplane.plotting import information_plane
from infoplane.records import InformationPlane


def _exact_bits(centres: np.ndarray, var: float) -> float:
    """I(X;T) of T = f(X) + N(0, var), X uniform over the rows, f one unit: H(T) by quadrature
    of the Gaussian mixture's density, minus the noise entropy."""
    sd = math.sqrt(var)

    def density(t):
        return np.mean(np.exp(-(t - centres) ** 2 / (2 * var))) / math.sqrt(2 * math.pi * var)

    def integrand(t):
        p = density(t)
        return -p * math.log(p) if p > 0 else 0.0

    lo, hi = centres.min() - 12 * sd, centres.max() + 12 * sd
    points = np.sort(centres)[:: max(1, len(centres) // 40)]
    h = integrate.quad(integrand, lo, hi, points=points, limit=400, epsabs=1e-10)[0]
    return (h - 0.5 * math.log(2 * math.pi * math.e * var)) / math.log(2)


def _layer(rows):
    """[seed 1, epoch 1, n, 1] activations of a linear one-unit layer of inputs ``rows``."""
    return [np.asarray(rows, np.float32).reshape(1, 1, -1, 1)]


@pytest.mark.slow
def test_bounds_hold_the_exact_information_of_a_linear_gaussian_unit():
    # f(x) = 1.5 x + 0.3 on 64 inputs x spread over [-2, 2], noise variances 0.05, 0.5, 4 (as
    # three layers f / sd with unit noise: I(X;T) is invariant to that scaling, and one noise
    # variance compiles once). The exact I(X;T) lies between the bounds (float32 activations:
    # 1e-4 bit of slack).
    x = np.linspace(-2, 2, 64) + 0.01 * np.sin(np.arange(64))
    f = 1.5 * x + 0.3
    labels = (x > 0).astype(int)
    variances = (0.05, 0.5, 4.0)
    layers = [_layer(f / math.sqrt(v))[0] for v in variances]
    plane = plane_from_activations(layers, labels, method="binning", rule="layer",
                                   network_noise_var=1.0)
    for j, var in enumerate(variances):
        lower, upper = plane.I_XT_lower[0, 0, j], plane.I_XT_upper[0, 0, j]
        exact = _exact_bits(f, var)
        assert lower - 1e-4 <= exact <= upper + 1e-4
        assert 0 <= lower and upper <= math.log2(64) + 1e-6


@pytest.mark.slow
def test_limits_zero_for_a_constant_layer_and_log_n_for_far_apart_rows():
    labels = np.r_[np.zeros(16, int), np.ones(16, int)]
    same = plane_from_activations(_layer(np.full(32, 0.7)), labels, method="binning",
                                  network_noise_var=1.0)
    assert same.I_XT_lower[0, 0, 0] == pytest.approx(0.0, abs=1e-6)
    assert same.I_XT_upper[0, 0, 0] == pytest.approx(0.0, abs=1e-6)
    apart = plane_from_activations(_layer(np.arange(32) * 100.0), labels, method="binning",
                                   network_noise_var=1.0)  # distances >> noise: X readable
    assert apart.I_XT_lower[0, 0, 0] == pytest.approx(5.0, abs=1e-4)
    assert apart.I_XT_upper[0, 0, 0] == pytest.approx(5.0, abs=1e-4)


@pytest.mark.slow
def test_plane_arrays_present_only_for_noisy_networks_and_in_the_unit():
    rng = np.random.default_rng(0)
    layers = [rng.standard_normal((2, 3, 40, 3))]
    labels = rng.integers(0, 2, 40)
    plain = plane_from_activations(layers, labels, method="binning", rule="layer")
    assert plain.I_XT_lower is None and plain.I_XT_upper is None and plain.I_XT_outside is None
    bits = plane_from_activations(layers, labels, method="binning", rule="layer",
                                  network_noise_var=[0.5])
    for key in ("I_XT_lower", "I_XT_upper", "I_XT_outside"):
        assert getattr(bits, key).shape == bits.I_XT.shape == (2, 3, 1)
    assert np.all(bits.I_XT_lower <= bits.I_XT_upper + 1e-9)
    assert not bits.I_XT_outside.any()  # binning's I_XT is another quantity: not marked
    assert bits.settings["network_noise_var"] == [0.5]
    nats = plane_from_activations(layers, labels, method="binning", rule="layer", unit="nats",
                                  network_noise_var=[0.5])
    np.testing.assert_allclose(nats.I_XT_upper, bits.I_XT_upper * math.log(2))


def test_outside_marks_name_the_bounds():
    value = np.array([[[0.5, 2.0, 9.0]]])
    mask, messages = outside_bracket(value, None, np.full_like(value, 1.0), np.zeros_like(value),
                                     np.full_like(value, 3.0), "bits", what="I(X;T)",
                                     bounds=("the Kolchinsky-Tracey lower bound",
                                             "their upper bound"),
                                     reason="the noisy layer's I(X;T) lies between them")
    np.testing.assert_array_equal(mask, [[[True, False, True]]])
    assert "1 below the Kolchinsky-Tracey lower bound" in messages[0]
    assert "1 above their upper bound" in messages[1]


def test_bad_noise_variance_is_one_clear_line():
    layers, labels = _layer(np.arange(8.0)), np.r_[np.zeros(4, int), np.ones(4, int)]
    with pytest.raises(InfoplaneError, match="positive number"):
        plane_from_activations(layers, labels, network_noise_var=-1.0)
    with pytest.raises(InfoplaneError, match="one variance per layer"):
        plane_from_activations(layers, labels, network_noise_var=[1.0, 2.0])


def test_figure_draws_the_xt_bounds_and_crosses_out():
    rng = np.random.default_rng(1)
    ixt, ity = rng.uniform(1, 3, (2, 4, 2)), rng.uniform(0, 1, (2, 4, 2))
    outside = np.zeros_like(ixt, bool)
    outside[0, 1, 1] = True
    ax = Figure().add_subplot()
    plane = InformationPlane(I_XT=ixt, I_TY=ity, epochs=np.arange(4), I_XT_lower=ixt - 0.2,
                             I_XT_upper=ixt + 0.3, I_XT_outside=outside)
    information_plane(ax, plane, colorbar=False)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "KT bounds on I(X;T)" in labels and "outside the bracket (1)" in labels
