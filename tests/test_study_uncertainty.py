import json
import math

import numpy as np
import pytest

from infoplane.cli import main
from infoplane.studies.uncertainty import calibration, certified_slack, predictive_entropy


@pytest.mark.slow
def test_reproduce_quick(tmp_path):
    out = tmp_path / "unc"
    assert main(["reproduce", "uncertainty", "--quick", "--out", str(out), "--no-progress"]) == 0
    for name in ("uncertainty.png", "uncertainty.pdf", "results.json", "run/information.npz"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    n = results["numbers"]
    assert results["verdicts"].startswith("not findings") and len(results["claims"]) == 2
    # The bound is a theorem up to the binning's slack: no point may break the certified form.
    assert n["points_checked"] > 0
    assert "0 below" in results["claims"][0]["ours"].split("slack")[1]
    for part in ("entropy_train", "entropy_test"):  # two classes: at most 1 bit
        assert 0.0 <= n["final"][part]["mean"] <= 1.0 + 1e-9


def test_predictive_entropy_by_hand():
    p = np.array([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]])
    h = -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))  # 0.8113 bits
    np.testing.assert_allclose(predictive_entropy(p), [1.0, 0.0, h], atol=1e-12)


def test_calibration_by_hand():
    # Four rows, 10 bins. Confidences 0.9, 0.9 (bin 9), 0.6 (bin 6), 1.0 (bin 9, the last).
    # Bin 9: rows 0, 1, 3 with confidences 0.9, 0.9, 1.0 and correct 1, 0, 1:
    # |(0.9 + 0.9 + 1.0) - 2| = 0.8. Bin 6: row 2, confidence 0.6, wrong: 0.6. ECE = 1.4 / 4.
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6], [1.0, 0.0]])
    labels = np.array([0, 1, 0, 0])
    c = calibration(probs, labels, n_bins=10)
    assert abs(c["ece"] - 0.35) < 1e-12
    assert abs(c["gap"] - (3.4 / 4 - 0.5)) < 1e-12
    # leading axes are kept: [seed, epoch, n, K] -> [seed, epoch]
    stacked = calibration(np.stack([probs, probs])[:, None], labels, n_bins=10)
    np.testing.assert_allclose(stacked["ece"], [[0.35], [0.35]], atol=1e-12)


def test_certified_slack_by_hand():
    edges = np.linspace(-1.0, 1.0, 5)  # -1, -0.5, 0, 0.5, 1
    # q = (0.3, 0.7): bins [0, 0.5) and [0.5, 1): upper edges 0.5 and 1 -> Z = 1.5.
    # q = (1.0, 0.0): 1.0 lands past the last edge (upper 1, clipped), 0.0 in [0, 0.5): Z = 1.5.
    probs = np.array([[0.3, 0.7], [1.0, 0.0]], dtype=np.float32)
    assert abs(certified_slack(probs, edges) - math.log2(1.5)) < 1e-12


def test_the_loss_bound_holds_with_the_slack_on_random_predictors():
    # Gibbs with the slack, checked on many random predictors and labels (2 classes, 30 edges).
    rng = np.random.default_rng(3)
    edges = np.linspace(-1.0, 1.0, 30)
    for _ in range(50):
        p1 = rng.beta(0.5, 0.5, 400).astype(np.float32)
        q = np.stack([1 - p1, p1], axis=-1)
        y = rng.integers(0, 2, 400)
        loss = -np.log2(np.clip(q[np.arange(400), y], 1e-30, None)).mean()
        codes = np.digitize(q, edges.astype(np.float32))
        _, cell = np.unique(codes, axis=0, return_inverse=True)
        joint = np.zeros((cell.max() + 1, 2))
        np.add.at(joint, (cell.ravel(), y), 1.0)
        pt = joint.sum(1)
        h_y_t = -np.sum(joint[joint > 0] * np.log2((joint / pt[:, None])[joint > 0])) / 400
        assert loss >= h_y_t - certified_slack(q, edges) - 1e-9
