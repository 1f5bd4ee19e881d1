"""The command line's failures: one line each, in the command line's words, with the exit
status its --help documents (2 usage, 130 interrupted, 1 otherwise)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import infoplane.training
from infoplane import InfoplaneError
from infoplane.cli import build_parser, main


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_help_documents_the_exit_codes(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for line in ("exit status:", "  1  ", "  2  ", "  130  "):
        assert line in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--epochs", "abc"], "argument --epochs: invalid int value: 'abc'"),
        (["plane"], "the following arguments are required: source"),
        (["bogus"], "invalid choice: 'bogus'"),
        (["plane", "x.npz", "--estimator", "knn_mixed"], "invalid choice: 'knn_mixed'"),
        (["train", "--set", "hidden=[10,7"],
         "--set hidden=[10,7: the list is not closed (no ']' at its end)"),
        (["train", "--set", "hidden=[10,,7]"], "--set hidden=[10,,7]: not valid JSON"),
        (["train", "--set", "hidden=10,7"], "hidden must be a list of integers"),
        (["train", "--resume", "--overwrite"], "choose either --resume or --overwrite"),
        (["plane", "x.npz", "--set", "n_bins"], "--set takes NAME=VALUE"),
    ],
)
def test_usage_errors_exit_2_in_one_line(argv, message, capsys, tmp_path):
    argv = [*argv, "--out", str(tmp_path / "o")] if argv[0] == "train" else argv
    assert main(argv) == 2
    assert message in _one_line(capsys)


def test_file_errors_exit_1_and_name_the_file(capsys, tmp_path):
    assert main(["plot", str(tmp_path / "nowhere")]) == 1
    assert "no such file" in _one_line(capsys)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"epochs": 0}))
    assert main(["train", "--config", str(config), "--out", str(tmp_path / "o")]) == 1
    assert f"{config}: epochs must be a positive integer" in _one_line(capsys)
    # the same bad value given as a flag is a usage error
    assert main(["train", "--epochs", "0", "--out", str(tmp_path / "o")]) == 2
    _one_line(capsys)


def _raise(error):
    def fake(*args, **kwargs):
        raise error
    return fake


def _interrupted_run(*args, **kwargs):
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt:  # what train() does: keep what was recorded, say how to go on
        raise InfoplaneError("interrupted; what was recorded is in RUN; continue with "
                             "resume=True", cli="interrupted; what was recorded is in RUN; "
                             "continue with --resume") from None


@pytest.mark.parametrize("fake", [_raise(KeyboardInterrupt()), _interrupted_run])
def test_an_interrupt_exits_130(fake, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(infoplane.training, "train", fake)
    assert main(["train", "--preset", "tiny", "--out", str(tmp_path / "o")]) == 130
    err = _one_line(capsys)
    assert err.startswith("infoplane: interrupted") and "error" not in err
    assert "resume=True" not in err  # the command line's words, not the API's


def test_unexpected_errors_are_one_line_and_os_errors_in_the_systems_words(
        monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(infoplane.training, "train", _raise(ZeroDivisionError("boom")))
    assert main(["train", "--preset", "tiny", "--out", str(tmp_path / "o")]) == 1
    assert "unexpected ZeroDivisionError: boom (a bug" in _one_line(capsys)
    monkeypatch.setattr(infoplane.training, "train", _raise(PermissionError(13, "denied", "f")))
    assert main(["train", "--preset", "tiny", "--out", str(tmp_path / "o")]) == 1
    assert "[Errno 13] denied: 'f'" in _one_line(capsys)


def test_the_api_and_the_command_line_each_speak_their_own_words(tmp_path, capsys):
    from infoplane.runs import prepare_dir

    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "file").write_text("x")
    with pytest.raises(InfoplaneError, match="pass resume=True to continue it or "
                       "overwrite=True") as err:
        prepare_dir(tmp_path / "run", resume=False, overwrite=False)
    assert "--resume" not in str(err.value) and "--resume" in err.value.cli
    np.savez(tmp_path / "acts.npz", a=np.zeros((1, 4, 2)), b=np.zeros((1, 4, 2)))
    np.savez(tmp_path / "y.npz", p=np.arange(4) % 2, q=np.arange(4) % 2)
    assert main(["plane", str(tmp_path / "acts.npz"), "--labels", str(tmp_path / "y.npz")]) == 2
    err = _one_line(capsys)
    assert "--labels-key NAME" in err and "key=" not in err


def test_plane_help_lists_exactly_the_planes_methods(capsys):
    from infoplane.plane import PLANE_METHODS

    parser = build_parser()
    plane = parser._subparsers._group_actions[0].choices["plane"]
    estimator = next(a for a in plane._actions if a.dest == "estimator")
    assert tuple(estimator.choices) == tuple(PLANE_METHODS)
    assert "knn_mixed" not in plane.format_help()
