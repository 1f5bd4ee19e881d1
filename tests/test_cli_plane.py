"""``infoplane plane`` on the files people have, what it writes (the plane with its method,
settings, source and versions), and ``infoplane plot`` on an incomplete run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from infoplane.cli import main
from infoplane.runs import read_information

N = 60  # three classes of 20: H(Y) = log2 3 exactly


@pytest.fixture
def acts(tmp_path):
    rng = np.random.default_rng(0)
    layers = {"layer_0": rng.normal(size=(3, N, 4)).astype(np.float32),
              "layer_1": np.tanh(rng.normal(size=(3, N, 2))).astype(np.float32)}
    np.savez(tmp_path / "acts.npz", epochs=np.array([0, 10, 100]), **layers)
    return tmp_path / "acts.npz", layers, np.arange(N) % 3


@pytest.mark.slow
@pytest.mark.parametrize("form", ["npy", "csv_header", "csv_row", "npz_key", "npz_single"])
def test_plane_reads_labels_in_each_form_and_records_its_provenance(acts, form, tmp_path):
    path, layers, y = acts
    labels = tmp_path / {"npy": "y.npy", "csv_header": "y.csv", "csv_row": "y_row.csv",
                         "npz_key": "y.npz", "npz_single": "y1.npz"}[form]
    extra = []
    if form == "npy":
        np.save(labels, y)
    elif form == "csv_header":
        labels.write_text("class\n" + "\n".join(map(str, y)) + "\n")
    elif form == "csv_row":
        labels.write_text(",".join(map(str, y)))
    elif form == "npz_key":
        np.savez(labels, x=np.zeros((N, 2)), target=y)
        extra = ["--labels-key", "target"]
    else:
        np.savez(labels, whatever=y)
    out = tmp_path / "out"
    trust = ["--trust"] if form == "npy" else ["--no-trust"]
    assert main(["plane", str(path), "--labels", str(labels), *extra, "--estimator",
                 "kde_upper", "--out", str(out), *trust]) == 0
    f = read_information(out / "information_kde_upper.npz")
    assert f.I_XT.shape == (1, 3, 2) and f.layer_names == ("layer_0", "layer_1")
    np.testing.assert_array_equal(f.epochs, [0, 10, 100])
    assert f.method == "kde_upper" and f.H_Y == pytest.approx(np.log2(3))
    settings, prov = f.settings, f.provenance
    # the default noise variance, never given, is written down
    assert settings["noise_var"] == pytest.approx(0.1) and prov["settings"] == settings
    assert prov["method"] == "kde_upper" and str(path) in prov["source"]
    assert str(labels) in prov["source"] and prov["versions"]["numpy"] == np.__version__
    assert (out / "plane_kde_upper.png").is_file()
    # the trust table beside the plane, on by default
    assert (out / "trust_kde_upper.md").is_file() == (form == "npy")


@pytest.mark.slow
def test_plane_of_a_run_folder_with_its_trust_table(tiny_run, capsys):
    run = tiny_run  # records layers 0, 4 and 5
    # binning: the trust table says why binning is not checked (cheap, unlike KDE at n = 4096)
    assert main(["plane", str(run), "--estimator", "binning", "--n-bins", "12"]) == 0
    f = read_information(run / "information_binning.npz")
    assert f.I_XT.shape[-1] == 3 and f.provenance["method"] == "binning"
    assert f.provenance["settings"]["n_bins"] == 12
    assert "Not checked" in (run / "trust_binning.md").read_text()
    capsys.readouterr()
    assert main(["plane", str(run), "--labels", str(run / "labels.npy")]) == 2
    assert "--labels is for activations in files" in capsys.readouterr().err


@pytest.mark.slow
def test_plane_from_a_folder_of_npy_files_with_labels_inside(acts, tmp_path, capsys):
    _, layers, y = acts
    folder = tmp_path / "npy"
    folder.mkdir()
    for name, a in layers.items():
        np.save(folder / f"{name}.npy", a)
    np.save(folder / "labels.npy", y)
    assert main(["plane", str(folder), "--no-trust"]) == 0
    f = read_information(folder / "information_binning.npz")
    assert f.I_XT.shape == (1, 3, 2) and f.settings["n_bins"] > 0
    assert "information_binning.npz" in capsys.readouterr().out


def test_plane_refuses_what_does_not_fit_in_one_line(acts, tmp_path, capsys):
    path, _, y = acts
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "x.npy", np.zeros((N, 2)))
    cases = [
        (["plane", str(path)], 2, "holds no labels; pass --labels FILE"),
        (["plane", str(path), "--labels", str(tmp_path / "y.npy"), "--inputs",
          str(tmp_path / "x.npy")], 2, "--inputs is used by --estimator compressed only"),
        (["plane", str(path), "--labels", str(tmp_path / "y.npy"), "--estimator",
          "compressed"], 2, "--estimator compressed needs the network inputs"),
        (["plane", str(path), "--labels", str(tmp_path / "y.npy"), "--name", "../x"], 2,
         "--name must be a plain name"),
        # 1 until plane/_checks.check_method marks its errors usage=True (then 2)
        (["plane", str(path), "--labels", str(tmp_path / "y.npy"), "--set", "colour=1"],
         (1, 2), "does not take colour"),
    ]
    for argv, code, message in cases:
        assert main(argv) in (code if isinstance(code, tuple) else (code,)), argv
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


def test_plot_warns_when_the_run_is_incomplete(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"config": {}, "logged_epochs": [0, 1, 2, 5, 9]}))
    rng = np.random.default_rng(0)
    np.savez(run / "information.npz", I_XT=rng.random((2, 3, 2)), I_TY=rng.random((2, 3, 2)),
             epochs=np.array([0, 1, 2]))
    assert main(["plot", str(run)]) == 0
    err = capsys.readouterr().err
    assert "warning: " in err and "3 of 5 logged epochs recorded (up to epoch 2 of 9)" in err
    assert f"infoplane train --out {run} --resume" in err
    assert (run / "plane.png").is_file()
