import json

import numpy as np
import pytest

from infoplane.cli import main
from infoplane.studies.data_drift import accuracies, first_epoch_within, match_rows, permutation


@pytest.mark.slow
def test_reproduce_quick(tmp_path):
    out = tmp_path / "drift"
    assert main(["reproduce", "data_drift", "--quick", "--epochs", "30", "--out", str(out),
                 "--no-progress"]) == 0
    for name in ("drift_plane.png", "drift_plane.pdf", "drift_curves.png", "results.json",
                 "drift_flipped.npz", "drift_permuted.npz", "runs/phase1/checkpoint.npz",
                 "runs/flipped/information.npz", "runs/permuted/information.npz"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    assert results["claims"] and all("agree" in c for c in results["claims"])
    n = results["numbers"]
    # Both shifts keep about 80% of the old task: 20% flipped (binomial, 4096 draws), and a
    # permutation keeps the number of set bits, on which the label mostly depends.
    assert 0.75 < n["flipped"]["task_agreement"] < 0.85
    assert 0.7 < n["permuted"]["task_agreement"] < 0.95
    # Phase 2 starts where phase 1 ended: accuracy on the old data at the switch is phase 1's.
    assert n["flipped"]["at_switch"]["old_train"] >= n["phase1_train_acc"] - 0.1


def test_permutation_is_seeded_and_not_identity():
    p = permutation(12, 8)
    np.testing.assert_array_equal(p, permutation(12, 8))
    assert sorted(p) == list(range(12)) and np.any(p != np.arange(12))


def test_match_rows_finds_permuted_inputs():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    x_new = x[:, [1, 0]]
    idx = match_rows(x, x_new)
    np.testing.assert_array_equal(x_new[idx], x)
    np.testing.assert_array_equal(idx, [0, 2, 1, 3])
    with pytest.raises(ValueError, match="every row"):
        match_rows(x, x_new[:3])


def test_accuracies_and_refit_epoch():
    probs = np.zeros((1, 2, 3, 2))
    probs[0, 0, :, 0] = 1  # predicts class 0 everywhere
    probs[0, 1, :, 1] = 1  # then class 1 everywhere
    labels = np.array([0, 1, 1])
    np.testing.assert_allclose(accuracies(probs, labels, np.array([0, 1, 2])), [[1 / 3, 2 / 3]])
    np.testing.assert_allclose(accuracies(probs, labels, np.array([1, 2])), [[0.0, 1.0]])
    assert first_epoch_within([0, 10, 20, 30], [0.5, 0.95, 0.8, 0.96], 0.96, 0.02) == 30
    assert first_epoch_within([0, 10], [0.5, 0.6], 0.96, 0.02) is None
