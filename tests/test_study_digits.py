import json
import math

import numpy as np
import pytest

from infoplane.analysis import compression
from infoplane.cli import main


@pytest.mark.slow
def test_reproduce_quick(tmp_path):
    out = tmp_path / "digits"
    assert main(["reproduce", "digits", "--quick", "--out", str(out), "--no-progress"]) == 0
    for name in ("digits_plane.png", "digits_plane.pdf", "digits_loss_accuracy.png",
                 "results.json", "runs/tanh/information_kde_upper.npz"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    assert results["claims"] and all("agree" in c for c in results["claims"])
    n = results["numbers"]
    assert abs(n["H_X"] - math.log2(1797)) < 1e-3
    # every estimate stays under the ceiling H(X) and under H(Y)
    for method in ("binning", "kde_upper"):
        assert max(n[method]["peak_I_XT"]) <= n["H_X"] + 1e-6
        assert max(n[method]["final_I_TY"]) <= n["H_Y"] + 1e-3


def test_compression_table_by_hand():
    ixt = np.array([[1.0, 5.0], [3.0, 4.0], [2.0, 4.5]])  # [epoch, layer]
    np.testing.assert_allclose(compression(ixt)["compression"], [1.0, 0.5])
