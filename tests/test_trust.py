"""The trust check: an estimator run on ground-truth tasks of given sizes."""

import numpy as np
import pytest

from infoplane import InfoplaneError, mutual_information
from infoplane.estimators.ground_truth import embedded_task, gaussian_task, student_task
from infoplane.estimators.trust import format_trust_table, trust_check


def test_truths_are_closed_forms():
    assert gaussian_task(3, 3, 1.5).truth == pytest.approx(1.5)
    assert gaussian_task(3, 2, 0.0).truth == 0.0
    # nu -> infinity: the t is Gaussian
    assert student_task(2, 2, 1.0, nu=1e7).truth == pytest.approx(1.0, abs=1e-4)
    assert embedded_task(50, 50, 2, 1.0, warp=True).truth == 1.0
    # ambient noise only removes information; a huge embedding nearly hides it
    assert 0 < embedded_task(50, 50, 2, 1.0, noise=1.0).truth < 1.0


def test_noisy_embedding_truth_matches_the_gaussian_formula():
    # with noise everything is Gaussian, so the Gaussian MI of a large sample approaches the truth
    task = embedded_task(6, 5, 2, 1.0, noise=0.7)
    x, y = task.sample(np.random.default_rng(0), 200_000)
    assert mutual_information(x, y, method="gaussian").value == pytest.approx(task.truth,
                                                                               abs=0.01)


def test_trust_check_table():
    table = trust_check("gaussian", 500, 2, 3, seeds=(0, 1))
    assert [r.task.split()[0] for r in table.rows] == ["Gaussian", "Gaussian", "Student-t",
                                                        "latent", "latent"]
    gauss = table.rows[0]
    assert gauss.bias == pytest.approx(gauss.mean - gauss.truth)
    assert abs(gauss.bias) < 0.1 and gauss.stderr is None
    text = format_trust_table(table)
    assert text.startswith("Trust check: gaussian at n = 500, dx = 2, dy = 3, 2 seeds")
    assert "| task | truth | estimate | spread | bias | stderr | method |" in text


def test_trust_check_of_the_default_and_settings():
    table = trust_check(None, 300, 100, 100, seeds=(0, 1))
    assert table.method == "default" and {r.method for r in table.rows} == {"compressed"}
    assert all(r.stderr is not None for r in table.rows)
    table = trust_check("ksg1", 200, 1, 1, settings={"k": 5}, seeds=(0,))
    assert "ksg1, k=5" in format_trust_table(table)


def test_trust_check_bad_input():
    with pytest.raises(InfoplaneError, match="at least 32"):
        trust_check(None, 10, 1, 1)
    with pytest.raises(InfoplaneError, match="seeds is empty"):
        trust_check(None, 100, 1, 1, seeds=())
    with pytest.raises(InfoplaneError, match="dx must be a positive integer"):
        trust_check(None, 100, 0, 1)
