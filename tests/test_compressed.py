"""Compressed mutual information (method "compressed") and the default that chooses it."""

import math

import numpy as np
import pytest

from infoplane import InfoplaneError, mutual_information
from infoplane.estimators.ground_truth import embedded_task, gaussian_task

N = 2000


def _draw(task, seed=0, n=N):
    return task.sample(np.random.default_rng(seed), n)


# Tolerance 0.15 bits: about 4 x the seed spread measured at n = 2000 (0.03-0.04 bits).
@pytest.mark.slow
@pytest.mark.parametrize("noise, warp", [(0.0, False), (1.0, False), (0.0, True)])
def test_embedded_latents_recovered(noise, warp):
    task = embedded_task(256, 128, 2, 1.0, noise=noise, warp=warp)
    est = mutual_information(*_draw(task), method="compressed")
    assert est.method == "compressed"
    assert est.value == pytest.approx(task.truth, abs=0.15)
    # the rule finds the latent dimension, above the noise bulk when there is noise
    assert est.settings["dim_x"] == est.settings["dim_y"] == 2
    assert 0 < est.stderr < 0.1 and est.warnings == ()


@pytest.mark.slow
@pytest.mark.parametrize("estimator", ["kl_weighted", "ksg"])
def test_other_estimators_on_compressed_data(estimator):
    task = embedded_task(128, 128, 2, 1.0)
    est = mutual_information(*_draw(task), method="compressed", estimator=estimator)
    assert est.settings["estimator"] == estimator
    assert est.value == pytest.approx(task.truth, abs=0.2)
    assert est.stderr > 0


def test_default_chooses_compressed_for_high_dimensional_data():
    task = embedded_task(512, 512, 4, 1.5, noise=1.0)
    est = mutual_information(*_draw(task))
    assert est.method == "compressed"
    assert "1024 continuous dimensions" in est.settings["chosen_by"]
    assert est.value == pytest.approx(task.truth, abs=0.15)
    independent = embedded_task(512, 512, 4, 0.0, noise=1.0)
    assert abs(mutual_information(*_draw(independent)).value) < 0.1


def test_default_chooses_compressed_for_low_rank_data():
    # 2 latent dimensions in 20: the copula of collinear columns would be infinite
    task = embedded_task(20, 20, 2, 1.0)
    est = mutual_information(*_draw(task))
    assert est.method == "compressed" and "low rank" in est.settings["chosen_by"]
    assert est.value == pytest.approx(task.truth, abs=0.15)


def test_default_unchanged_for_low_dimensional_data():
    x, y = _draw(gaussian_task(5, 5, 1.0))
    est = mutual_information(x, y)
    assert est.method == "copula"
    assert est.value == mutual_information(x, y, method="copula").value


def test_more_dimensions_than_samples():
    task = embedded_task(600, 600, 2, 1.0, noise=1.0)
    est = mutual_information(*_draw(task, n=300))
    assert est.method == "compressed"
    assert est.value < math.log2(300)
    assert est.value == pytest.approx(task.truth, abs=0.3)


def test_discrete_y_compresses_x_only():
    task = embedded_task(128, 1, 2, 1.0)
    x, y = _draw(task)
    labels = (y[:, 0] > 0).astype(int)
    est = mutual_information(x, labels, method="compressed")
    assert est.settings["estimator"] == "knn_mixed" and "dim_y" not in est.settings
    assert 0.2 < est.value <= 1.0
    with pytest.raises(InfoplaneError, match="compresses x only"):
        mutual_information(x, labels, method="compressed", estimator="ksg")


def test_capped_dimension_is_reported():
    x, y = _draw(embedded_task(100, 100, 10, 2.0))  # 10 latent dimensions, more than the cap
    est = mutual_information(x, y, method="compressed")
    assert est.settings["dim_x"] == est.settings["cap"] == 6  # floor(log2 2000) - 4
    assert any("cap" in w and "lower bound" in w for w in est.warnings)


def test_bad_input():
    x, y = _draw(embedded_task(64, 64, 2, 1.0), n=200)
    est = mutual_information(np.column_stack([x, np.ones(200)]), y, method="compressed")
    assert any("constant" in w for w in est.warnings)
    bad = x.copy()
    bad[5, 3] = np.nan
    with pytest.raises(InfoplaneError, match="NaN"):
        mutual_information(bad, y, method="compressed")
    with pytest.raises(InfoplaneError, match="at least 32"):
        mutual_information(x[:20], y[:20], method="compressed")
    with pytest.raises(InfoplaneError, match="exceeds the rank"):
        mutual_information(x, y, method="compressed", dim_x=3)
    with pytest.raises(InfoplaneError, match="every column of x is constant"):
        mutual_information(np.ones((200, 3)), y, method="compressed")
    with pytest.raises(InfoplaneError, match="variance"):
        mutual_information(x, y, method="compressed", variance=1.5)


@pytest.mark.slow
def test_autoencoder_reports_its_loss_against_pca():
    task = embedded_task(64, 64, 2, 1.0, warp=True)
    x, y = _draw(task, n=1000)
    trained = mutual_information(x, y, method="compressed", compressor="autoencoder", steps=1500)
    assert {"loss_x_vs_pca", "loss_y_vs_pca"} <= set(trained.settings)
    assert trained.value == pytest.approx(task.truth, abs=0.3)
    untrained = mutual_information(x, y, method="compressed", compressor="autoencoder", steps=1)
    assert any("worse than PCA" in w for w in untrained.warnings)


def test_warning_above_log2_n():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(100)
    est = mutual_information(x, x + 1e-4 * rng.standard_normal(100), method="gaussian")
    assert est.value > math.log2(100)
    assert any("exceeds log2 n" in w for w in est.warnings)
