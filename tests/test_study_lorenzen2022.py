import json

import numpy as np
import pytest

from infoplane.cli import main
from infoplane.studies import lorenzen2022 as study
from infoplane.studies._lorenzen2022_estimators import estimator_markdown


def _plane(ixt_curves, ity_curves):
    """[seed=2, epoch, layer] from per-layer seed-mean curves (both seeds alike)."""
    ixt = np.stack(ixt_curves, axis=-1)[None].repeat(2, axis=0)
    ity = np.stack(ity_curves, axis=-1)[None].repeat(2, axis=0)
    return ixt, ity


# Two hidden layers and an output layer, four logged epochs.
TANH = _plane([[12, 12, 12, 12], [5, 7, 6, 5], [1, 3, 2.5, 2]],  # L2 and out compress
              [[1, 1, 1, 1], [0.2, 0.6, 0.9, 0.9], [0.1, 0.5, 0.8, 0.9]])
RELU = _plane([[12, 12, 12, 12], [5, 7, 7, 7], [1, 3, 2.5, 2]],  # only out compresses
              [[1, 1, 1, 1], [0.2, 0.6, 0.9, 0.9], [0.1, 0.5, 0.8, 0.9]])


def test_claims_agree_on_hand_made_planes_that_show_them():
    h_y = {"tanh": 1.0, "relu": 1.0}
    binned = {"tanh": {30: TANH, 256: RELU}}  # L2 compresses at 30 bins, not at 256
    verdicts = {c["claim"].split(" (")[0]: c["agree"]
                for c in study.claims({"tanh": TANH, "relu": RELU}, h_y, binned)}
    assert all(verdicts.values()) and len(verdicts) == 4
    fit = study.claims({"tanh": TANH, "relu": RELU}, h_y, binned)[0]
    assert list(fit["at_ceiling"]["tanh"]) == [0]  # L1 starts at H(Y): nothing to fit


def test_claims_disagree_on_hand_made_planes_that_do_not_show_them():
    h_y = {"tanh": 1.0, "relu": 1.0}
    flat_ity = TANH[1].copy()
    flat_ity[:, :, 2] = 0.1  # the output layer never fits
    no_out = TANH[0].copy()
    no_out[:, :, 2] = [1, 2, 3, 3]  # nor compresses
    planes = {"tanh": (no_out, flat_ity), "relu": TANH}  # same hidden compression
    binned = {"tanh": {30: TANH, 256: TANH}}
    verdicts = [c["agree"] for c in study.claims(planes, h_y, binned)]
    assert verdicts == [False, False, False, False]


def test_fitting_rise_is_peak_minus_first_of_the_seed_mean():
    f = study.fitting(TANH[1], 1.0)
    np.testing.assert_allclose(f["rise"], [0.0, 0.7, 0.8])
    assert list(f["fits"]) == [False, True, True] and list(f["at_ceiling"]) == [True, False,
                                                                               False]


def test_estimator_markdown_has_a_row_per_estimator_and_na_where_not_comparable():
    e = {"mean_abs": 0.5, "bias": -0.25, "max_abs": 1.0, "points": 12}
    md = estimator_markdown({"errors": {"binning": {"I_XT": e, "I_TY": e},
                                        "kNN": {"I_TY": e}}})
    lines = md.splitlines()
    assert lines[2] == "| binning | 0.500 | -0.250 | 1.000 | 0.500 | -0.250 | 1.000 | 12 |"
    assert lines[3].startswith("| kNN | n/a | n/a | n/a | 0.500")


def test_every_scale_builds_valid_configs_of_both_kinds():
    for scale in study.SCALES.values():
        for s in study.SETTINGS:
            q, f = (study.setting_config(s, scale, quantised=b) for b in (True, False))
            assert q.quantize_bits == study.BITS and f.quantize_bits is None
            assert q.replace(quantize_bits=None) == f
            q.validate()


@pytest.mark.slow
def test_quick_writes_results_with_claims_and_rules(tmp_path):
    out = tmp_path / "lorenzen"
    assert main(["reproduce", "lorenzen2022", "--quick", "--out", str(out),
                 "--no-progress"]) == 0
    for name in ("planes_tanh.png", "planes_relu.png", "planes_bottleneck.png", "layers.png",
                 "estimators.png", "estimators_table.md", "results.json"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    assert results["scale"] == "quick" and len(results["claims"]) == 4
    assert all(c["rule"].startswith("agree if") and isinstance(c["agree"], bool)
               for c in results["claims"])
    errors = results["numbers"]["estimators"]["errors"]
    assert {"binning 30 (global)", "KDE upper", "compressed",
            "mutual_information default"} <= set(errors)
    prov = np.load(out / "runs" / "tanh" / "exact" / "information.npz")["provenance"]
    assert '"method": "exact"' in str(prov)


@pytest.mark.slow
def test_global_binned_plane_equals_the_planes_global_binning():
    from infoplane.plane import plane_from_activations
    from infoplane.studies._lorenzen2022_estimators import global_binned_plane

    rng = np.random.default_rng(0)
    layers = [np.tanh(rng.normal(size=(2, 3, 200, w)) * 2).astype(np.float32) for w in (3, 2)]
    labels = rng.integers(0, 2, size=200)
    for b in (4, 30):
        ixt, ity = global_binned_plane(layers, labels, b)
        ref = plane_from_activations(layers, labels, method="binning", rule="global", n_bins=b)
        np.testing.assert_allclose(ixt, ref.I_XT, atol=1e-5)
        np.testing.assert_allclose(ity, ref.I_TY, atol=1e-5)
        assert ixt.min() < 7.0  # not every row in its own bin: the comparison could fail
