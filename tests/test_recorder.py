"""The framework-neutral Recorder: what it writes, that it resumes, and that bad input is one
clear error that keeps what was recorded before. (Its NumPy plane against the compiled
estimator: test_recorder_plane.py; crashes and failed writes: test_recorder_crash.py.)"""

import gc
import json
import os

import numpy as np
import pytest

from infoplane import Bins, InfoplaneError, Recorder, plane_from_run
from infoplane.integrations import _folder as folder_module
from infoplane.runs import read_activations, read_information, read_npz, read_run

N, BINS = 300, Bins("fixed", 30, -1.0, 1.0)


def binned_plane_numpy(layer: np.ndarray, labels: np.ndarray, edges: np.ndarray):
    """I(X;T) and I(T;Y) in bits of one deterministic layer (n, units) over n equally likely
    inputs: T is the row of bin indices (np.digitize), I(X;T) = H(T), I(T;Y) = H(T) + H(Y) -
    H(T, Y); plain NumPy, the definition written out."""

    def entropy(rows):
        _, counts = np.unique(rows, axis=0, return_counts=True)
        p = counts / counts.sum()
        return float(-(p * np.log2(p)).sum())

    codes = np.digitize(layer, edges)
    h_t = entropy(codes)
    h_ty = entropy(np.column_stack([codes, labels]))
    return h_t, h_t + entropy(labels[:, None]) - h_ty


@pytest.fixture
def probe():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 6)).astype(np.float32)
    return x, (x[:, 0] + 0.3 * x[:, 1] > 0).astype(np.int64)


def layers_at(x, epoch):
    w = np.random.default_rng(epoch).normal(size=(6, 4)).astype(np.float32)
    return {"hidden": np.tanh(x @ w * (1 + epoch)), "out": np.tanh(x[:, :2] * (1 + epoch))}


def test_records_the_binned_plane_of_the_numpy_definition(tmp_path, probe):
    x, y = probe
    with Recorder(tmp_path / "run", x, y, bins=BINS) as rec:
        for epoch in (0, 1, 5):
            rec.record(epoch, layers_at(x, epoch))
    info = read_run(tmp_path / "run")
    assert info.plane.I_XT.shape == (1, 3, 2) and bool(info.complete)
    np.testing.assert_array_equal(info.plane.epochs, [0, 1, 5])
    assert list(info.plane.layer_names) == ["hidden", "out"]
    edges = BINS.edges().astype(np.float32)
    for i, epoch in enumerate((0, 1, 5)):
        for li, layer in enumerate(layers_at(x, epoch).values()):
            ixt, ity = binned_plane_numpy(layer, y, edges)
            # The compiled entropies are float32 sums of n terms (rounding ~1e-6 bits); 1e-5 bits
            # is far above that and far below what one input changing bin moves (~1/n bits).
            assert info.plane.I_XT[0, i, li] == pytest.approx(ixt, abs=1e-5)
            assert info.plane.I_TY[0, i, li] == pytest.approx(ity, abs=1e-5)
    assert info.plane.H_X == pytest.approx(np.log2(N))


# The recorder sums its entropies over pattern counts in float64, the compiled estimator sums
# float32 terms: they agree to float32 rounding of ~10 bits (~1e-6 bits); 1e-5 bits is above
# that and far below what one input changing bin moves (~1/n bits).
SAME = 1e-5


@pytest.mark.slow
@pytest.mark.parametrize("bins", [BINS, None])  # IDNNs bins; the default "layer" rule
def test_plane_from_the_folder_equals_the_recorded_plane(tmp_path, probe, bins):
    x, y = probe
    with Recorder(tmp_path / "run", x, y, bins=bins) as rec:
        for epoch in range(6):
            rec.record(epoch, layers_at(x, epoch))
    recorded = read_information(tmp_path / "run")
    # the incremental plane (one epoch per call) equals the recomputation over all epochs
    again = plane_from_run(tmp_path / "run", method="binning")
    np.testing.assert_allclose(again.I_XT, recorded.I_XT, rtol=0, atol=SAME)
    np.testing.assert_allclose(again.I_TY, recorded.I_TY, rtol=0, atol=SAME)
    epochs, acts = read_activations(tmp_path / "run")
    assert acts[0].dtype == np.float32 and acts[0].shape == (1, 6, N, 4)
    np.testing.assert_array_equal(acts[0][0, 2], layers_at(x, 2)["hidden"])


@pytest.mark.slow
def test_float16_storage_is_what_the_plane_is_computed_from(tmp_path, probe):
    x, y = probe
    with Recorder(tmp_path / "run", x, y, dtype="float16", bins=BINS) as rec:
        rec.record(0, layers_at(x, 0))
    _, acts = read_activations(tmp_path / "run")
    assert acts[0].dtype == np.float16
    again = plane_from_run(tmp_path / "run", method="binning")
    np.testing.assert_allclose(again.I_XT, read_information(tmp_path / "run").I_XT, rtol=0,
                               atol=SAME)


def test_a_folder_has_one_recorder_at_a_time(tmp_path, probe, monkeypatch):
    x, y = probe
    monkeypatch.setattr(folder_module, "LOCK_WAIT_S", 0.3)
    with Recorder(tmp_path / "run", x, y) as rec:
        rec.record(0, layers_at(x, 0))
        with pytest.raises(InfoplaneError, match="another recorder is writing into"):
            Recorder(tmp_path / "run", x, y, resume=True)
        rec.record(1, layers_at(x, 1))
    with Recorder(tmp_path / "run", x, y, resume=True) as rec:  # closed: free again
        rec.record(2, layers_at(x, 2))
    np.testing.assert_array_equal(read_information(tmp_path / "run").epochs,
                                  [0, 1, 2])


def test_the_folder_lock_is_released_once(tmp_path, probe):
    """close() releases the lock; dropping the closed recorder later must not close the same
    descriptor number again, which a file opened since may hold."""
    x, y = probe
    rec = Recorder(tmp_path / "run", x, y)
    rec.record(0, layers_at(x, 0))
    rec.close()
    with open(tmp_path / "other.txt", "w") as other:  # may get the lock's old number
        del rec
        gc.collect()
        other.write("still open")
        other.flush()
        os.fstat(other.fileno())
    assert (tmp_path / "other.txt").read_text() == "still open"
    with pytest.raises(InfoplaneError, match="other inputs"):  # a failed open unlocks
        Recorder(tmp_path / "run", x + 1, y, resume=True)
    Recorder(tmp_path / "run", x, y, resume=True).close()


@pytest.mark.slow
def test_resume_continues_and_refuses_other_inputs(tmp_path, probe):
    x, y = probe
    rec = Recorder(tmp_path / "run", x, y)
    rec.record(0, layers_at(x, 0))
    rec.record(1, layers_at(x, 1))
    rec.flush()  # written; then the recorder is dropped without close(), as if its process died
    del rec
    gc.collect()
    assert not bool(read_npz(tmp_path / "run" / "information.npz")["complete"])
    with pytest.raises(InfoplaneError, match="already exists"):
        Recorder(tmp_path / "run", x, y)
    with pytest.raises(InfoplaneError, match="other inputs"):
        Recorder(tmp_path / "run", x + 1, y, resume=True)
    with Recorder(tmp_path / "run", x, y, resume=True) as rec:
        with pytest.raises(InfoplaneError, match="not after"):
            rec.record(1, layers_at(x, 1))
        rec.record(2, layers_at(x, 2))
    info = read_run(tmp_path / "run")
    np.testing.assert_array_equal(info.plane.epochs, [0, 1, 2])
    assert bool(info.complete)
    fresh = Recorder(tmp_path / "fresh", x, y)
    for epoch in range(3):
        fresh.record(epoch, layers_at(x, epoch))
    fresh.close()
    np.testing.assert_array_equal(read_information(tmp_path / "fresh").I_XT,
                                  info.plane.I_XT)  # the same computation on the same arrays


@pytest.mark.parametrize("bad, message", [
    ({"hidden": np.zeros((N - 1, 4))}, "first axis must hold the 300"),
    ({"hidden": np.full((N, 4), np.nan)}, "NaN"),
    ({"hidden": np.zeros((N, 4)), "extra": np.zeros((N, 2))}, "the layers changed"),
    ({"hidden": np.zeros((N, 5))}, "shapes changed"),
    ({}, "non-empty dict"),
    ({"hidden": np.array(["a"] * N)}, "must be numbers"),
])
def test_bad_activations_are_one_error_and_keep_what_was_recorded(tmp_path, probe, bad,
                                                                  message):
    x, y = probe
    rec = Recorder(tmp_path / "run", x, y)
    rec.record(0, {"hidden": layers_at(x, 0)["hidden"]})
    with pytest.raises(InfoplaneError, match=message):
        rec.record(1, bad)
    rec.flush()
    info = read_run(tmp_path / "run")
    np.testing.assert_array_equal(info.plane.epochs, [0])
    assert len(list((tmp_path / "run" / "activations").iterdir())) == 1


def test_labels_may_be_one_hot_and_must_fit(tmp_path, probe):
    x, y = probe
    rec = Recorder(tmp_path / "onehot", x, np.eye(2)[y])
    np.testing.assert_array_equal(rec.labels, y)
    with pytest.raises(InfoplaneError, match="299 entries but there are 300 inputs"):
        Recorder(tmp_path / "short", x, y[:-1])
    with pytest.raises(InfoplaneError, match="not whole numbers"):
        Recorder(tmp_path / "float", x, y + 0.5)
    with pytest.raises(InfoplaneError, match="dtype must be one of"):
        Recorder(tmp_path / "dtype", x, y, dtype="int8")
    with pytest.raises(InfoplaneError, match="epoch must be a non-negative integer"):
        rec.record(-1, layers_at(x, 0))


def test_config_says_where_the_run_came_from(tmp_path, probe):
    x, y = probe
    with Recorder(tmp_path / "run", x, y) as rec:
        rec.record(0, {"conv": np.tanh(x.reshape(N, 3, 2))})  # (n, ...) flattened per example
    config = json.loads((tmp_path / "run" / "config.json").read_text())["config"]
    assert config["source"] == "recorder" and config["layer_widths"] == [6]


@pytest.mark.slow
def test_inputs_are_stored_for_the_compressed_plane(tmp_path, probe):
    x, y = probe
    with Recorder(tmp_path / "run", x.astype(np.float64), y) as rec:
        for epoch in range(2):
            rec.record(epoch, layers_at(x, epoch))
    stored = read_npz(tmp_path / "run" / "labels.npz")
    assert stored["inputs"].dtype == np.float32
    np.testing.assert_array_equal(stored["inputs"], x)
    plane = plane_from_run(tmp_path / "run", method="compressed")  # needs X
    assert plane.I_XT.shape == (1, 2, 2) and np.isfinite(plane.I_XT).all()
    # Off for a huge probe set: the digest alone, which resume still checks.
    Recorder(tmp_path / "lean", x, y, store_inputs=False).close()
    assert "inputs" not in read_npz(tmp_path / "lean" / "labels.npz")
    with pytest.raises(InfoplaneError, match="other inputs"):
        Recorder(tmp_path / "lean", x[::-1], y, resume=True)


def test_caller_may_reuse_its_arrays_after_record(tmp_path, probe):
    x, y = probe
    buffer = layers_at(x, 0)["hidden"].copy()
    with Recorder(tmp_path / "run", x, y, bins=BINS) as rec:
        rec.record(0, {"hidden": buffer})
        buffer[:] = 0.0  # while the record may still be written in the background
    _, acts = read_activations(tmp_path / "run")
    np.testing.assert_array_equal(acts[0][0, 0], layers_at(x, 0)["hidden"])


def test_float16_refuses_values_it_cannot_hold(tmp_path, probe):
    x, y = probe
    rec = Recorder(tmp_path / "run", x, y, dtype="float16")
    with pytest.raises(InfoplaneError, match="beyond float16"):
        rec.record(0, {"big": np.full((N, 2), 1e6)})
