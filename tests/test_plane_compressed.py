"""The information plane by compressed mutual information (method "compressed")."""


import numpy as np
import pytest
from scipy import special, stats

from infoplane import InfoplaneError, load_dataset
from infoplane.plane import plane_from_activations, plane_from_npz, plane_from_run
from infoplane.runs import read_activations, write_activations, write_config

N = 2000


def _linear_gaussian(n=N, seed=0):
    """A "network" on a 2-d Gaussian latent z: X = z B (24 columns, injective), labels
    Y = [z_1 > 0], and two layers T = s z C + N(0, I) (16 and 8 units) at three epochs (s =
    0.3, 1, 3). Returns the inputs, labels, activations [epoch, n, w] and the truths [epoch,
    layer] of I(X;T) and I(T;Y) in bits."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 2))
    x, y = z @ rng.standard_normal((2, 24)), (z[:, 0] > 0).astype(int)
    acts, ixt, ity = [], [], []
    for width in (16, 8):
        c = rng.standard_normal((2, width))
        acts.append(np.stack([z @ (s * c) + rng.standard_normal((n, width))
                              for s in (0.3, 1.0, 3.0)]).astype(np.float32))
        ixt.append([_info_xt(s * c) for s in (0.3, 1.0, 3.0)])
        ity.append([_info_ty(s * c) for s in (0.3, 1.0, 3.0)])
    return x, y, acts, np.array(ixt).T, np.array(ity).T


def _info_xt(c):
    """I(X;T) = I(z; z C + e) = 1/2 log2 det(I + C C^T) bits (X determines z)."""
    return 0.5 * np.log2(np.linalg.det(np.eye(2) + c @ c.T))


def _info_ty(c):
    """I(T;Y) for Y = [z_1 > 0]: T acts on Y only through u = E[z_1 | T] ~ N(0, a) with z_1 = u
    + N(0, 1 - a), so I = 1 - E_u h2(Phi(u / sqrt(1 - a))) bits (Gauss-Hermite quadrature)."""
    a = c[0] @ np.linalg.solve(c.T @ c + np.eye(c.shape[1]), c[0])
    u, w = np.polynomial.hermite_e.hermegauss(80)
    p = stats.norm.cdf(u * np.sqrt(a) / np.sqrt(1 - a))
    return 1.0 - np.sum(w / w.sum() * (special.entr(p) + special.entr(1 - p))) / np.log(2)


@pytest.mark.slow
def test_linear_gaussian_network_matches_the_closed_forms():
    x, y, acts, ixt, ity = _linear_gaussian()
    plane = plane_from_activations(acts, y, method="compressed", inputs=x, dim_t=2)
    assert plane.I_XT.shape == plane.I_TY_stderr.shape == plane.dim_T.shape == (1, 3, 2)
    np.testing.assert_array_equal(plane.dim_T, 2)
    assert plane.settings["dim_x"] == 2 and plane.settings["dim_t"] == 2
    # Tolerances: about 4 standard errors (0.03-0.05 bits for I(X;T), 0.01-0.02 for I(T;Y),
    # measured at n = 2000), and the kNN estimators' known downward bias at high MI: the
    # point of 6.5 bits comes out 0.15-0.25 bits low at this n.
    np.testing.assert_allclose(plane.I_XT[0, :2], ixt[:2], atol=0.15)
    np.testing.assert_allclose(plane.I_XT[0, 2], ixt[2], atol=0.35)
    np.testing.assert_allclose(plane.I_TY[0], ity, atol=0.08)
    assert np.all(plane.I_XT_stderr > 0) and np.all(plane.I_TY_stderr > 0)
    assert np.all(plane.I_XT_stderr < 0.1) and np.all(plane.I_TY_stderr < 0.05)


@pytest.mark.slow
def test_seed_axis_rule_chosen_widths_and_units():
    x, y, acts, _, _ = _linear_gaussian(n=400)
    stacked = [np.stack([a[:2], a[1:]]) for a in acts]
    bits = plane_from_activations(stacked, y, method="compressed", inputs=x)
    assert bits.I_XT.shape == bits.dim_T.shape == (2, 2, 2)
    assert bits.dim_T.dtype.kind == "i" and np.all(bits.dim_T >= 2)
    # seed 1's epoch 0 is seed 0's epoch 1: the same arrays give the same numbers
    np.testing.assert_array_equal(bits.I_XT[1, 0], bits.I_XT[0, 1])
    nats = plane_from_activations([acts[1][:1]], y, method="compressed", inputs=x, unit="nats")
    assert nats.I_TY[0, 0, 0] == pytest.approx(bits.I_TY[0, 0, 1] * np.log(2))
    # a constant layer carries no information: 0 with 0 error, width 0
    const = plane_from_activations([np.ones((1, 400, 3), np.float32)], y, method="compressed",
                                   inputs=x)
    assert const.I_XT[0, 0, 0] == const.I_TY_stderr[0, 0, 0] == const.dim_T[0, 0, 0] == 0
    assert const.settings["constant_points"] == 1


def test_inputs_are_required_and_checked():
    x, y, acts, _, _ = _linear_gaussian(n=200)
    with pytest.raises(InfoplaneError, match="needs inputs="):
        plane_from_activations(acts, y, method="compressed")
    with pytest.raises(InfoplaneError, match="n = 200 inputs"):
        plane_from_activations(acts, y, method="compressed", inputs=x[:100])
    with pytest.raises(InfoplaneError, match="NaN"):
        plane_from_activations(acts, y, method="compressed", inputs=np.where(x > 2, np.nan, x))
    with pytest.raises(InfoplaneError, match="does not take inputs"):
        plane_from_activations(acts, y, method="binning", inputs=x)
    with pytest.raises(InfoplaneError, match="does not take dim_y"):
        plane_from_activations(acts, y, method="compressed", inputs=x, dim_y=2)
    with pytest.raises(InfoplaneError, match="estimator"):
        plane_from_activations(acts, y, method="compressed", inputs=x, estimator="kde")


@pytest.mark.slow
def test_npz_inputs_member_is_not_a_layer(tmp_path):
    x, y, acts, _, _ = _linear_gaussian(n=300)
    path = tmp_path / "acts.npz"
    np.savez(path, layer_0=acts[0], layer_1=acts[1], labels=y, inputs=x.reshape(300, 4, 6))
    plane = plane_from_npz(path, method="compressed")
    assert plane.layer_names == ("layer_0", "layer_1")
    direct = plane_from_activations(acts, y, method="compressed", inputs=x)
    np.testing.assert_array_equal(plane.I_XT, direct.I_XT)
    assert plane_from_npz(path, method="binning").I_XT.shape == (1, 3, 2)  # inputs ignored
    np.savez(path, layer_0=acts[0], labels=y)
    with pytest.raises(InfoplaneError, match="no 'inputs' array"):
        plane_from_npz(path, method="compressed")


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """A run folder as training writes it for the digits data set, with one recorded layer
    that is a noisy linear map of the inputs (no training needed to test where X comes from)."""
    data = load_dataset("digits")
    rng = np.random.default_rng(0)
    t = data.x @ rng.standard_normal((data.x.shape[1], 6))
    t = t / t.std(axis=0) + 0.5 * rng.standard_normal(t.shape)
    run = tmp_path_factory.mktemp("run") / "digits"
    run.mkdir()
    write_config(run, {"dataset": "digits", "record_layers": [1]}, logged_epochs=[0, 5],
                 n_chunks=1, devices=[])
    write_activations(run, 0, [0, 5], {1: np.stack([t, t[::-1]])[None].astype(np.float32)})
    return run, data


@pytest.mark.slow
def test_run_planes_use_the_data_set_inputs_in_order(digits_run):
    run, data = digits_run
    plane = plane_from_run(run, method="compressed", out_name="information_compressed")
    assert plane.I_XT.shape == plane.dim_T.shape == (1, 2, 1)
    direct = plane_from_activations(read_activations(run)[1], data.y, method="compressed",
                                    inputs=data.x)
    np.testing.assert_array_equal(plane.I_XT, direct.I_XT)
    # epoch 5 reverses the rows, so the layer no longer lines up with the inputs
    assert plane.I_XT[0, 0, 0] > 1.0 and abs(plane.I_XT[0, 1, 0]) < 0.2
    assert plane.settings["dim_x"] >= 1


@pytest.mark.slow
def test_recorded_runs_take_their_inputs_from_labels_npz(digits_run, tmp_path):
    run, data = digits_run
    folder = tmp_path / "rec"
    folder.mkdir()
    write_config(folder, {"dataset": None, "record_layers": [1]}, logged_epochs=[0, 5],
                 n_chunks=1, devices=[])
    write_activations(folder, 0, [0, 5], {1: read_activations(run)[1][0]})
    np.savez(folder / "labels.npz", labels=data.y, H_X=np.float64(10.0))
    with pytest.raises(InfoplaneError, match="the recorder stored no inputs"):
        plane_from_run(folder, method="compressed")
    np.savez(folder / "labels.npz", labels=data.y, H_X=np.float64(10.0),
             inputs=data.x.astype(np.float32))
    plane = plane_from_run(folder, method="compressed")
    np.testing.assert_allclose(plane.I_XT, plane_from_run(run, method="compressed").I_XT,
                               atol=1e-3)  # float32 inputs against float64


@pytest.mark.slow
def test_estimates_above_their_ceiling_are_warned():
    """I(X;T) <= H(X) = log2 n when X is uniform over n distinct inputs; a layer that almost
    copies its inputs reads as ~30 bits through the continuous estimator at n = 256
    (log2 n = 8), which must be warned; a noisy layer (~8 bits at n = 1000, log2 n = 10) must
    not be."""
    rng = np.random.default_rng(0)
    for n, noise, warned in ((256, 1e-3, True), (1000, 0.3, False)):
        x = rng.normal(size=(n, 4)).astype(np.float32)
        t = (x + noise * rng.normal(size=x.shape)).astype(np.float32)[None]
        plane = plane_from_activations([t], (x[:, 0] > 0).astype(int), method="compressed",
                                       inputs=x)
        above = [w for w in plane.warnings if "above H(X)" in w]
        assert bool(above) == warned, plane.warnings
        assert (plane.I_XT[0, 0, 0] > np.log2(n) + 1) == warned


@pytest.mark.slow
def test_a_layer_that_copies_the_inputs_reads_log2_n_with_a_warning():
    """The copula estimator cannot take collinear normal scores (its MI is infinite); the
    plane's I(X;T) of a copy of the inputs is H(X) = log2 n (distinct inputs), written with a
    warning instead of failing the whole plane."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 6)).astype(np.float32)
    noisy = np.tanh(x @ rng.normal(size=(6, 3)) + rng.normal(size=(256, 3))).astype(np.float32)
    plane = plane_from_activations([x[None], noisy[None]], (x[:, 0] > 0).astype(int),
                                   method="compressed", inputs=x)
    assert plane.I_XT[0, 0, 0] == pytest.approx(8.0, abs=1e-12)  # log2 256
    assert 0 < plane.I_XT[0, 0, 1] < 8.0
    assert plane.settings["determined_points"] == 1
    assert any("determines the inputs'" in w for w in plane.warnings)
    # Each input twice: X is uniform over 512 rows of 256 values, H(X) = 8 bits, not log2 512.
    twice = np.concatenate([x, x])
    plane = plane_from_activations([twice[None]], (twice[:, 0] > 0).astype(int),
                                   method="compressed", inputs=twice)
    assert plane.settings["H_X_bits"] == pytest.approx(8.0, abs=1e-12)
    assert plane.I_XT[0, 0, 0] == pytest.approx(8.0, abs=1e-12)
