import json

import numpy as np
import pytest

from infoplane import InfoplaneError, InformationPlane, RunConfig, RunResult, preset, runs
from infoplane.data import _formats
from infoplane.runs import (
    read_checkpoint,
    read_config,
    read_information,
    read_run,
    write_checkpoint,
    write_config,
    write_information,
)


def test_checkpoint_round_trip(tmp_path):
    assert read_checkpoint(tmp_path) is None  # a run that has saved no chunk yet
    leaves = [np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, 2], dtype=np.int32)]
    write_checkpoint(tmp_path, 3, leaves)
    next_chunk, back = read_checkpoint(tmp_path)
    assert next_chunk == 3 and len(back) == 2
    for a, b in zip(leaves, back, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype


def test_config_round_trip_with_versions(tmp_path):
    config = preset("tiny")
    write_config(tmp_path, config.to_dict(), logged_epochs=np.array([0, 10, 59]), n_chunks=2,
                 devices=["cpu:0"])
    assert RunConfig.from_dict(read_config(tmp_path)) == config
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["logged_epochs"] == [0, 10, 59] and saved["n_chunks"] == 2
    assert {"infoplane", "jax", "optax", "numpy", "python"} <= set(saved["versions"])
    assert saved["versions"]["devices"] == ["cpu:0"]


def test_information_round_trip_and_a_clear_error(tmp_path):
    plane = InformationPlane(np.ones((2, 3, 4)), np.zeros((2, 3, 4)), np.arange(3))
    write_information(tmp_path, RunResult(plane, complete=False))
    assert read_information(tmp_path) == plane
    back = read_run(tmp_path)
    assert back.plane == plane and back.history is None and not back.complete
    runs.write_npz(tmp_path / "information.npz", epochs=np.arange(3))
    with pytest.raises(InfoplaneError, match="no I_XT / I_TY arrays"):
        read_information(tmp_path)


def test_write_npz_is_what_np_load_reads_for_every_kind_of_array(tmp_path, monkeypatch):
    # write_npz writes contiguous numeric arrays from their memory in pieces; a small piece
    # size makes the arrays below cross several piece boundaries (and one end exactly on one).
    monkeypatch.setattr(_formats, "WRITE_PIECE", 64)
    arrays = {
        "floats": np.arange(300, dtype=np.float32).reshape(3, 100),
        "exact": np.arange(16, dtype=np.float64),  # 128 bytes: two whole pieces
        "half": np.float16([1.5, -2.0]),
        "strided": np.arange(40)[::3],
        "fortran": np.asfortranarray(np.arange(12.0).reshape(3, 4)),
        "empty": np.zeros((0, 5), np.float32),
        "scalar": np.int64(7),
        "flag": np.bool_(True),
        "text": np.array("binning"),
        "names": np.array(["dense", "conv1d_1"]),
        "objects": np.array([{"a": 1}, None], dtype=object),
        "record": np.zeros(3, dtype=[("x", "f4"), ("y", "i8")]),
    }
    runs.write_npz(tmp_path / "a.npz", **arrays)
    with np.load(tmp_path / "a.npz", allow_pickle=True) as f:
        assert sorted(f.files) == sorted(arrays)
        for name, want in arrays.items():
            got, want = f[name], np.asarray(want)
            assert got.dtype == want.dtype and got.shape == want.shape, name
            assert got.tolist() == want.tolist(), name
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed
