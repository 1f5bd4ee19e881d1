"""Uncertainty and provenance of every plane written, and the trust table beside a plane."""

import json
import math

import numpy as np
import pytest
from scipy import integrate, stats

from infoplane import InfoplaneError
from infoplane.analysis import seed_interval
from infoplane.estimators._label_tasks import gaussian_classes_task, latent_bins_task
from infoplane.estimators.trust import format_trust_table, trust_check
from infoplane.plane import plane_dims, plane_from_npz, plane_from_run, write_trust
from infoplane.runs import read_npz, write_activations, write_config


def _layers(n=200, seeds=3, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    layers = [np.tanh(rng.standard_normal((seeds, 2, n, w)) + labels[:, None])
              .astype(np.float32) for w in (3, 5)]
    return layers, labels


@pytest.mark.slow
def test_run_plane_carries_seed_intervals_and_provenance(tmp_path):
    layers, labels = _layers()
    write_config(tmp_path, {"dataset": None, "record_layers": [0, 1]}, logged_epochs=[0, 1],
                 n_chunks=1, devices=[])
    write_activations(tmp_path, 0, [0, 1], dict(enumerate(layers)))
    np.savez(tmp_path / "labels.npz", labels=labels, H_X=np.float64(math.log2(200)))
    plane = plane_from_run(tmp_path, method="kde_upper", noise_var=0.1, anchors=50,
                           out_name="information_kde", trust=True)
    assert "## I(T;Y), dx = 5, 2 classes" in (tmp_path / "trust_kde.md").read_text()
    written = read_npz(tmp_path / "information_kde.npz")
    assert written["I_XT_ci95"].shape == (2, 2, 2) and written["I_XT_stderr"].shape == (3, 2, 2)
    interval = seed_interval(plane.I_TY)
    np.testing.assert_allclose(written["I_TY_ci95"][0], interval["low"])
    np.testing.assert_allclose(written["I_TY_ci95"][1], interval["high"])
    assert np.all(written["I_XT_ci95"][0] <= written["I_XT"].mean(axis=0) + 1e-12)
    prov = json.loads(str(written["provenance"]))
    assert prov["method"] == "kde_upper" and prov["source"] == str(tmp_path)
    assert prov["settings"]["anchors"] == 50 and "numpy" in prov["versions"]


@pytest.mark.slow
def test_npz_plane_carries_provenance_and_intervals_with_a_seed_axis(tmp_path):
    layers, labels = _layers()
    path = tmp_path / "acts.npz"
    np.savez(path, layer_0=layers[0], labels=labels)
    plane = plane_from_npz(path, method="binning")
    assert plane.seed_intervals()[0].shape == (2, 2, 1)
    assert plane.provenance["source"] == str(path)
    np.savez(path, layer_0=layers[0][0], labels=labels)
    one = plane_from_npz(path, method="binning")  # no seed axis: one seed, no spread
    low, high = one.seed_intervals()[0]
    assert one.n_seeds == 1 and np.array_equal(low, high)


def test_label_task_truths_against_direct_integration():
    # two unit-variance Gaussian classes 1.5 apart on a line: I = 1 - E h2(posterior)
    def integrand(x):
        p = stats.norm.pdf(x, -0.75) / (stats.norm.pdf(x, -0.75) + stats.norm.pdf(x, 0.75))
        mix = 0.5 * (stats.norm.pdf(x, -0.75) + stats.norm.pdf(x, 0.75))
        return mix * (stats.entropy([p, 1 - p], base=2))
    exact = 1 - integrate.quad(integrand, -12, 12)[0]
    # the task's truth is a Monte Carlo average of 200,000 draws: s.d. about 0.002 bits
    assert gaussian_classes_task(1, 2).truth == pytest.approx(exact, abs=0.006)
    # noisy latent bins in many dimensions against Monte Carlo with the exact posterior
    task = latent_bins_task(50, 2, noise=1.0)
    x, y = task.sample(np.random.default_rng(1), 100_000)
    a = np.random.default_rng(12345).standard_normal((50, 2)) / math.sqrt(2)  # the task's
    post = np.linalg.solve(a.T @ a + np.eye(2), np.eye(2))  # posterior covariance of z | x
    p = stats.norm.cdf((x @ a @ post)[:, 0] / math.sqrt(post[0, 0]))  # P(z_1 > 0 | x)
    monte_carlo = 1 - np.mean(stats.entropy(np.stack([p, 1 - p]), base=2))
    assert task.truth == pytest.approx(monte_carlo, abs=0.01)  # MC s.d. about 0.002 bits
    assert set(np.unique(y)) == {0, 1} and x.shape == (100_000, 50)
    assert latent_bins_task(3, 4).truth == 2.0  # warped: x determines the bin


def test_trust_check_with_class_labels():
    table = trust_check("knn_mixed", 400, 2, 1, seeds=(0,), classes=3)
    assert table.classes == 3 and len(table.rows) == 4
    assert "y = 3 classes" in format_trust_table(table)
    # well inside its accuracy at n = 400: Ross is within 0.2 bits on each task
    assert all(abs(row.bias) < 0.2 for row in table.rows)
    with pytest.raises(InfoplaneError, match="classes >= 2 and dy = 1"):
        trust_check("knn_mixed", 400, 2, 2, classes=3)


@pytest.mark.slow
def test_write_trust_tables_per_method(tmp_path):
    dims = {"x": 30, "t": [4], "classes": 2}
    path = write_trust(tmp_path, "compressed", "compressed", {"k_xt": 3, "k_ty": 3}, 300, dims,
                       seeds=1)
    text = path.read_text()
    assert path.name == "trust_compressed.md"
    assert "## I(X;T), dx = 30, dy = 4" in text and "## I(T;Y), dx = 4, 2 classes" in text
    saved = json.loads((tmp_path / "trust_compressed.json").read_text())
    assert [t["quantity"] for t in saved["tables"]] == ["I(X;T)", "I(T;Y)"]
    assert saved["tables"][0]["rows"][0]["truth"] == pytest.approx(1.0)
    binning = write_trust(tmp_path, "bins", "binning", {}, 300, dims).read_text()
    assert "Not checked, I(X;T)" in binning and "Not checked, I(T;Y)" in binning
    assert "##" not in binning
    knn = write_trust(tmp_path, "knn", "knn", {"k": 3}, 300, dims, seeds=1).read_text()
    assert "Not checked, I(X;T): the knn plane's I_XT slot" in knn and "knn_mixed" in knn
    with pytest.raises(InfoplaneError, match="input dimension"):
        write_trust(tmp_path, "c", "compressed", {}, 300, {"x": None, "t": [4], "classes": 2})


def test_plane_dims():
    layers, labels = _layers()
    assert plane_dims(layers, labels, np.zeros((200, 4, 5))) == {"x": 20, "t": [3, 5],
                                                                  "classes": 2}
    assert plane_dims(layers, labels)["x"] is None
