"""The typed records that cross the stages (``infoplane.records``): a plane written and read
back is the same record, files of earlier versions read, and bad shapes are one line."""

from dataclasses import fields, replace

import numpy as np
import pytest

from infoplane import InfoplaneError, InformationPlane, RunResult, TrainingHistory
from infoplane.runs import read_information, read_run, write_npz

OPTIONAL = ("I_XT_stderr", "I_TY_stderr", "I_TY_lower", "I_TY_lower_stderr", "I_TY_upper",
            "I_TY_outside", "I_XT_lower", "I_XT_upper", "dim_T", "saturated")


def random_plane(seed: int) -> InformationPlane:
    """A plane of random shape whose optional fields are each there or not, at random."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(v) for v in rng.integers(1, 5, 3))
    extra = {}
    for name in OPTIONAL:
        if rng.random() < 0.5:
            continue
        if name in ("I_TY_outside", "saturated"):
            extra[name] = rng.random(shape) < 0.3
        elif name == "dim_T":
            extra[name] = rng.integers(0, 9, shape)
        else:
            extra[name] = rng.normal(size=shape)
    if rng.random() < 0.3:  # NaN where an estimate failed
        extra["I_XT_stderr"] = np.full(shape, np.nan)
    return InformationPlane(
        I_XT=rng.uniform(0, 12, shape), I_TY=rng.uniform(0, 1, shape),
        epochs=np.sort(rng.choice(1000, shape[1], replace=False)),
        layer_names=tuple(f"L{i} ({rng.integers(2, 9)})" for i in range(shape[2]))
        if rng.random() < 0.7 else (),
        H_X=float(rng.uniform(1, 12)) if rng.random() < 0.7 else None,
        H_Y=float(rng.uniform(0, 1)) if rng.random() < 0.7 else None,
        method=str(rng.choice(["binning", "kde_upper", "compressed"])) if rng.random() < 0.8
        else None,
        unit=str(rng.choice(["bits", "nats"])),
        settings={"n_bins": int(rng.integers(2, 100)), "rule": "fixed", "low": -1.0,
                  "ranges": [[0.0, 1.5]]},
        provenance={"method": "binning", "source": "somewhere", "versions": {"numpy": "2"}}
        if rng.random() < 0.5 else {},
        layers=tuple(int(v) for v in rng.integers(0, 9, shape[2])) if rng.random() < 0.5
        else None,
        warnings=tuple(f"warning {i}" for i in range(int(rng.integers(0, 3)))), **extra)


@pytest.mark.parametrize("seed", range(25))
def test_a_plane_written_and_read_back_is_the_same_record(tmp_path, seed):
    plane = random_plane(seed)
    path = plane.to_npz(tmp_path / "information_x.npz")
    back = InformationPlane.from_npz(path)
    assert back == plane
    assert read_information(path) == plane
    # every field, not only those __eq__ looks at: a field left out would show here
    for f in fields(InformationPlane):
        a, b = getattr(back, f.name), getattr(plane, f.name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape, f.name
    changed = replace(plane, I_TY=plane.I_TY + 1e-9)
    assert changed != plane


def test_a_run_written_and_read_back_is_the_same_record(tmp_path):
    plane = random_plane(3)
    s, e, _ = plane.I_XT.shape
    rng = np.random.default_rng(0)
    history = TrainingHistory(
        epochs=plane.epochs, train_loss=rng.random((s, e)), test_loss=rng.random((s, e)),
        train_acc=rng.random((s, e)), test_acc=rng.random((s, e)),
        grad_mean=rng.random((s, e, 2)), grad_std=rng.random((s, e, 2)),
        weight_norm=rng.random((s, e, 2)), weight_names=("0.w", "1.w"))
    run = RunResult(plane, history, complete=False, seeds=np.arange(s), layer_widths=(3, 2),
                    compile_seconds=1.5, train_seconds=None)
    run.to_npz(tmp_path / "information.npz")
    assert read_run(tmp_path) == run
    assert read_information(tmp_path) == plane
    without = RunResult(plane)  # a recorder's run: a plane and no history
    without.to_npz(tmp_path / "information.npz")
    assert read_run(tmp_path) == without and read_run(tmp_path).history is None


def test_files_of_earlier_versions_read(tmp_path):
    """information.npz as training wrote it before the records (float32 seed intervals, the
    method only in the provenance), and a plane of activations without a seed axis as
    ``plane_from_npz`` wrote it (settings JSON, no unit)."""
    rng = np.random.default_rng(0)
    ixt, ity = rng.uniform(0, 12, (2, 3, 4)).astype(np.float32), rng.random((2, 3, 4))
    write_npz(tmp_path / "information.npz", I_XT=ixt, I_TY=ity, epochs=np.array([0, 1, 5]),
              layer_names=np.array(["L1 (10)", "L2 (7)", "L3 (5)", "out (2)"]),
              layer_widths=np.array([10, 7, 5, 2]), weight_names=np.array(["a", "b"]),
              seeds=np.arange(2), H_X=np.float64(12.0), H_Y=np.float64(0.99),
              train_loss=rng.random((2, 3)), test_loss=rng.random((2, 3)),
              train_acc=rng.random((2, 3)), test_acc=rng.random((2, 3)),
              grad_mean=rng.random((2, 3, 2)), grad_std=rng.random((2, 3, 2)),
              weight_norm=rng.random((2, 3, 2)), complete=np.bool_(True),
              I_XT_ci95=np.zeros((2, 3, 4), np.float32), I_TY_ci95=np.zeros((2, 3, 4)),
              compile_seconds=np.float64(2.0), train_seconds=np.float64(3.0),
              provenance=np.array('{"method": "binning", "settings": {"n_bins": 30, "n": '
                                  '4096}, "source": "tishby12", "versions": {}}'))
    run = read_run(tmp_path)
    np.testing.assert_array_equal(run.plane.I_XT, ixt)  # float32 values, as float64
    assert run.plane.method == "binning" and run.plane.settings == {"n_bins": 30, "n": 4096}
    assert run.plane.unit == "bits" and run.plane.layer_names[-1] == "out (2)"
    assert run.history.weight_names == ("a", "b") and run.layer_widths == (10, 7, 5, 2)
    assert run.complete and run.train_seconds == 3.0
    write_npz(tmp_path / "information_kde.npz", I_XT=ixt[0], I_TY=ity[0],
              epochs=np.arange(3), layer_names=np.array(["a", "b", "c", "d"]),
              method=np.array("kde_upper"), settings=np.array('{"noise_var": 0.1}'),
              warnings=np.array([], dtype=str))
    kde = read_information(tmp_path / "information_kde.npz")
    assert kde.I_XT.shape == (1, 3, 4) and kde.settings == {"noise_var": 0.1}
    assert kde.method == "kde_upper" and kde.warnings == () and kde.H_X is None


@pytest.mark.parametrize(("change", "match"), [
    ({"I_TY": np.zeros((2, 3, 5))}, r"^I_TY has shape \(2, 3, 5\) but I_XT \(2, 3, 4\)"),
    ({"I_XT": np.zeros(3), "I_TY": np.zeros(3)}, r"^I_XT must be \[seed, epoch, layer\]"),
    ({"epochs": np.arange(4)}, r"^epochs must be 3 numbers"),
    ({"layer_names": ("a", "b")}, r"^layer_names has 2 names but the plane has 4 layers"),
    ({"I_TY_lower": np.zeros((2, 3, 3))}, r"^I_TY_lower has shape \(2, 3, 3\); it must be"),
    ({"unit": "shannons"}, r"^unit must be 'bits' or 'nats'"),
    ({"I_XT": np.full((2, 3, 4), "x")}, r"^I_XT must hold numbers"),
    ({"layers": (0, 1)}, r"^layers has 2 indices but the plane has 4 layers"),
])
def test_bad_shapes_are_one_line(change, match):
    good = {"I_XT": np.zeros((2, 3, 4)), "I_TY": np.zeros((2, 3, 4)), "epochs": np.arange(3)}
    with pytest.raises(InfoplaneError, match=match) as err:
        InformationPlane(**(good | change))
    assert "\n" not in str(err.value)


def test_a_history_of_bad_shapes_and_a_file_without_a_plane_are_one_line(tmp_path):
    a = np.zeros((2, 3))
    w = np.zeros((2, 3, 2))
    with pytest.raises(InfoplaneError, match=r"^test_acc has shape \(2, 4\); it must be "):
        TrainingHistory(np.arange(3), a, a, a, np.zeros((2, 4)), w, w, w)
    with pytest.raises(InfoplaneError, match="weight_names has 1 names for 2 weights"):
        TrainingHistory(np.arange(3), a, a, a, a, w, w, w, weight_names=("x",))
    write_npz(tmp_path / "x.npz", I_XT=np.zeros((2, 3)), I_TY=np.zeros((2, 4)))
    with pytest.raises(InfoplaneError, match=r"x\.npz is not an infoplane information file: "
                                             r"I_TY has shape"):
        read_information(tmp_path / "x.npz")


def test_select_cuts_every_point_array_alike():
    plane = random_plane(7)
    plane = replace(plane, I_TY_outside=plane.I_XT > 6, layers=tuple(range(plane.I_XT.shape[2])))
    cut = plane.select(layers=[plane.I_XT.shape[2] - 1], seeds=[0])
    assert cut.I_XT.shape == (1, plane.I_XT.shape[1], 1)
    np.testing.assert_array_equal(cut.I_TY_outside[0, :, 0], plane.I_TY_outside[0, :, -1])
    assert cut.layer_names == plane.layer_names[-1:] and cut.layers == plane.layers[-1:]


def bracketed_plane(method: str = "binning") -> InformationPlane:
    """Two layers, one seed, three epochs, with both brackets and flags that fit its values:
    no point outside."""
    shape = (1, 3, 2)
    lower = np.full(shape, 1.0)
    return InformationPlane(
        I_XT=np.full(shape, 2.0), I_TY=np.full(shape, 1.5), epochs=np.arange(3),
        layer_names=("dense_0", "dense_1"), H_Y=2.0, method=method,
        I_XT_stderr=np.full(shape, 0.1), I_TY_stderr=np.full(shape, 0.1), I_TY_lower=lower,
        I_TY_lower_stderr=np.full(shape, 0.05), I_TY_upper=np.full(shape, 2.0),
        I_TY_outside=np.zeros(shape, bool), I_XT_lower=np.full(shape, 1.0),
        I_XT_upper=np.full(shape, 3.0), I_XT_outside=np.zeros(shape, bool),
        saturated=np.zeros(shape, bool), warnings=("an old warning",))


def test_with_values_marks_the_new_points_outside_the_kept_bracket():
    """New values below the probe bound (by more than 2 standard errors + 0.01 bit) and
    above H(Y) are marked, the others not; the old values' errors, flags and warnings go, and
    the messages name the layer."""
    plane = bracketed_plane()
    ity = plane.I_TY.copy()
    ity[0, 0, 1] = 0.5   # 0.5 below the bound 1.0 (slack 2 * 0.05 + 0.01 = 0.11): outside
    ity[0, 1, 1] = 0.95  # within the slack: inside
    ity[0, 2, 0] = 2.5   # above H(Y) = 2: outside
    new = plane.with_values(plane.I_XT, ity, method="knn")
    expected = np.zeros((1, 3, 2), bool)
    expected[0, 0, 1] = expected[0, 2, 0] = True
    np.testing.assert_array_equal(new.I_TY_outside, expected)
    np.testing.assert_array_equal(new.I_TY_lower, plane.I_TY_lower)
    assert new.I_TY_stderr is None and new.I_XT_stderr is None and new.saturated is None
    assert new.method == "knn" and "an old warning" not in new.warnings
    assert any("layer dense_1" in w and "1 below the probe bound" in w for w in new.warnings)
    assert any("layer dense_0" in w and "1 above H(Y)" in w for w in new.warnings)
    assert not plane.I_TY_outside.any()  # the record it came from is unchanged


def test_with_values_marks_i_xt_only_for_the_compressed_method():
    plane = bracketed_plane("compressed")
    ixt = plane.I_XT.copy()
    ixt[0, 1, 0] = 5.0  # above the Kolchinsky-Tracey upper bound 3.0
    assert plane.with_values(ixt, plane.I_TY).I_XT_outside[0, 1, 0]
    assert not plane.with_values(ixt, plane.I_TY, method="binning").I_XT_outside.any()


def test_with_values_without_the_bracket_drops_it():
    """Values of another quantity (I(T;Y) of other labels) keep no bracket and no marks."""
    plane = bracketed_plane()
    new = plane.with_values(plane.I_XT, plane.I_TY - 1.2, bracket=False)
    for name in ("I_TY_lower", "I_TY_lower_stderr", "I_TY_upper", "I_TY_outside",
                 "I_XT_lower", "I_XT_upper", "I_XT_outside"):
        assert getattr(new, name) is None, name
    assert new.warnings == ()
