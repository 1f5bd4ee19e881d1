import json

import numpy as np
import pytest

from infoplane.analysis import compression
from infoplane.cli import main
from infoplane.plane import plane_from_activations
from infoplane.studies import saxe2018_activations as study


def test_quick_writes_planes_table_and_claims(tmp_path):
    out = tmp_path / "saxe"
    assert main(["reproduce", "saxe2018_activations", "--quick", "--out", str(out),
                 "--no-progress"]) == 0
    for name in ("planes.png", "planes.pdf", "last_hidden_layer.png", "results.json",
                 "compression_table.md"):
        assert (out / name).is_file(), name
    for act in study.QUICK_ACTIVATIONS:
        for m in study.ESTIMATORS:
            assert (out / "runs" / act / f"plane_{m}.npz").is_file()
    results = json.loads((out / "results.json").read_text())
    assert results["claims"] and all("agree" in c for c in results["claims"])
    table = results["numbers"]["compression_bits"]
    assert set(table) == set(study.ESTIMATORS)
    assert all(min(v) >= 0 for by_act in table.values() for v in by_act.values())


def test_compression_is_peak_minus_final_of_the_seed_mean():
    # Two seeds, four logged epochs, two layers; seed means by hand:
    # layer 0: 1, 3, 2.5, 2 -> 3 - 2 = 1; layer 1: 0, 1, 2, 4 -> final is the peak -> 0.
    i_xt = np.array([
        [[1.0, 0.0], [2.0, 1.0], [3.0, 2.0], [2.0, 4.0]],
        [[1.0, 0.0], [4.0, 1.0], [2.0, 2.0], [2.0, 4.0]],
    ])
    np.testing.assert_allclose(compression(i_xt)["compression"], [1.0, 0.0])
    np.testing.assert_allclose(compression(i_xt[0])["compression"], [1.0, 0.0])  # no seed axis


def test_compression_markdown_has_a_row_per_estimator_and_activation():
    table = {"binning": {"tanh": np.array([0.0, 1.234]), "relu": np.array([0.0, 0.0])}}
    md = study.compression_markdown(table, ["L1 (10)", "out (2)"])
    lines = md.splitlines()
    assert lines[0] == "| estimator | activation | L1 (10) | out (2) |"
    assert lines[2] == "| binning | tanh | 0.00 | 1.23 |" and len(lines) == 4


def test_claims_judge_hand_made_tables():
    hidden = 2  # the last column is the output layer and is not judged
    good = {m: {"tanh": np.array([0.1, 2.0, 5.0]), "relu": np.array([0.0, 0.2, 3.0]),
                "softsign": np.array([0.3, 0.0, 0.0]), "softplus": np.array([0.0, 0.1, 0.0])}
            for m in ("binning", "kde_upper")}
    assert all(c["agree"] for c in study.claims(good, hidden))
    bad = {m: {k: v[::-1].copy() for k, v in t.items()} for m, t in good.items()}
    verdicts = {c["claim"].split()[0]: c["agree"] for c in study.claims(bad, hidden)}
    assert verdicts == {"tanh": True, "relu": False, "softsign": False, "softplus": True}
    bad["kde_upper"]["tanh"][:] = 0.0
    first = study.claims(bad, hidden)[0]
    assert not first["agree"] and first["per_estimator"] == {"binning": True,
                                                             "kde_upper": False}


def test_binning_settings_follow_saxe():
    assert study.binning_settings("tanh") == {"rule": "fixed", "n_bins": 30, "low": -1.0,
                                              "high": 1.0}
    assert study.binning_settings("softplus") == {"rule": "global", "n_bins": 100}


@pytest.mark.parametrize(("method", "settings"), [
    ("binning", {"rule": "fixed", "n_bins": 30, "low": -1.0, "high": 1.0}),
    ("kde_upper", {"noise_var": 0.1}),
    ("kde_lower", {"noise_var": 1e-2}),
])
def test_padding_units_does_not_change_the_plane(method, settings):
    rng = np.random.default_rng(0)
    layers = [np.tanh(rng.normal(size=(2, 3, 64, w))).astype(np.float32) for w in (5, 2)]
    labels = rng.integers(0, 2, size=64)
    direct = plane_from_activations(layers, labels, method=method, **settings)
    padded = study.estimate_plane(layers, labels, method, settings)
    assert study.pad_units(layers)[1].shape == (2, 3, 64, 5)
    # float32 kernels: sums of squares in a different order differ in the last bits.
    np.testing.assert_allclose(padded[0], direct["I_XT"], atol=1e-5)
    np.testing.assert_allclose(padded[1], direct["I_TY"], atol=1e-5)
