import json

import numpy as np
import pytest

from infoplane.cli import main
from infoplane.studies.initialisation import SCALES, distinct_units


def test_distinct_units_counts_groups_of_identical_columns():
    x = np.linspace(-1.0, 1.0, 7)
    assert distinct_units(np.zeros((7, 5))) == 1
    assert distinct_units(np.stack([np.tanh(x)] * 4, axis=1)) == 1
    # Columns a, b, a, c, b: three groups; a difference below atol does not count.
    a, b, c = np.tanh(x), np.tanh(2 * x), x
    assert distinct_units(np.stack([a, b, a + 1e-9, c, b], axis=1)) == 3
    assert distinct_units(np.stack([a, a + 1e-3], axis=1), atol=1e-2) == 1


@pytest.mark.slow
def test_reproduce_initialisation_quick(tmp_path):
    out = tmp_path / "init"
    assert main(["reproduce", "initialisation", "--quick", "--out", str(out),
                 "--no-progress"]) == 0
    for name in ("initialisation.png", "initialisation.pdf", "results.json",
                 "runs/tanh/zeros/information.npz", "runs/relu/he_normal/information.npz"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    assert results["claims"] and all("agree" in c for c in results["claims"])
    zero = results["numbers"]["tanh/zeros"]
    # Zero weights: every backpropagated error is zero, so the hidden layers never move; only
    # the output bias learns, so the two softmax outputs (p, 1 - p) differ but are constant.
    hidden = len(SCALES["quick"].config["hidden"])
    assert zero["symmetry"]["distinct_units_per_layer"] == [1] * hidden + [2]
    assert zero["symmetry"]["max_I_XT_layer_bits"] == 0.0
    assert all(c["agree"] for c in results["claims"])
