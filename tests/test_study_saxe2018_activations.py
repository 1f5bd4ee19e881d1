import json
from dataclasses import replace

import numpy as np
import pytest

from infoplane.analysis import compression
from infoplane.cli import main
from infoplane.plane import plane_from_activations
from infoplane.records import InformationPlane
from infoplane.runs import read_information
from infoplane.studies import saxe2018_activations as study


@pytest.mark.slow
def test_quick_writes_planes_table_and_claims(tmp_path):
    out = tmp_path / "saxe"
    assert main(["reproduce", "saxe2018_activations", "--quick", "--out", str(out),
                 "--no-progress"]) == 0
    for name in ("planes.png", "planes.pdf", "last_hidden_layer.png", "results.json",
                 "compression_table.md"):
        assert (out / name).is_file(), name
    for act in study.SCALES["quick"].activations:
        for m in study.ESTIMATORS:
            assert (out / "runs" / act / f"plane_{m}.npz").is_file()
    results = json.loads((out / "results.json").read_text())
    assert results["claims"] and all("agree" in c for c in results["claims"])
    assert results["scale"] == "quick" and results["verdicts"].startswith("not findings")
    planes = {m: read_information(out / "runs" / "tanh" / f"plane_{m}.npz")
              for m in study.ESTIMATORS}
    # A resumed study reads the planes it wrote instead of estimating them again.
    assert main(["reproduce", "saxe2018_activations", "--quick", "--out", str(out),
                 "--no-progress", "--resume"]) == 0
    for m in study.ESTIMATORS:
        assert read_information(out / "runs" / "tanh" / f"plane_{m}.npz") == planes[m]
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
@pytest.mark.slow
def test_padding_units_does_not_change_the_plane(method, settings):
    rng = np.random.default_rng(0)
    layers = [np.tanh(rng.normal(size=(2, 3, 64, w))).astype(np.float32) for w in (5, 2)]
    labels = rng.integers(0, 2, size=64)
    direct = plane_from_activations(layers, labels, method=method, **settings)
    padded = study.estimate_plane(layers, labels, method, settings)
    assert study.pad_units(layers)[1].shape == (2, 3, 64, 5)
    # float32 kernels: sums of squares in a different order differ in the last bits.
    np.testing.assert_allclose(padded.I_XT, direct.I_XT, atol=1e-5)
    np.testing.assert_allclose(padded.I_TY, direct.I_TY, atol=1e-5)


def _plane_grid(share):
    from matplotlib.figure import Figure

    from infoplane.plotting import information_plane_grid

    epochs = np.array([0, 1, 3, 9])
    ixt = np.array([[[11.8, 2.0], [11.8, 3.0], [11.8, 3.5], [11.8, 3.0]]])  # one seed
    ity = np.array([[[0.02, 0.1], [0.3, 0.3], [0.6, 0.5], [1.0, 0.7]]])
    binning = InformationPlane(ixt, ity, epochs, H_X=12.0, H_Y=1.0)
    planes = {"binning": binning, "kde": replace(binning, I_XT=ixt / 4, I_TY=ity / 2)}
    fig = Figure(figsize=(5, 7), layout="constrained")
    axes = information_plane_grid(fig, planes, ncols=1, share=share)
    return fig, axes[:, 0]


def test_grid_rows_of_different_estimators_keep_their_own_axes():
    _, (binning, kde) = _plane_grid("row")
    # The binning row reaches H(X) = 12 bits; the KDE row (data up to 2.95 bits, 0.5 bit) is
    # fitted to its data, 8% past it, and its H(X), H(Y) labels are hidden off the axes.
    assert binning.get_xlim() == pytest.approx((0, 12.0 * 1.08))
    assert kde.get_xlim() == pytest.approx((0, 2.95 * 1.08))
    assert kde.get_ylim() == pytest.approx((0, 0.5 * 1.08))
    assert not any(t.get_visible() for t in kde.texts if t.get_text().startswith("H("))
    _, (first, second) = _plane_grid("all")
    assert first.get_xlim() == second.get_xlim()


@pytest.mark.slow
def test_reference_labels_move_where_no_data_crosses():
    from infoplane.plotting._compare import _data_pixels

    fig, (binning, _) = _plane_grid("row")
    renderer = fig.canvas.get_renderer()
    data = _data_pixels(binning)
    for text in binning.texts:
        if text.get_text().startswith(("H(X) =", "H(Y) =")):
            box = text.get_window_extent(renderer)
            inside = ((data[:, 0] >= box.x0) & (data[:, 0] <= box.x1)
                      & (data[:, 1] >= box.y0) & (data[:, 1] <= box.y1))
            assert not inside.any(), text.get_text()
    # L1 climbs from I(T;Y) = 0 to 1 bit just left of H(X) = 12 bits, crossing every spot on
    # that side of the line: the label moved to its right.
    hx = next(t for t in binning.texts if t.get_text().startswith("H(X)"))
    assert hx.get_ha() == "left"
