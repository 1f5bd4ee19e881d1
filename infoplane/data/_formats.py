"""The file formats behind ``files``: a file that must exist and hold something, its kind told
by its first bytes (.npy, .npz, else text), and .npy / .npz archives read without ever
unpickling, where anything unreadable is one error line naming the file and what was
expected."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .._errors import InfoplaneError


def existing_file(path, expected: str) -> Path:
    """``path`` as a Path, or one error line when it is missing, a folder or empty."""
    path = Path(path)
    if path.is_dir():
        raise InfoplaneError(f"{path} is a folder; expected a file of {expected}")
    if not path.is_file():
        raise InfoplaneError(f"no such file: {path} (expected {expected})")
    if path.stat().st_size == 0:
        raise InfoplaneError(f"{path} is empty; expected {expected}")
    return path


def file_kind(path: Path) -> str:
    """"npy", "npz" or "text", from the file's first bytes."""
    with open(path, "rb") as f:
        head = f.read(6)
    if head == b"\x93NUMPY":
        return "npy"
    return "npz" if head.startswith(b"PK") else "text"


def _unreadable(path: Path, kind: str, err: Exception, expected: str) -> InfoplaneError:
    if "allow_pickle" in str(err):
        return InfoplaneError(f"{path} holds Python objects (pickled data), which infoplane "
                              f"never loads; expected {expected}")
    detail = str(err).splitlines()[0] if str(err) else type(err).__name__
    return InfoplaneError(f"{path} is not a readable .{kind} file, truncated or corrupt "
                          f"({detail}); expected {expected}")


def _opened(path: Path, kind: str, expected: str):
    """``path`` opened for reading after checking that its first bytes are those of ``kind``
    ("npy" or "npz"); one error line otherwise."""
    try:
        fid = open(path, "rb")
    except OSError as err:
        raise InfoplaneError(f"cannot read {path} ({err.strerror}); expected {expected}") from None
    if path.stat().st_size == 0 or file_kind(path) != kind:
        fid.close()
        if path.stat().st_size == 0:
            raise InfoplaneError(f"{path} is empty; expected {expected}")
        raise InfoplaneError(f"{path} is not an .{kind} file (its first bytes say otherwise); "
                             f"expected {expected}")
    return fid


def load_npy(path: Path, expected: str) -> np.ndarray:
    """The array of an .npy file, never unpickling; one error line when it cannot be read."""
    with _opened(path, "npy", expected) as fid:
        try:
            return np.load(fid, allow_pickle=False)
        except (ValueError, OSError, EOFError) as err:
            raise _unreadable(path, "npy", err, expected) from None


@contextmanager
def open_npz(path, expected: str):
    """``np.load(path)`` of an .npz archive as a context, never unpickling; a file that cannot
    be read (not an archive, a member truncated or corrupt, pickled objects) is one error line
    naming ``path`` and the ``expected`` contents."""
    with _opened(Path(path), "npz", expected) as fid:
        try:
            with np.load(fid, allow_pickle=False) as f:
                yield f
        except InfoplaneError:
            raise
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
            raise _unreadable(Path(path), "npz", err, expected) from None


def load_npz_arrays(path, expected: str) -> dict[str, np.ndarray]:
    """Every array of an .npz archive, by name (``open_npz``)."""
    with open_npz(path, expected) as f:
        return {name: f[name] for name in f.files}


# The piece size of a large array's write. On the Linux virtual machines measured (ext4),
# writing a new file in pieces of at most 1 MiB took a tenth of the CPU time of the 16 MiB
# writes np.savez makes (5.8 against 58 ms for 27 MB; benchmarks/bench_models.py --part
# breakdown shows it per record).
WRITE_PIECE = 1 << 20


def savez_in_pieces(f, arrays: dict) -> None:
    """``np.savez`` into the open file ``f``: contiguous numeric arrays written from their
    memory in ``WRITE_PIECE`` pieces, the others by ``np.lib.format.write_array``."""
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, value in arrays.items():
            a = np.asanyarray(value)
            with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                if a.dtype.hasobject or a.dtype.names or not a.flags.c_contiguous:
                    np.lib.format.write_array(member, a)
                    continue
                np.lib.format.write_array_header_1_0(
                    member, np.lib.format.header_data_from_array_1_0(a))
                data = memoryview(a.reshape(-1)).cast("B")
                for start in range(0, len(data), WRITE_PIECE):
                    member.write(data[start:start + WRITE_PIECE])


def atomic_write_bytes(path: Path, write) -> None:
    """Write a file through ``write(file_object)`` into a temporary file, then rename it: a
    reader (or a crash) sees either the old file or the new one, never half of one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the permissions of a normal new file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_npz(path, **arrays) -> None:
    """What ``np.savez`` writes (a zip of .npy members, stored uncompressed), written
    atomically, and with contiguous numeric arrays written straight from their memory in
    ``data._formats.WRITE_PIECE`` pieces rather than copied (``np.load`` reads it)."""
    atomic_write_bytes(Path(path), lambda f: savez_in_pieces(f, arrays))


def write_json(path, obj) -> None:
    """JSON written atomically, indented."""
    text = json.dumps(obj, indent=2, sort_keys=False).encode()
    atomic_write_bytes(Path(path), lambda f: f.write(text))


def read_npz(path) -> dict[str, np.ndarray]:
    """All arrays of an .npz file as a dict (the file is closed on return); a truncated or
    corrupt file is one error line (``data._formats.open_npz``)."""
    path = Path(path)
    if not path.is_file():
        raise InfoplaneError(f"no such file: {path}")
    with open_npz(path, "an .npz archive of arrays") as f:
        return {k: f[k] for k in f.files}
