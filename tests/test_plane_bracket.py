"""The bracket of every plane point's I(T;Y) (probe bound, H(Y)), its figure marks, the trust
check's wide-layer families and its check on the user's own layers."""

from dataclasses import replace

import numpy as np
import pytest
from matplotlib.figure import Figure

from infoplane._stats import outside_bracket
from infoplane.estimators import mutual_information
from infoplane.estimators._label_tasks import layer_task
from infoplane.estimators.discrete import label_entropy_bits
from infoplane.estimators.trust import trust_check
from infoplane.plane import layer_check, plane_from_activations, write_trust
from infoplane.plotting import information_plane
from infoplane.records import InformationPlane


@pytest.fixture(scope="module")
def nuisance_layers():
    """[seed 1, epoch 2, n 1500, 80] layers (wide: more than 64 units) of a 4-class task whose
    class signal sits beside 40 independent columns of s.d. 5 (PCA keeps those), and the
    labels and inputs."""
    task = layer_task(4, 80, signal_dims=4, separation=3.0, activation="elu", beside=40,
                      seed=3)
    draws = [task.sample(np.random.default_rng(s), 1500) for s in (0, 0)]
    y = draws[0][1]
    layer = np.stack([d[0] for d in draws])[None].astype(np.float32)
    inputs = np.random.default_rng(9).standard_normal((1500, 20)) + y[:, None]
    return task, [layer], y, inputs


@pytest.mark.slow
def test_every_plane_carries_the_bracket(nuisance_layers):
    _, layers, y, _ = nuisance_layers
    plane = plane_from_activations(layers, y, method="binning", rule="layer", n_bins=4)
    for key in ("I_TY_lower", "I_TY_lower_stderr", "I_TY_upper", "I_TY_outside"):
        assert getattr(plane, key).shape == plane.I_TY.shape == (1, 2, 1)
    np.testing.assert_allclose(plane.I_TY_upper, label_entropy_bits(y))
    assert np.all(plane.I_TY_lower <= plane.I_TY_upper + 3 * plane.I_TY_lower_stderr)
    # the bracket's bound is the "lda" probe of the estimator API, point by point (float32
    # against float64: a few 1e-4 bits)
    lda = mutual_information(layers[0][0, 0].astype(np.float64), y, method="probe",
                             family="lda")
    assert plane.I_TY_lower[0, 0, 0] == pytest.approx(lda.value, abs=5e-3)
    assert plane.settings["probe"] == "lda, 5-fold, seed 0"


@pytest.mark.slow
def test_compressed_plane_is_not_below_a_logistic_probe(nuisance_layers):
    # The fast sibling of the MNIST-1D check (tests marked slow): PCA would keep the 15
    # columns of noise; the plane's I(T;Y) must stay within 0.05 bit of a logistic probe.
    task, layers, y, inputs = nuisance_layers
    plane = plane_from_activations(layers, y, method="compressed", inputs=inputs)
    t = layers[0][0, 0].astype(np.float64)
    logistic = mutual_information(t, y, method="probe")
    default = mutual_information(t, y)
    assert plane.I_TY[0, 0, 0] >= logistic.value - 0.05
    assert default.value >= logistic.value - 0.05
    assert plane.I_TY[0, 0, 0] == pytest.approx(task.truth, abs=0.1)
    assert not plane.I_TY_outside.any()
    pca = mutual_information(t, y, method="compressed")
    assert pca.value < task.truth - 0.3  # what the plane's I(T;Y) was before


def test_outside_bracket_marks_and_counts():
    value = np.array([[[0.2, 1.0], [1.0, 2.5]]])
    lower = np.full_like(value, 0.9)
    mask, messages = outside_bracket(value, None, lower, np.full_like(value, 0.01),
                                     np.full_like(value, 2.0), "bits")
    np.testing.assert_array_equal(mask, [[[True, False], [False, True]]])
    assert len(messages) == 2
    assert "layer 0 is outside its bracket at 1 of 2 points: 1 below the probe bound" in \
        messages[0]
    assert "1 above H(Y)" in messages[1]


@pytest.mark.slow
def test_layer_check_and_trust_file(tmp_path, nuisance_layers):
    _, layers, y, _ = nuisance_layers
    plane = plane_from_activations(layers, y, method="binning", rule="layer", n_bins=2)
    # two bins per unit lose class information the probe proves: both points are outside
    assert plane.I_TY_outside.all()
    assert any("outside its bracket at 2 of 2 points" in w for w in plane.warnings)
    one_in = plane.I_TY_outside.copy()
    one_in[0, 0, 0] = False
    plane = replace(plane, I_TY_outside=one_in)
    rows, text = layer_check(plane)
    assert rows[0]["points"] == 2 and rows[0]["outside"] == 1
    assert "1 point outside" in text
    path = write_trust(tmp_path, "binning", "binning", {}, 1500, {"x": None, "t": [80],
                                                                   "classes": 4}, plane=plane)
    assert "## Your layers" in path.read_text()


def test_figure_draws_the_bound_and_crosses_out_points():
    rng = np.random.default_rng(0)
    ixt, ity = rng.uniform(0, 3, (2, 4, 2)), rng.uniform(0, 1, (2, 4, 2))
    outside = np.zeros_like(ity, bool)
    outside[1, 2, 0] = True
    ax = Figure().add_subplot()
    information_plane(ax, InformationPlane(ixt, ity, np.arange(4), H_Y=1.0, I_TY_lower=ity - 0.1,
                                           I_TY_outside=outside), colorbar=False)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "probe bound on I(T;Y)" in labels and "outside the bracket (1)" in labels


@pytest.mark.slow
def test_trust_table_shows_the_failure_of_pca_compression():
    table = trust_check("compressed", 2000, 64, 1, classes=4, seeds=(0,))
    row = next(r for r in table.rows if r.task.startswith("nuisance beside"))
    assert row.bias < -0.3  # PCA keeps the nuisance columns: a large error, shown
    good = trust_check("supervised", 2000, 64, 1, classes=4, seeds=(0,))
    row = next(r for r in good.rows if r.task.startswith("nuisance beside"))
    assert abs(row.bias) < 0.1


@pytest.mark.slow
def test_trained_mnist1d_mlp_hidden_layers_are_not_below_a_logistic_probe(tmp_path):
    # The real layer: mnist1d_mlp (100-100 ReLU), float32 records. Before, the
    # compressed plane's I(T;Y) of the second layer was about 1 bit below this bound.
    from infoplane.data.datasets import load_dataset
    from infoplane.plane import plane_from_run
    from infoplane.runs import read_activations
    from infoplane.training.config import preset
    from infoplane.training.loop import train

    config = preset("mnist1d_mlp").replace(seeds=1, epochs=20, schedule="every",
                                           schedule_value=20, record_layers=(0, 1),
                                           record_dtype="float32")
    train(config, tmp_path / "run", progress=False)
    plane = plane_from_run(tmp_path / "run", method="compressed")
    _, acts = read_activations(tmp_path / "run", [0, 1])
    y = load_dataset("mnist1d").y
    for li in (0, 1):
        t = acts[li][0, -1].astype(np.float64)
        logistic = mutual_information(t, y, method="probe")
        assert plane.I_TY[0, -1, li] >= logistic.value - 0.05
        assert mutual_information(t, y).value >= logistic.value - 0.05
        assert plane.I_TY_lower[0, -1, li] <= plane.I_TY[0, -1, li] + 1e-9
