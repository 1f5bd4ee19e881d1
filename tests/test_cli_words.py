"""The command line's words, from a newcomer's trial: every command takes --no-progress, a
folder that is not a run gets one message whichever command reads it, hints name the flags of
the command line (not Python keywords), plurals are English, and the PyTorch extra says how to
install the CPU build."""

from __future__ import annotations

import argparse
import importlib
import sys

import pytest

from infoplane import InfoplaneError, mutual_information
from infoplane._errors import check_choice, plural
from infoplane.cli import build_parser, main


def _commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_command_takes_no_progress(command):
    flags = {f for a in _commands()[command]._actions for f in a.option_strings}
    assert "--no-progress" in flags


def test_plane_runs_with_no_progress(tmp_path, capsys):
    """The flag the issue found refused: accepted, and a bad source still fails on its own."""
    assert main(["plane", str(tmp_path / "missing.npz"), "--no-progress"]) == 1
    assert "unrecognized arguments" not in capsys.readouterr().err


@pytest.mark.parametrize("command", ["plot", "plane", "animate"])
def test_a_folder_that_is_not_a_run_gets_one_message(command, tmp_path, capsys):
    assert main([command, str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"infoplane: error: {tmp_path} is not a run folder: it holds no "
                          "information.npz or config.json"), err
    assert err.rstrip().endswith("run folders are written by infoplane train, infoplane "
                                 "reproduce and the recorders"), err


def test_a_run_that_has_written_nothing_yet_is_not_called_no_run(tmp_path, capsys):
    (tmp_path / "config.json").write_text("{}")
    assert main(["plot", str(tmp_path)]) == 1
    assert "holds no information.npz yet" in capsys.readouterr().err


def test_choices_are_listed_in_english_plurals(capsys):
    assert main(["reproduce", "nope"]) == 2
    assert "valid studies are: " in capsys.readouterr().err
    assert [plural(w) for w in ("study", "activation", "key", "class", "box")] == [
        "studies", "activations", "keys", "classes", "boxes"]
    with pytest.raises(InfoplaneError, match="valid optimisers are"):
        check_choice("optimiser", "x", ["adam"])


def test_a_hint_is_in_the_words_of_the_interface_it_comes_from(capsys):
    """Python: the keyword that overrides the data type; the command line: its flags."""
    assert main(["trust", "--estimator", "plugin", "--n", "50"]) == 2
    err = capsys.readouterr().err
    assert "discrete_x=" not in err and "--estimator" in err and "--classes" in err, err
    with pytest.raises(InfoplaneError, match="discrete_x= / discrete_y="):
        mutual_information([0.1, 0.2, 0.3, 0.4], [0.3, 0.1, 0.2, 0.4], method="plugin")


def test_the_pytorch_extra_says_how_to_install_the_cpu_build(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # as where torch is not installed
    monkeypatch.delitem(sys.modules, "infoplane.integrations.torch", raising=False)
    with pytest.raises(InfoplaneError, match=r'"infoplane\[torch\]" \(on a machine without a '
                       r"GPU, first pip install torch --index-url \S+/cpu"):
        importlib.import_module("infoplane.integrations.torch")
