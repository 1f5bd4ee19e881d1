import json

import numpy as np
import pytest

from infoplane.analysis import compression
from infoplane.cli import main
from infoplane.studies.generalisation import early_stopping_epoch


def test_early_stopping_epoch_is_the_minimum_of_the_seed_mean():
    epochs = np.array([0, 1, 5, 10, 50])
    # Seed 0 alone has its minimum at epoch 5, seed 1 at epoch 10; the mean (0.6, 0.45, 0.35,
    # 0.3, 0.5) has it at epoch 10.
    loss = np.array([[0.6, 0.4, 0.2, 0.3, 0.5],
                     [0.6, 0.5, 0.5, 0.3, 0.5]])
    assert early_stopping_epoch(epochs, loss) == 10
    assert early_stopping_epoch(epochs, loss[0]) == 5


def test_compression_table_by_hand():
    epochs = np.array([0, 10, 100, 1000])
    # Two layers; layer 0 rises to 8 then falls to 5 (compression 3, 2 of it after epoch 100),
    # layer 1 only rises (compression 0; since epoch 100 it gained 1 bit, a change of -1).
    ixt = np.array([[4.0, 1.0], [8.0, 2.0], [7.0, 3.0], [5.0, 4.0]])
    c = compression(ixt, epochs, after=100)
    np.testing.assert_array_equal(c["peak"], [8.0, 4.0])
    np.testing.assert_array_equal(c["peak_epoch"], [10, 1000])
    np.testing.assert_array_equal(c["compression"], [3.0, 0.0])
    np.testing.assert_array_equal(c["since"], [2.0, -1.0])
    # A seed axis is averaged first: two seeds that are +-1 around the table above.
    both = np.stack([ixt + 1.0, ixt - 1.0])
    np.testing.assert_array_equal(compression(both, epochs)["compression"], [3.0, 0.0])


@pytest.mark.slow
def test_reproduce_generalisation_quick(tmp_path):
    out = tmp_path / "gen"
    assert main(["reproduce", "generalisation", "--quick", "--out", str(out),
                 "--no-progress"]) == 0
    for name in ("generalisation.png", "generalisation.pdf", "results.json",
                 "runs/train30/information.npz", "runs/train80/information.npz"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    assert len(results["claims"]) == 3 and all("agree" in c for c in results["claims"])
    n30, n80 = results["numbers"]["train30"], results["numbers"]["train80"]
    assert n30["test_acc"] <= 1.0 and n80["early_stopping_epoch"] >= 0
    assert len(n30["compression_bits"]) == 6
