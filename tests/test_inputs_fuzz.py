"""Every command that reads a file, fed broken files: truncated, empty, garbage, wrong dtype
(strings), pickled objects, mismatched lengths, missing, and a folder where a file belongs.
Each must end with exactly one line on stderr, no traceback, and exit status 1 (a bad file)
or 2 (a command that cannot run as typed), as ``infoplane --help`` documents.

The commands run in-process (``infoplane.cli.main``); one check runs the real console script.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from infoplane.cli import main

N, EPOCHS = 40, 2
BROKEN = ("missing", "empty", "folder", "truncated", "garbage", "strings", "objects",
          "mismatched")


def _good_files(root: Path) -> dict[str, Path]:
    """One good file of every kind a command reads."""
    rng = np.random.default_rng(0)
    files = {"acts": root / "acts.npz", "labels": root / "labels.npy",
             "inputs": root / "inputs.npy", "config": root / "config.json",
             "dataset": root / "data.npz", "information": root / "information.npz"}
    np.savez(files["acts"], layer_0=rng.normal(size=(EPOCHS, N, 3)).astype(np.float32),
             layer_1=rng.normal(size=(EPOCHS, N, 2)).astype(np.float32))
    np.save(files["labels"], np.arange(N) % 2)
    np.save(files["inputs"], rng.normal(size=(N, 4)))
    files["config"].write_text(json.dumps({"seeds": 1, "epochs": 2, "hidden": [3]}))
    np.savez(files["dataset"], X=rng.normal(size=(N, 4)), y=np.arange(N) % 2)
    np.savez(files["information"], I_XT=rng.random((1, EPOCHS, 2)), I_TY=rng.random((1, EPOCHS, 2)),
             epochs=np.arange(EPOCHS))
    return files


def _break(good: Path, how: str, root: Path) -> Path:
    """A broken version of the file ``good``."""
    bad = root / f"{how}_{good.name}"
    if how == "missing":
        return bad
    if how == "folder":
        bad.mkdir()
    elif how == "empty":
        bad.write_bytes(b"")
    elif how == "truncated":
        data = good.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        bad.write_bytes(bytes(range(256)) * 4)
    elif how in ("strings", "objects"):
        value = (np.array(["a", "b"] * (N // 2)) if how == "strings"
                 else np.array([{"a": 1}, None] * (N // 2), dtype=object))
        if good.suffix == ".json":
            bad.write_text(json.dumps(["not", "a", "config"]) if how == "strings"
                           else json.dumps({"epochs": {"a": 1}}))
        elif good.suffix == ".npy":
            np.save(bad, value, allow_pickle=True)
        else:
            with np.load(good) as f:
                np.savez(bad, **{k: value for k in f.files})
    elif how == "mismatched":
        _mismatched(good, bad)
    return bad


def _mismatched(good: Path, bad: Path) -> None:
    """The right kind of file, with a length or shape that does not fit the others."""
    if good.suffix == ".json":
        bad.write_text(json.dumps({"seeds": 1, "epochs": 2, "colour": "red"}))
    elif good.suffix == ".npy":
        np.save(bad, np.load(good)[: N // 2])
    elif good.name == "acts.npz":
        np.savez(bad, layer_0=np.zeros((EPOCHS, N, 3), np.float32),
                 layer_1=np.zeros((EPOCHS + 1, N, 2), np.float32))
    elif good.name == "data.npz":
        np.savez(bad, X=np.zeros((N, 4)), y=np.arange(N // 2) % 2)
    else:
        np.savez(bad, I_XT=np.zeros((1, EPOCHS, 2)), I_TY=np.zeros((1, EPOCHS, 2)),
                 epochs=np.arange(EPOCHS + 3))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    return root, _good_files(root)


def _run_folder(root: Path, information: Path, how: str) -> Path:
    """A run folder whose information.npz is ``information`` (or missing, or a folder)."""
    run = root / f"run_{how}"
    run.mkdir(exist_ok=True)
    (run / "config.json").write_text(json.dumps({"config": {}, "logged_epochs": [0, 1]}))
    target = run / "information.npz"
    if information.is_dir():
        target.mkdir(exist_ok=True)
    elif information.exists():
        shutil.copy(information, target)
    return run


def _argv(command: str, bad: Path, good: dict, root: Path, how: str) -> list[str]:
    out = str(root / f"out_{command}_{how}")
    return {
        "plane source": ["plane", str(bad), "--labels", str(good["labels"]), "--out", out],
        "plane labels": ["plane", str(good["acts"]), "--labels", str(bad), "--out", out],
        "plane inputs": ["plane", str(good["acts"]), "--labels", str(good["labels"]),
                         "--estimator", "compressed", "--inputs", str(bad), "--out", out],
        "plot": ["plot", str(_run_folder(root, bad, how))],
        "animate": ["animate", str(_run_folder(root, bad, how))],
        "train --config": ["train", "--config", str(bad), "--out", out, "--no-progress"],
        "sweep --config": ["sweep", "--config", str(bad), "--grid", "seeds=1,2", "--out", out,
                           "--no-progress"],
        "train --set dataset": ["train", "--preset", "tiny", "--set", f"dataset={bad}",
                                "--out", out, "--no-progress"],
        "reproduce --set dataset": ["reproduce", "tishby2017", "--quick", "--set",
                                    f"dataset={bad}", "--out", out, "--no-progress"],
    }[command]


SLOTS = {"plane source": "acts", "plane labels": "labels", "plane inputs": "inputs",
         "plot": "information", "animate": "information", "train --config": "config",
         "sweep --config": "config", "train --set dataset": "dataset",
         "reproduce --set dataset": "dataset"}


@pytest.mark.parametrize("how", BROKEN)
@pytest.mark.parametrize("command", list(SLOTS))
def test_a_broken_file_is_one_line_and_a_failure(command, how, files, capsys):
    root, good = files
    bad = _break(good[SLOTS[command]], how, root / command.replace(" ", "_").replace("-", ""))
    code = main(_argv(command, bad, good, root, how))
    err = capsys.readouterr().err
    assert code in (1, 2), (code, err)
    assert err.count("\n") == 1 and err.startswith("infoplane"), err
    assert "Traceback" not in err


@pytest.fixture(scope="module", autouse=True)
def _slot_folders(files):
    root, _ = files
    for command in SLOTS:
        (root / command.replace(" ", "_").replace("-", "")).mkdir(exist_ok=True)


@pytest.mark.slow
@pytest.mark.subprocess
def test_the_console_script_prints_one_line(files):
    root, good = files
    bad = _break(good["labels"], "truncated", root / "plane_labels")
    script = shutil.which("infoplane")
    command = [script] if script else [sys.executable, "-m", "infoplane.cli"]
    repo = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (repo, os.environ.get("PYTHONPATH")) if p))
    done = subprocess.run([*command, "plane", str(good["acts"]), "--labels", str(bad)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert str(bad) in done.stderr and "truncated or corrupt" in done.stderr
