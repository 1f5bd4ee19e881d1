import json

import numpy as np
import pytest

from infoplane.cli import main
from infoplane.data import split, tishby12
from infoplane.studies.random_labels import first_epoch_reaching, relabel


@pytest.mark.slow
def test_reproduce_quick(tmp_path):
    out = tmp_path / "rl"
    assert main(["reproduce", "random_labels", "--quick", "--out", str(out),
                 "--no-progress"]) == 0
    for name in ("random_labels.png", "random_labels_planes.png", "results.json",
                 "runs/random100/activations"):
        assert (out / name).exists(), name
    results = json.loads((out / "results.json").read_text())
    n = results["numbers"]
    assert results["verdicts"].startswith("not findings") and len(results["claims"]) == 4
    # At 0% noise the true labels are the labels trained on: both planes agree exactly
    # except for float16 recording (a few activations can cross a bin edge).
    zero = n["0%"]
    np.testing.assert_allclose(zero["final_I_TY_true"]["mean"], zero["final_I_TY_trained"]["mean"],
                               atol=0.02)
    assert zero["labels_changed"] == 0.0
    # about half of the replaced labels keep their class by chance
    assert 0.4 < n["100%"]["labels_changed"] < 0.6


def test_relabel_changes_only_the_chosen_training_rows():
    data = tishby12()
    rows = split(data, "random", 0.8, 0)
    noisy = relabel(data, rows.train, 0.5, seed=1)
    np.testing.assert_array_equal(noisy.y[rows.test], data.y[rows.test])
    changed = np.flatnonzero(noisy.y != data.y)
    assert np.isin(changed, rows.train).all()
    # 1638 rows drawn uniformly over 2 classes: about 819 change (binomial sd ~20)
    assert abs(changed.size - 0.25 * rows.train.size) < 100
    np.testing.assert_array_equal(relabel(data, rows.train, 0.5, seed=1).y, noisy.y)
    np.testing.assert_array_equal(relabel(data, rows.train, 0.0).y, data.y)


def test_first_epoch_reaching_uses_the_seed_mean():
    epochs = np.array([0, 10, 100, 1000])
    acc = np.array([[0.5, 0.95, 0.99, 1.0], [0.5, 0.80, 0.90, 1.0]])  # mean 0.875 at 10
    assert first_epoch_reaching(epochs, acc, 0.9) == 100
    assert first_epoch_reaching(epochs, acc, 1.01) is None
