import csv
import json

import numpy as np
import pytest
from test_distributed import finish, free_port, start

import infoplane.sweeps as sweeps
import infoplane.training.loop as loop
from infoplane._errors import InfoplaneError
from infoplane.cli import main
from infoplane.records import InformationPlane, RunResult, TrainingHistory
from infoplane.runs import read_run, write_checkpoint
from infoplane.sweeps import grid_points, parse_grid, point_name, point_summary, write_summary
from infoplane.training import preset, train

GRID = ["--grid", "activation=tanh,relu", "--grid", "learning_rate=0.001,0.01"]
ROW = ["--grid", "activation=tanh", "--grid", "learning_rate=0.001,0.01"]
# 10 seeds: two groups, so that a run over 2 processes has one for each.
BASE = ["--preset", "tiny", "--seeds", "10", "--set", "chunk_logs=2", "--no-progress"]


def test_parse_grid_reads_numbers_strings_and_lists():
    grid = parse_grid(["activation=tanh,relu", "learning_rate=4e-4,0.001",
                       "hidden=[10,7],[5,5,3]"])
    assert grid == {"activation": ("tanh", "relu"), "learning_rate": (4e-4, 0.001),
                    "hidden": ([10, 7], [5, 5, 3])}
    points = grid_points(grid)
    assert len(points) == 8 and points[0] == {"activation": "tanh", "learning_rate": 4e-4,
                                              "hidden": [10, 7]}
    assert points[1]["hidden"] == [5, 5, 3]  # the last field varies fastest
    assert point_name(points[1]) == "activation=tanh,learning_rate=0.0004,hidden=[5,5,3]"


@pytest.mark.parametrize(("items", "message"), [
    (["activation"], "--grid takes FIELD=V1,V2"),
    (["activation="], "--grid takes FIELD=V1,V2"),
    (["seeds=1,2", "seeds=3"], "names 'seeds' twice"),
])
def test_bad_grids_are_named(items, message):
    with pytest.raises(InfoplaneError, match=message):
        parse_grid(items)


def test_bad_values_fail_before_any_training(tmp_path, capsys):
    code = main(["sweep", *BASE, "--grid", "activation=tanh,swish", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "grid point activation=swish: " in err and "valid activations" in err
    assert not any(tmp_path.iterdir())


def test_point_summary_and_csv_by_hand(tmp_path):
    # Two seeds, three logged epochs, two layers; seed means by hand:
    # I_XT layer 0: [1, 3, 2] -> peak 3 at epoch 10, final 2, compression 1.
    epochs = np.array([0, 10, 100])
    plane = InformationPlane(
        I_XT=np.array([[[0, 1], [2, 1], [1, 1]], [[2, 1], [4, 1], [3, 1]]], float),
        I_TY=np.array([[[0, 0], [1, 1], [1, 2]], [[0, 0], [1, 1], [1, 2]]], float),
        epochs=epochs, layer_names=("L1 (3)", "out (2)"))
    train_acc = np.array([[0.5, 0.8, 0.9], [0.5, 0.8, 0.7]])
    no_weights = np.zeros((2, 3, 0))
    history = TrainingHistory(
        epochs=epochs, train_loss=1 - train_acc, test_loss=1 - train_acc, train_acc=train_acc,
        test_acc=np.array([[0.5, 0.6, 0.6], [0.5, 0.6, 0.8]]), grad_mean=no_weights,
        grad_std=no_weights, weight_norm=no_weights)
    row = point_summary({"activation": "relu"}, RunResult(plane, history))
    assert row["final_I_XT"] == [2.0, 1.0] and row["peak_I_XT"] == [3.0, 1.0]
    assert row["peak_epoch_I_XT"] == [10, 0] and row["compression_I_XT"] == [1.0, 0.0]
    assert row["final_I_TY"] == [1.0, 2.0] and row["peak_I_TY"] == [1.0, 2.0]
    assert row["train_acc"] == pytest.approx(0.8) and row["test_acc"] == pytest.approx(0.7)
    assert row["test_acc_std"] == pytest.approx(0.1) and row["epochs"] == 100
    write_summary(tmp_path, [row])
    table = list(csv.DictReader((tmp_path / "summary.csv").read_text().splitlines()))
    assert [r["layer"] for r in table] == ["L1 (3)", "out (2)"]
    assert table[0]["activation"] == "relu" and float(table[0]["compression_I_XT"]) == 1.0
    assert float(table[1]["final_I_TY"]) == 2.0 and float(table[1]["test_acc"]) == 0.7
    assert json.loads((tmp_path / "summary.json").read_text())["points"][0]["run"] == \
        "activation=relu"


def _interrupt_third_point(monkeypatch):
    """Make the third point of a sweep stop (like Ctrl-C) right after its first checkpoint."""
    calls = []
    real_train, real_checkpoint = sweeps.train, loop.write_checkpoint

    def counting_train(config, out, **kw):
        calls.append((out.name, kw["resume"]))
        return real_train(config, out, **kw)

    def checkpoint_then_stop(run_dir, *args):
        real_checkpoint(run_dir, *args)
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(sweeps, "train", counting_train)
    monkeypatch.setattr(loop, "write_checkpoint", checkpoint_then_stop)
    return calls


@pytest.mark.slow
def test_a_2x2_sweep_interrupted_and_resumed(tmp_path, monkeypatch, capsys):
    out = tmp_path / "sweep"
    calls = _interrupt_third_point(monkeypatch)
    assert main(["sweep", *BASE, *GRID, "--out", str(out)]) == 130  # an interrupt's status
    assert "interrupted; what was recorded is in" in capsys.readouterr().err
    runs = out / "runs"
    done = {p: (runs / p / "information.npz").stat().st_mtime_ns for p in
            ("activation=tanh,learning_rate=0.001", "activation=tanh,learning_rate=0.01")}
    third = runs / "activation=relu,learning_rate=0.001"
    assert not read_run(third).complete
    assert len(json.loads((out / "summary.json").read_text())["points"]) == 2

    calls.clear()
    monkeypatch.setattr(loop, "write_checkpoint", write_checkpoint)
    assert main(["sweep", *BASE, *GRID, "--out", str(out), "--resume"]) == 0
    # The finished points were skipped, the interrupted one continued, the last one started.
    assert calls == [(third.name, True), ("activation=relu,learning_rate=0.01", False)]
    assert {p: (runs / p / "information.npz").stat().st_mtime_ns for p in done} == done
    config = preset("tiny").replace(seeds=10, chunk_logs=2, activation="relu",
                                    learning_rate=0.001)
    uninterrupted = train(config, None, progress=False)
    resumed = read_run(third)
    assert resumed.plane == uninterrupted.plane and resumed.history == uninterrupted.history
    summary = json.loads((out / "summary.json").read_text())
    assert [p["point"] for p in summary["points"]] == grid_points(parse_grid(GRID[1::2]))
    assert summary["provenance"]["method"] == "binning" and "jax" in summary["provenance"][
        "versions"]
    rows = list(csv.DictReader((out / "summary.csv").read_text().splitlines()))
    assert len(rows) == 4 * 6 and rows[0]["activation"] == "tanh"
    assert (out / "overview.png").stat().st_size > 20_000

    # The first row of the grid again, over 2 processes x 1 device: the same numbers.
    port = free_port()
    two = tmp_path / "two"
    results = finish([start(["sweep", *BASE, *ROW, "--out", str(two)], port, i)
                      for i in range(2)], timeout=400)
    assert [c for c, _ in results] == [0, 0], results
    assert json.loads((two / "summary.json").read_text())["points"] == summary["points"][:2]


def test_resume_with_another_grid_is_refused(tmp_path, capsys):
    out = tmp_path / "s"
    out.mkdir()
    (out / "sweep.json").write_text(json.dumps({"base": {}, "grid": {}}))
    code = main(["sweep", *BASE, "--grid", "activation=tanh", "--out", str(out), "--resume"])
    assert code == 2 and "another base configuration or grid" in capsys.readouterr().err


def test_the_overview_titles_do_not_meet_and_the_caption_names_the_estimator(tmp_path,
                                                                             monkeypatch):
    """Long grid values on 2 x 2 panels: each title stays within its panel's width, and the
    caption under the panels names the estimator and its settings."""
    from matplotlib.figure import Figure

    import infoplane.plotting as plotting

    drawn = {}  # the figure, instead of its files
    monkeypatch.setattr(plotting, "save_figure", lambda fig, path: drawn.setdefault("fig", fig))
    epochs = np.array([0, 1, 3])
    rng = np.random.default_rng(0)
    info = InformationPlane(rng.uniform(0, 12, (2, 3, 3)), rng.uniform(0, 1, (2, 3, 3)), epochs,
                            H_X=12.0, H_Y=1.0, layer_names=("L1 (10)", "L2 (7)", "out (2)"),
                            method="binning",
                            settings={"rule": "fixed", "n_bins": 30, "low": -1, "high": 1})
    grid = {"activation": ("softsign", "softplus"), "learning_rate": (0.00123456, 0.0045678)}
    rows = [{"point": {"activation": a, "learning_rate": lr}, "test_acc": 0.9,
             "layers": list(info.layer_names), "compression_I_XT": [1.234, 2.345, 0.5]}
            for a in grid["activation"] for lr in grid["learning_rate"]]
    sweeps.overview_figure(tmp_path, grid, rows, [info] * 4)
    fig = drawn["fig"]
    assert isinstance(fig, Figure)
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    axes = [ax for ax in fig.axes if ax.get_title()]
    assert len(axes) == 4
    for ax in axes:  # a title is no wider than its panel
        assert ax.title.get_window_extent(renderer).width <= ax.get_window_extent(renderer).width
    caption = fig._supxlabel.get_text()
    assert "binning, 30 bins on [-1, 1]" in caption and caption.count("\n") <= 1
