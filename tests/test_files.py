"""data.files: labels, inputs and activations from the files people have, and one clear error
line for every file that cannot be used."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane import InfoplaneError
from infoplane.data import read_activations, read_labels
from infoplane.data.files import read_inputs

Y = np.array([1, 0, 2, 2, 0, 1, 1, 0])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("one_column.txt", "\n".join(map(str, Y)) + "\n"),
        ("header.csv", "label\n" + "\n".join(map(str, Y)) + "\n"),
        ("one_row.csv", ",".join(map(str, Y)) + "\n"),
        ("semicolons.csv", "; ".join(map(str, Y))),
        ("spaces_and_comment.txt", "# labels of the probe\n" + " ".join(map(str, Y))),
        ("floats.csv", "\n".join(f"{v:.1f}" for v in Y)),
        ("quoted.csv", '"y"\n' + "\n".join(f'"{v}"' for v in Y)),
        ("one_hot.csv", "\n".join(",".join("1" if c == v else "0" for c in range(3))
                                  for v in Y)),
    ],
)
def test_labels_from_text_in_every_common_layout(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    np.testing.assert_array_equal(read_labels(path), Y)


def test_labels_from_npy_npz_and_a_named_column(tmp_path):
    np.save(tmp_path / "y.npy", Y)
    np.save(tmp_path / "onehot.npy", np.eye(3)[Y])
    np.savez(tmp_path / "one.npz", whatever=Y)
    np.savez(tmp_path / "named.npz", x=np.zeros((8, 2)), labels=Y)
    np.savez(tmp_path / "two.npz", a=Y, b=Y[::-1])
    (tmp_path / "table.csv").write_text("id,class\n" + "".join(f"{i},{v}\n"
                                                                for i, v in enumerate(Y)))
    for name in ("y.npy", "onehot.npy", "one.npz", "named.npz"):
        np.testing.assert_array_equal(read_labels(tmp_path / name), Y)
    np.testing.assert_array_equal(read_labels(tmp_path / "two.npz", key="b"), Y[::-1])
    np.testing.assert_array_equal(read_labels(tmp_path / "table.csv", key="class"), Y)
    # The file's kind is told by its bytes, not its name: an .npy called .txt still reads.
    (tmp_path / "y.txt").write_bytes((tmp_path / "y.npy").read_bytes())
    np.testing.assert_array_equal(read_labels(tmp_path / "y.txt"), Y)


def test_an_ambiguous_file_lists_its_names_in_each_interfaces_words(tmp_path):
    np.savez(tmp_path / "two.npz", a=Y, b=Y)
    with pytest.raises(InfoplaneError, match=r"several arrays or columns \(a, b\).*key=NAME"
                       ) as err:
        read_labels(tmp_path / "two.npz")
    assert "--labels-key NAME" in err.value.cli and err.value.usage
    (tmp_path / "table.csv").write_text("id,class\n0,1\n1,0\n")
    with pytest.raises(InfoplaneError, match=r"\(id, class\)"):
        read_labels(tmp_path / "table.csv")
    with pytest.raises(InfoplaneError, match="no column 'y'; its columns are id, class"):
        read_labels(tmp_path / "table.csv", key="y")


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: p.write_text("0\n1\n-1\n"), "non-negative integers"),
        (lambda p: p.write_text("0\n0.5\n"), "non-negative integers"),
        (lambda p: p.write_text("0\nnan\n"), "non-negative integers"),
        (lambda p: p.write_text("0\ncat\n1\n"), "line 2: 'cat' is not a number"),
        (lambda p: p.write_text("0,1\n1\n"), "line 2: 1 values, but line 1 has 2"),
        (lambda p: p.write_text("# nothing\n\n"), "holds no values"),
        (lambda p: np.save(p, np.array(["a", "b"])), "holds <U1 values"),
        (lambda p: np.save(p, np.array([None, 1], dtype=object), allow_pickle=True),
         "Python objects"),
        (lambda p: np.save(p, np.ones((2, 2, 2))), "shape (2, 2, 2)"),
        (lambda p: np.save(p, np.ones((3, 2))), "not one-hot"),
        (lambda p: np.savez(p, a=np.arange(3), b=np.arange(3)), "several arrays"),
        (lambda p: p.write_bytes(bytes(range(256))), "neither text nor an .npy/.npz"),
    ],
)
def test_bad_labels_are_one_line_naming_the_file(tmp_path, write, message):
    path = tmp_path / "labels_file"
    write(path)
    path = path if path.exists() else next(tmp_path.glob("labels_file.*"))
    with pytest.raises(InfoplaneError, match=None) as err:
        read_labels(path)
    assert message in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_activations_from_an_npz_a_folder_of_npy_and_one_npy(tmp_path):
    rng = np.random.default_rng(0)
    layers = {f"layer_{i}": rng.normal(size=(3, 8, w)).astype(np.float32)
              for i, w in ((2, 4), (10, 2), (1, 3))}
    np.savez(tmp_path / "acts.npz", epochs=np.array([0, 5, 9]), labels=Y, **layers)
    names, arrays, extras = read_activations(tmp_path / "acts.npz")
    assert names == ["layer_1", "layer_2", "layer_10"]  # natural order, not 1, 10, 2
    np.testing.assert_array_equal(arrays[2], layers["layer_10"])
    np.testing.assert_array_equal(extras["epochs"], [0, 5, 9])
    np.testing.assert_array_equal(extras["labels"], Y)
    folder = tmp_path / "npy"
    folder.mkdir()
    for name, a in layers.items():
        np.save(folder / f"{name}.npy", a)
    np.save(folder / "labels.npy", Y)
    names, arrays, extras = read_activations(folder)
    assert names == ["layer_1", "layer_2", "layer_10"] and "labels" in extras
    names, arrays, extras = read_activations(folder / "layer_2.npy")
    assert names == ["layer_2"] and arrays[0].shape == (3, 8, 4) and extras == {}


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"a": np.zeros((2, 8, 3), np.int64)}, "holds int64 values"),
        ({"a": np.zeros((8, 3), np.float32)}, "has shape (8, 3)"),
        ({"a": np.zeros((2, 8, 3)), "b": np.zeros((2, 7, 3))}, "the same (seed,) epoch and n"),
        ({"a": np.zeros((2, 8, 3)), "epochs": np.arange(3)}, "expected 2 epoch numbers"),
        ({"a": np.zeros((2, 8, 3)), "labels": np.arange(5)}, "holds 5 labels"),
        ({"labels": Y}, "holds no layer arrays"),
    ],
)
def test_bad_activations_name_the_file_and_the_array(tmp_path, arrays, message):
    np.savez(tmp_path / "acts.npz", **arrays)
    with pytest.raises(InfoplaneError) as err:
        read_activations(tmp_path / "acts.npz")
    assert message in str(err.value) and "acts.npz" in str(err.value)


def test_a_run_folder_is_pointed_to_plane_from_run_and_inputs_read(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(InfoplaneError, match="is a run folder; read its plane with"):
        read_activations(tmp_path)
    np.savez(tmp_path / "x.npz", inputs=np.ones((8, 2, 2)), labels=Y)
    assert read_inputs(tmp_path / "x.npz").shape == (8, 2, 2)
    (tmp_path / "x.csv").write_text("a,b\n1,2\n3,inf\n")
    with pytest.raises(InfoplaneError, match="NaN or inf"):
        read_inputs(tmp_path / "x.csv")
