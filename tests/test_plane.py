"""Information planes from recorded activations: a run's and an .npz from anywhere."""

import json
import math
import shutil

import numpy as np
import pytest

from infoplane import InfoplaneError, tishby12
from infoplane.estimators.binning import binned_information_reference
from infoplane.estimators.kde import kde_information_reference
from infoplane.estimators.knn import knn_entropy, mixed_mutual_information
from infoplane.plane import plane_from_activations, plane_from_npz, plane_from_run
from infoplane.runs import read_activations, read_information, read_npz, read_run

RECORDED = (0, 4, 5)


@pytest.fixture
def run_dir(tiny_run):
    return tiny_run  # the session's tiny run (tests/conftest.py), which records RECORDED


def test_binning_plane_of_a_run_equals_the_training_records(run_dir):
    plane = plane_from_run(run_dir, method="binning", out_name="plane_binning")
    info = read_run(run_dir)
    # Both are exact plug-in values of the same symbols in float32: equal to round-off.
    np.testing.assert_allclose(plane.I_XT, info.plane.I_XT[:, :, list(RECORDED)], atol=1e-5)
    np.testing.assert_allclose(plane.I_TY, info.plane.I_TY[:, :, list(RECORDED)], atol=1e-5)
    np.testing.assert_array_equal(plane.epochs, info.plane.epochs)
    written = read_npz(run_dir / "plane_binning.npz")
    assert set(written) >= {"I_XT", "I_TY", "epochs", "layer_names", "H_X", "H_Y", "method",
                            "settings"}
    assert list(written["layer_names"]) == [info.plane.layer_names[i] for i in RECORDED]
    assert json.loads(str(written["settings"]))["rule"] == "fixed"
    assert read_information(run_dir / "plane_binning.npz") == plane  # what it returned


@pytest.mark.slow
def test_global_and_kde_planes_of_a_run(run_dir):
    glob = plane_from_run(run_dir, method="binning", rule="global")
    assert glob.I_XT.shape == (2, 3, len(RECORDED))  # seeds, logged epochs, layers
    assert np.all(glob.I_XT <= 12 + 1e-5) and np.all(glob.I_TY <= glob.H_Y + 1e-5)
    kde = plane_from_run(run_dir, method="kde_upper", noise_var=0.1)
    assert np.all(np.isfinite(kde.I_XT)) and np.all(kde.I_XT <= 12 + 1e-5)


def test_run_without_activations_says_how_to_record(tmp_path, run_dir):
    (tmp_path / "config.json").write_text((run_dir / "config.json").read_text())
    with pytest.raises(InfoplaneError, match="record_layers"):
        plane_from_run(tmp_path, method="binning")
    with pytest.raises(InfoplaneError, match="out_name"):
        plane_from_run(run_dir, method="binning", out_name="information")


def test_a_run_without_a_data_set_is_labelled_by_its_labels_npz(tmp_path, run_dir):
    # A run recorded from another framework names no data set; labels.npz holds its labels.
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    config = json.loads((run / "config.json").read_text())
    config["config"]["dataset"] = None
    (run / "config.json").write_text(json.dumps(config))
    with pytest.raises(InfoplaneError, match="no labels.npz and its config names no data set"):
        plane_from_run(run, method="binning")
    # The data set's labels shuffled (relabelling would not change the plane): which are used
    # shows in I(T;Y).
    labels = np.random.default_rng(0).permutation(tishby12().y)
    np.savez(run / "labels.npz", labels=labels, H_X=np.float64(12.0))
    plane = plane_from_run(run, method="binning")
    _, acts = read_activations(run, list(RECORDED))
    direct = plane_from_activations(acts, labels, method="binning")
    np.testing.assert_array_equal(plane.I_TY, direct.I_TY)
    assert not np.allclose(plane.I_TY, plane_from_run(run_dir, method="binning").I_TY)
    assert plane.H_X == 12.0  # information.npz's, as for any run


def _activations(n=120, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    # [epoch, n, units] for two layers of different widths.
    l0 = np.tanh(rng.standard_normal((3, n, 4)) + labels[None, :, None]).astype(np.float32)
    l1 = np.tanh(rng.standard_normal((3, n, 2)) * 2).astype(np.float32)
    return [l0, l1], labels


@pytest.mark.slow
def test_npz_plane_matches_slow_references(tmp_path):
    layers, labels = _activations()
    path = tmp_path / "acts.npz"
    # Natural order: "layer_10" sorts after "layer_2".
    np.savez(path, layer_2=layers[0], layer_10=layers[1], labels=labels)
    plane = plane_from_npz(path, method="binning")
    assert plane.layer_names == ("layer_2", "layer_10")
    assert plane.I_XT.shape == (1, 3, 2)  # one seed
    edges = np.linspace(-1, 1, 30)
    for li, acts in enumerate(layers):
        for e in range(3):
            h, i = binned_information_reference(acts[e], labels, edges)
            assert plane.I_XT[0, e, li] == pytest.approx(h, abs=1e-5)  # float32 sums
            assert plane.I_TY[0, e, li] == pytest.approx(i, abs=1e-5)
    kde = plane_from_npz(path, method="kde_lower", noise_var=0.05)
    for li, acts in enumerate(layers):
        xt, ty = kde_information_reference(acts[1], labels, 0.05, "lower")
        # The fast path runs in float32: 1e-5 relative on O(1) nats (see test_kde.py).
        assert kde.I_XT[0, 1, li] == pytest.approx(xt / math.log(2), rel=1e-4)
        assert kde.I_TY[0, 1, li] == pytest.approx(ty / math.log(2), rel=1e-4, abs=1e-5)


@pytest.mark.slow
def test_anchored_kde_plane_and_its_standard_errors(tmp_path):
    layers, labels = _activations(n=200)
    exact = plane_from_activations(layers, labels, method="kde_upper", noise_var=0.05)
    assert exact.I_XT_stderr is None
    every = plane_from_activations(layers, labels, method="kde_upper", noise_var=0.05, anchors=200)
    # All rows as anchors is the exact value (float32 sums in another order) with 0 error.
    np.testing.assert_allclose(every.I_XT, exact.I_XT, rtol=1e-5)
    np.testing.assert_array_equal(every.I_XT_stderr, 0.0)
    part = plane_from_activations(layers, labels, method="kde_upper", noise_var=0.05, anchors=50,
                             anchor_seed=3)
    assert part.settings["anchors"] == 50 and part.settings["anchor_seed"] == 3
    assert part.I_TY_stderr.shape == part.I_TY.shape == (1, 3, 2)
    assert np.all(part.I_XT_stderr > 0)
    # 12 estimates each within 4.5 standard errors (a chance of about 1e-4 that one is not).
    assert np.all(np.abs(part.I_XT - exact.I_XT) < 4.5 * part.I_XT_stderr)
    assert np.all(np.abs(part.I_TY - exact.I_TY) < 4.5 * part.I_TY_stderr)


@pytest.mark.slow
def test_knn_plane_matches_the_public_estimators():
    layers, labels = _activations()
    plane = plane_from_activations([layers[0]], labels, method="knn", k=3)
    # Layer 0, epoch 0 draws the same jitter (seed 0) as the public functions.
    ty = mixed_mutual_information(layers[0][0], labels, k=3)
    h = knn_entropy(layers[0][0], k=3)
    assert plane.I_TY[0, 0, 0] == pytest.approx(float(ty), abs=1e-9)
    assert plane.I_XT[0, 0, 0] == pytest.approx(float(h), abs=1e-9)


@pytest.mark.slow
def test_seed_axis_and_units():
    layers, labels = _activations()
    stacked = [np.stack([a, a[::-1]]) for a in layers]
    bits = plane_from_activations(stacked, labels, method="binning", rule="layer")
    nats = plane_from_activations(stacked, labels, method="binning", rule="layer", unit="nats")
    assert bits.I_XT.shape == (2, 3, 2)
    np.testing.assert_allclose(bits.I_XT[1], bits.I_XT[0][::-1])
    np.testing.assert_allclose(nats.I_TY, bits.I_TY * math.log(2))


@pytest.mark.parametrize(("args", "match"), [
    (lambda l, y: ([l[0], l[1][:, :100]], y), "share"),
    (lambda l, y: (l, y[:-1]), "labels has"),
    (lambda l, y: ([l[0][0]], y), r"\[epoch, n, units\]"),
    (lambda l, y: ([np.where(l[0] > 0.9, np.nan, l[0])], y), "NaN"),
])
def test_bad_activations_are_clear_errors(args, match):
    layers, labels = _activations()
    with pytest.raises(InfoplaneError, match=match):
        plane_from_activations(*args(layers, labels), method="binning")


def test_unknown_method_or_setting():
    layers, labels = _activations()
    with pytest.raises(InfoplaneError, match="valid plane methods"):
        plane_from_activations(layers, labels, method="ksg1")
    with pytest.raises(InfoplaneError, match="does not take"):
        plane_from_activations(layers, labels, method="kde_upper", n_bins=3)
