import gzip
import struct

import numpy as np
import pytest

from infoplane import InfoplaneError, load_dataset
from infoplane.data import load_idx, read_idx
from infoplane.data.idx import IMAGES_MAGIC, LABELS_MAGIC

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(7, 3, 4), dtype=np.uint8)
IMAGES[0, 0, 0], IMAGES[0, 0, 1] = 0, 255  # the ends of the pixel range
LABELS = np.array([0, 1, 2, 9, 4, 5, 3], dtype=np.uint8)


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    """The IDX encoding, written independently of the reader: big-endian header, raw bytes."""
    return struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.tobytes()


def write(path, data: bytes):
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


@pytest.fixture
def files(tmp_path):
    return (write(tmp_path / "images-idx3-ubyte", idx_bytes(IMAGES, IMAGES_MAGIC)),
            write(tmp_path / "labels-idx1-ubyte", idx_bytes(LABELS, LABELS_MAGIC)))


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip_plain_and_gzipped(tmp_path, suffix):
    images = write(tmp_path / f"im{suffix}", idx_bytes(IMAGES, IMAGES_MAGIC))
    labels = write(tmp_path / f"lab{suffix}", idx_bytes(LABELS, LABELS_MAGIC))
    data = load_idx(images, labels)
    assert data.x.shape == (7, 12) and data.x.dtype == np.float32
    np.testing.assert_array_equal(data.x, IMAGES.reshape(7, 12) / np.float32(255))
    assert data.x[0, 0] == 0.0 and data.x[0, 1] == 1.0
    np.testing.assert_array_equal(data.y, LABELS)
    assert data.y.dtype == np.int32 and data.n_classes == 10


def test_gzip_detected_by_content_and_limit(tmp_path):
    images = write(tmp_path / "im.gz", idx_bytes(IMAGES, IMAGES_MAGIC))
    renamed = images.rename(tmp_path / "im-no-suffix")
    labels = write(tmp_path / "lab", idx_bytes(LABELS, LABELS_MAGIC))
    data = load_idx(renamed, labels, limit=3)
    np.testing.assert_array_equal(data.y, LABELS[:3])
    assert data.x.shape == (3, 12) and data.n_classes == 3


def test_read_idx_shapes(files):
    assert read_idx(files[0], IMAGES_MAGIC).shape == (7, 3, 4)
    assert read_idx(files[1], LABELS_MAGIC).shape == (7,)


def test_wrong_magic(files):
    images, labels = files
    with pytest.raises(InfoplaneError, match="magic number 0x00000801, expected 0x00000803"):
        load_idx(labels, labels)  # labels given as images
    with pytest.raises(InfoplaneError, match="magic number 0x00000803, expected 0x00000801"):
        load_idx(images, images)


@pytest.mark.parametrize("cut", [2, 10, 16 + 5])
def test_truncated(tmp_path, files, cut):
    data = files[0].read_bytes()[:cut]
    short = write(tmp_path / "short", data)
    with pytest.raises(InfoplaneError, match="truncated"):
        load_idx(short, files[1])


def test_longer_than_header(tmp_path, files):
    long = write(tmp_path / "long", files[1].read_bytes() + b"\x00")
    with pytest.raises(InfoplaneError, match="longer than its header"):
        load_idx(files[0], long)


def test_corrupt_gzip(tmp_path, files):
    bad = tmp_path / "bad.gz"
    bad.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(InfoplaneError, match="not a readable gzip file"):
        load_idx(bad, files[1])


def test_mismatched_counts(tmp_path, files):
    labels = write(tmp_path / "lab5", idx_bytes(LABELS[:5], LABELS_MAGIC))
    with pytest.raises(InfoplaneError, match="7 images but .* 5 labels"):
        load_idx(files[0], labels)


def test_missing_file(tmp_path, files):
    with pytest.raises(InfoplaneError, match="no such file"):
        load_idx(tmp_path / "absent-idx3-ubyte.gz", files[1])


@pytest.mark.parametrize("limit", [0, -1, 2.5])
def test_bad_limit(files, limit):
    with pytest.raises(InfoplaneError, match="limit must be a positive integer"):
        load_idx(*files, limit=limit)


def mnist_folder(folder, parts=("train", "t10k"), suffix=""):
    """A tiny MNIST-format folder: train holds IMAGES[:4], t10k IMAGES[4:] (and their labels)."""
    folder.mkdir(exist_ok=True)
    rows = {"train": slice(0, 4), "t10k": slice(4, None)}
    for part in parts:
        write(folder / f"{part}-images-idx3-ubyte{suffix}", idx_bytes(IMAGES[rows[part]],
                                                                      IMAGES_MAGIC))
        write(folder / f"{part}-labels-idx1-ubyte{suffix}", idx_bytes(LABELS[rows[part]],
                                                                      LABELS_MAGIC))
    return folder


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_load_dataset_of_a_folder_is_train_rows_then_t10k_rows(tmp_path, suffix):
    folder = mnist_folder(tmp_path / "mnist", suffix=suffix)
    data = load_dataset(str(folder))
    np.testing.assert_array_equal(data.x, IMAGES.reshape(7, 12) / np.float32(255))
    np.testing.assert_array_equal(data.y, LABELS)
    assert data.x.dtype == np.float32 and data.y.dtype == np.int32
    assert data.n_classes == 10 and data.name == "mnist"


def test_load_dataset_of_a_folder_without_t10k_prefers_plain_files(tmp_path):
    folder = mnist_folder(tmp_path / "mnist", parts=("train",))
    # A stale .gz beside the plain file (as `gunzip -k` leaves) is ignored.
    write(folder / "train-labels-idx1-ubyte.gz", idx_bytes(LABELS[:4] * 0, LABELS_MAGIC))
    data = load_dataset(str(folder))
    np.testing.assert_array_equal(data.y, LABELS[:4])
    assert data.x.shape == (4, 12) and data.n_classes == 10


def test_load_dataset_folder_errors(tmp_path):
    with pytest.raises(InfoplaneError, match="no such folder"):
        load_dataset(str(tmp_path / "absent"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InfoplaneError, match="no train-images-idx3-ubyte"):
        load_dataset(str(empty))
    half = mnist_folder(tmp_path / "half", parts=("train",))
    write(half / "t10k-images-idx3-ubyte", idx_bytes(IMAGES[4:], IMAGES_MAGIC))
    with pytest.raises(InfoplaneError, match="t10k-images-idx3-ubyte has no matching t10k labels"):
        load_dataset(str(half))
    odd = mnist_folder(tmp_path / "odd", parts=("train",))
    write(odd / "t10k-images-idx3-ubyte", idx_bytes(IMAGES[4:, :2], IMAGES_MAGIC))
    write(odd / "t10k-labels-idx1-ubyte", idx_bytes(LABELS[4:], LABELS_MAGIC))
    with pytest.raises(InfoplaneError, match="differ in size"):
        load_dataset(str(odd))
