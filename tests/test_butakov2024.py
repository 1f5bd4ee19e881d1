"""Smoke test of the butakov2024_cnn study at its quick scale: results.json and figures."""

import json

import numpy as np
import pytest

from infoplane.runs import read_information
from infoplane.studies import names, run_study


@pytest.mark.slow
def test_quick_writes_results_with_rules_planes_and_figures(tmp_path):
    assert "butakov2024_cnn" in names()
    out = tmp_path / "butakov"
    run_study("butakov2024_cnn", out=out, scale="quick", progress=False)
    results = json.loads((out / "results.json").read_text())
    assert results["study"] == "butakov2024_cnn" and results["scale"] == "quick"
    assert "smoke" in results["verdicts"]
    numbers = results["numbers"]["mnist1d"]
    assert numbers["layers"][:3] == ["conv1 (320)", "conv2 (320)", "dense1 (64)"]
    assert set(numbers["phases"]) == {"compressed", "binning", "kde_upper"}
    phase = numbers["phases"]["compressed"]["conv1 (320)"]
    assert len(phase["fall"]) == 3 and isinstance(phase["compresses"], bool)
    assert numbers["settings"]["compressed"]["estimator"] == "kl_weighted"
    assert len(results["claims"]) == 3
    for c in results["claims"]:
        assert c["rule"].startswith("agree if") and isinstance(c["agree"], bool)
        assert c["claim"] and "ours" in c
    plane = read_information(out / "runs" / "mnist1d" / "information_compressed.npz")
    seeds, epochs, layers = plane.I_XT.shape
    ci_x, _ = plane.seed_intervals()
    assert (seeds, layers) == (2, 4) and ci_x.shape == (2, epochs, layers)
    assert np.all(ci_x[0] <= ci_x[1])
    assert plane.I_XT_stderr.shape == plane.I_XT.shape
    assert plane.settings["n"] > 0  # the rows it was estimated on
    assert (out / "butakov2024_mnist1d.png").stat().st_size > 0
