import json

import numpy as np
import pytest

from infoplane.cli import main
from infoplane.records import InformationPlane
from infoplane.studies import estimator_sensitivity as study


@pytest.mark.slow
def test_quick_writes_grid_summary_and_claims(tmp_path):
    out = tmp_path / "sens"
    assert main(["reproduce", "estimator_sensitivity", "--quick", "--out", str(out),
                 "--no-progress"]) == 0
    for name in ("planes.png", "planes.pdf", "summary.png", "summary.pdf", "results.json"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    assert results["claims"] and all("agree" in c for c in results["claims"])
    per = results["numbers"]["per_estimator"]
    assert list(per) == list(study.estimators())
    for v in per.values():  # never above the ceiling log2 4096 = 12 bits
        assert max(v["final_I_XT"]) <= 12.0 + 1e-6


def test_estimators_are_four_binnings_and_three_kde_noise_levels():
    est = study.estimators()
    assert list(est) == ["10 bins", "30 bins", "100 bins", "256 bins", "KDE s2=0.001",
                         "KDE s2=0.01", "KDE s2=0.1"]
    assert est["30 bins"] == ("binning", {"rule": "fixed", "n_bins": 30, "low": -1.0,
                                          "high": 1.0})
    assert est["KDE s2=0.01"] == ("kde_upper", {"noise_var": 0.01})


def test_saturated_layers_are_within_one_percent_of_h_x():
    names = ["L1", "L2", "L3"]
    assert study.saturated_layers([12.0, 11.88, 11.87], 12.0, names) == ["L1", "L2"]


def test_is_monotone_allows_seed_noise_only():
    rows = np.array([[1.0, 2.0], [1.5, 1.99], [3.0, 2.5]])
    assert study.is_monotone(rows, increasing=True)  # the 0.01 dip is within tolerance
    assert not study.is_monotone(rows, increasing=False)
    assert not study.is_monotone([[1.0], [0.9]], increasing=True)


def test_summarise_and_claims_on_a_hand_made_plane():
    names = ["L1 (10)", "L5 (3)", "out (2)"]
    e = 3
    def plane(final_l5, peak_l5, level):
        ixt = np.zeros((1, e, 3))
        ixt[0, :, 0] = level
        ixt[0, :, 1] = [1.0, peak_l5, final_l5]
        ixt[0, :, 2] = 1.0
        return InformationPlane(ixt, np.full((1, e, 3), 0.9), np.arange(e))
    planes = {"10 bins": plane(3.0, 3.2, 8.0), "30 bins": plane(5.0, 7.0, 11.0),
              "100 bins": plane(9.0, 10.0, 12.0), "256 bins": plane(11.0, 11.5, 12.0),
              "KDE s2=0.001": plane(6.0, 6.5, 9.0), "KDE s2=0.01": plane(4.0, 4.4, 7.0),
              "KDE s2=0.1": plane(2.0, 2.1, 5.0)}
    per = study.summarise(planes, names, 12.0)
    assert per["30 bins"]["last_hidden_compression_bits"] == 2.0
    assert per["256 bins"]["saturated_layers"] == ["L1 (10)"]
    verdicts = [c["agree"] for c in study.claims(per, names)]
    assert verdicts == [True, True, True, False]  # KDE 0.1 compresses only 0.1 bit
