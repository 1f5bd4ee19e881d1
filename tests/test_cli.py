import json
import subprocess
import sys

import pytest

from infoplane.cli import main
from infoplane.runs import read_information


@pytest.mark.slow
def test_reproduce_quick_writes_plane_npz_and_results(tmp_path, capsys):
    out = tmp_path / "t17"
    code = main(["reproduce", "tishby2017", "--quick", "--epochs", "40", "--out", str(out),
                 "--no-progress"])
    assert code == 0
    for name in ("plane.png", "plane.pdf", "information.npz", "results.json",
                 "gradient_snr.png", "loss_accuracy.png", "config.json", "plane.gif"):
        assert (out / name).is_file(), name
    assert (out / "plane.png").stat().st_size > 10_000
    plane = read_information(out)
    assert plane.n_seeds == 2 and len(plane.layer_names) == 6
    results = json.loads((out / "results.json").read_text())
    assert results["claims"] and all("agree" in c for c in results["claims"])
    # Redraw without retraining.
    assert main(["plot", str(out), "--out", str(tmp_path / "redrawn")]) == 0
    assert (tmp_path / "redrawn" / "plane.png").is_file()
    # The output directory is not silently overwritten.
    assert main(["reproduce", "tishby2017", "--quick", "--out", str(out), "--no-progress"]) == 2
    assert "already exists; pass --resume" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--preset", "huge"], "unknown preset 'huge'; valid presets are"),
        (["train", "--preset", "tiny", "--activation", "swish"], "valid activations are"),
        (["train", "--preset", "tiny", "--optimiser", "rmsprop"], "valid optimisers are"),
        (["train", "--preset", "tiny", "--schedule", "often"], "valid schedules are"),
        (["train", "--preset", "tiny", "--epochs", "0"], "epochs must be a positive integer"),
        (["train", "--preset", "tiny", "--batch-size", "-1"], "batch_size must be a positive"),
        (["train", "--preset", "tiny", "--set", "hidden=[4,-2]"], "hidden width 1 must be"),
        (["train", "--preset", "tiny", "--set", "colour=red"], "unknown configuration field"),
        (["reproduce", "tishby2018"], "unknown study 'tishby2018'"),
        (["reproduce", "tishby2017", "--quick", "--full"], "choose either --quick or --full"),
        (["reproduce", "tishby2017", "--set", "seeds"], "--set takes FIELD=VALUE"),
        (["train", "--preset", "tiny", "--model", "resnet"], "valid models are"),
        (["sweep", "--preset", "tiny", "--out", "x"], "sweep needs at least one --grid"),
        (["sweep", "--preset", "tiny", "--grid", "seed=0,1"], "sweep needs --out DIR"),
        (["sweep", "--preset", "tiny", "--grid", "seeds", "--out", "x"], "--grid takes FIELD="),
    ],
)
def test_bad_input_is_one_line(argv, message, capsys, tmp_path):
    argv = [*argv, "--out", str(tmp_path / "o")] if argv[0] == "train" else argv
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.subprocess
def test_console_script_entry_point_help():
    out = subprocess.run([sys.executable, "-m", "infoplane.cli", "--help"], capture_output=True,
                         text=True, check=True)
    assert "reproduce" in out.stdout and "plane" in out.stdout and "sweep" in out.stdout


def test_model_option_sets_the_config_field(tmp_path):
    from infoplane.cli import build_parser
    from infoplane.cli._run import _overrides

    args = build_parser().parse_args(["train", "--model", "cnn1d", "--seeds", "3"])
    assert _overrides(args) == {"model": "cnn1d", "seeds": 3}
    args = build_parser().parse_args(["reproduce", "tishby2017", "--model", "mlp"])
    assert _overrides(args)["model"] == "mlp"


@pytest.mark.slow
def test_animate_and_trust_commands(tiny_run, capsys):
    run = tiny_run
    assert main(["animate", str(run)]) == 0
    gif = run / "plane.gif"
    assert gif.is_file() and gif.read_bytes()[:6] in (b"GIF87a", b"GIF89a")
    capsys.readouterr()
    assert main(["trust", "--estimator", "ksg1", "--n", "300", "--dx", "1", "--dy", "1",
                 "--seeds", "1"]) == 0
    table = capsys.readouterr().out
    assert "truth" in table and "bias" in table
    assert main(["trust", "--n", "1", "--dx", "1", "--dy", "1"]) == 2
    assert capsys.readouterr().err.startswith("infoplane: error:")


@pytest.mark.slow
def test_resume_alone_uses_the_runs_own_configuration(tmp_path, capsys):
    run = tmp_path / "run"
    first = ["train", "--preset", "tiny", "--epochs", "20", "--activation", "relu",
             "--out", str(run), "--no-progress"]
    assert main(first) == 0
    before = read_information(run)
    # --resume with nothing else continues the run with its own config.json (relu, 20 epochs).
    assert main(["train", "--out", str(run), "--resume", "--no-progress"]) == 0
    assert read_information(run) == before
    capsys.readouterr()
    # Given settings that differ, the error names each differing field.
    # A usage error (exit 2) once training/loop.py marks this error usage=True; 1 until then.
    assert main(["train", "--preset", "tiny", "--epochs", "30", "--out", str(run),
                 "--resume", "--no-progress"]) in (1, 2)
    err = capsys.readouterr().err
    assert "epochs: the run has 20, given 30" in err
    assert "activation: the run has 'relu', given 'tanh'" in err


def test_trust_with_class_labels(capsys):
    assert main(["trust", "--estimator", "knn_mixed", "--n", "300", "--dx", "2",
                 "--classes", "3", "--seeds", "2"]) == 0
    table = capsys.readouterr().out
    assert "y = 3 classes" in table and "Gaussian classes" in table
    rows = [line for line in table.splitlines() if line.startswith("| ") and "task" not in line]
    assert len(rows) == 4 and all(" - |" not in r.split("|")[4] for r in rows)  # spread given
