import json

import pytest

from infoplane.cli import main


@pytest.mark.slow
def test_reproduce_regularisation_quick(tmp_path):
    out = tmp_path / "reg"
    assert main(["reproduce", "regularisation", "--quick", "--out", str(out),
                 "--no-progress"]) == 0
    for name in ("regularisation.png", "regularisation.pdf", "results.json",
                 "runs/baseline/information.npz", "runs/unit_noise/information_kde_upper.npz"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    assert len(results["claims"]) == 3 and all("agree" in c for c in results["claims"])
    kde = results["numbers"]["unit_noise"]["kde_upper"]
    assert kde["noise_var"] == 0.01
    # The KDE upper bound of 4096 inputs cannot exceed log2(4096) = 12 bits.
    assert all(0.0 <= v <= 12.0 + 1e-6 for v in kde["final_I_XT"])
