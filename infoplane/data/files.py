"""A user's own files: class labels (``read_labels``) and recorded activations
(``read_activations``), in the formats people have at hand.

Labels come from a NumPy ``.npy`` file, an ``.npz`` archive (its one array, or the one named
by ``key``), or text: one label per line or all on one line, separated by commas, semicolons
or white space, with or without a header line (a CSV). One-hot rows count as their argmax.
Activations come from an ``.npz`` with one array per layer, a folder of ``.npy`` files (one
per layer), or a single ``.npy`` (one layer). The kind of a file is told by its first bytes,
not its name. A file that cannot be used raises one ``InfoplaneError`` naming the file and
what was expected: files are never unpickled (``allow_pickle=False``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .._errors import InfoplaneError
from ._formats import existing_file, file_kind, load_npy, load_npz_arrays
from ._text import read_table

LABEL_FORMS = "integer labels (.npy, .npz, or text/CSV: one column or one row)"
INPUT_FORM = "numeric inputs, one example per row (.npy, .npz or a text table)"
LAYER_FORM = "one float array per layer, [epoch, n, units] or [seed, epoch, n, units]"
NOT_LAYERS = ("epochs", "labels", "inputs")  # names in an activations source that are no layer


def natural_key(name: str) -> list:
    """Sort key that orders layer_2 before layer_10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def labels_from_array(raw, where: str) -> np.ndarray:
    """(n,) int32 labels from (n,), (1, n), (n, 1) or one-hot (n, c) numbers.

    Args:
        raw: the array as read.
        where: the file (and array) it came from, for the messages.

    Raises:
        InfoplaneError: no labels, values that are not numbers (strings, objects), negative
            or fractional values, NaN, other shapes, 2-D rows that are not one-hot.
    """
    raw = np.asarray(raw)
    if raw.dtype.kind not in "biuf":
        raise InfoplaneError(f"{where} holds {raw.dtype} values; expected {LABEL_FORMS}")
    if raw.size == 0:
        raise InfoplaneError(f"{where} holds no labels; expected {LABEL_FORMS}")
    if raw.ndim == 2 and 1 in raw.shape:
        raw = raw.reshape(-1)
    if raw.ndim == 2:
        if not np.all((raw == 0) | (raw == 1)) or not np.all(raw.sum(axis=1) == 1):
            raise InfoplaneError(f"{where} holds a {raw.shape[0]} x {raw.shape[1]} table that "
                                 "is not one-hot (one 1 per row); expected one column or one "
                                 "row of integer labels, or one-hot rows")
        return raw.argmax(axis=1).astype(np.int32)
    if raw.ndim != 1:
        raise InfoplaneError(f"{where} holds labels of shape {raw.shape}; expected a vector "
                             "(n,) or one-hot rows (n, classes)")
    if not np.all(np.isfinite(raw)) or not np.all(np.mod(raw, 1) == 0) or raw.min() < 0:
        raise InfoplaneError(f"{where}: labels must be non-negative integers (class numbers)")
    return raw.astype(np.int32)


def _ambiguous(path: Path, names: list[str], what: str, flag: str) -> InfoplaneError:
    listed = ", ".join(names)
    return InfoplaneError(f"{path} holds several arrays or columns ({listed}); say which holds "
                          f"the {what} with key=NAME", usage=True,
                          cli=f"{path} holds several arrays or columns ({listed}); say which "
                          f"holds the {what} with {flag} NAME")


def _npz_member(path: Path, arrays: dict, key: str | None, what: str, names: tuple[str, ...],
                flag: str) -> str:
    """The name of the array to read from an .npz (see ``read_array``)."""
    if key is not None:
        if key not in arrays:
            raise InfoplaneError(f"{path} has no array {key!r}; it holds "
                                 f"{', '.join(arrays) or 'no arrays'}", usage=True)
        return key
    if len(arrays) == 1:
        return next(iter(arrays))
    if not arrays:
        raise InfoplaneError(f"{path} holds no arrays; expected the {what}")
    found = [name for name in names if name in arrays]
    if not found:
        raise _ambiguous(path, list(arrays), what, flag)
    return found[0]


def read_array(path, key: str | None, *, what: str, expected: str, names: tuple[str, ...],
               flag: str, one_column: bool = False) -> np.ndarray:
    """One numeric array from an .npy, an .npz (the array ``key``, else its only array, else
    the first of ``names`` it holds) or a text table (the column headed ``key``, else the
    whole table), with one error line naming the file otherwise.

    Args:
        path: the file.
        key: the array or column to read, or None.
        what: what the array holds ("labels"), for the messages.
        expected: the forms it may take, for the messages.
        names: the array names taken without ``key``.
        flag: the command-line flag that sets ``key``, for the command line's message.
        one_column: a text table with a header line of several columns needs ``key``.
    """
    path = existing_file(path, expected)
    kind = file_kind(path)
    if kind == "npy":
        raw = load_npy(path, expected)
    elif kind == "npz":
        arrays = load_npz_arrays(path, expected)
        name = _npz_member(path, arrays, key, what, names, flag)
        raw, path = arrays[name], f"{path}: array {name!r}"
    else:
        header, raw = read_table(path, expected)
        if key is not None:
            if header is None or key not in header:
                have = f"its columns are {', '.join(header)}" if header else "it has no header"
                raise InfoplaneError(f"{path} has no column {key!r}; {have}", usage=True)
            raw = raw[:, header.index(key)]
        elif one_column and header is not None and len(header) > 1 < raw.shape[1]:
            raise _ambiguous(path, header, what, flag)
    if raw.dtype.kind not in "biuf":
        raise InfoplaneError(f"{path} holds {raw.dtype} values; expected {expected}")
    if raw.size == 0:
        raise InfoplaneError(f"{path} holds no {what}; expected {expected}")
    return raw


def read_labels(path, key: str | None = None) -> np.ndarray:
    """Integer class labels from a file.

    Args:
        path: an ``.npy`` file; an ``.npz`` archive (its one array, else the array named
            ``key``, else one named "labels"); or a text or CSV file with one label per line
            or all labels on one line, separated by commas, semicolons or white space, with or
            without a header line (with several named columns, ``key`` picks one). One-hot
            rows (n, classes) count as their argmax.
        key: the array of an ``.npz``, or the column of a CSV with a header, to read.

    Returns:
        (n,) int32 labels, in the order of the file.

    Raises:
        InfoplaneError: one line naming the file and what was expected, when it is missing,
            a folder, empty, truncated or corrupt, holds strings or Python objects, holds
            several arrays or columns and ``key`` does not say which, or holds values that
            are not non-negative integers.
    """
    raw = read_array(path, key, what="labels", expected=LABEL_FORMS, names=("labels",),
                     flag="--labels-key", one_column=True)
    return labels_from_array(raw, f"{path}" + (f": {key!r}" if key else ""))


def read_inputs(path, key: str | None = None) -> np.ndarray:
    """The network inputs the activations were recorded on, (n, ...) float64, one example per
    row (for the plane's method "compressed"), from an ``.npy``, an ``.npz`` (its one array,
    else ``key``, else "inputs", "x" or "X") or a text table (one example per line).

    Raises:
        InfoplaneError: as :func:`read_labels`, and for values that are NaN or inf.
    """
    raw = read_array(path, key, what="inputs", expected=INPUT_FORM,
                     names=("inputs", "x", "X"), flag="--inputs-key")
    if not np.all(np.isfinite(raw)):
        raise InfoplaneError(f"{path} holds NaN or inf; expected {INPUT_FORM}")
    return raw.astype(np.float64)


def _check_layers(where: Path, layers: dict[str, np.ndarray]) -> None:
    """One error line unless every layer is a float array [(seed,) epoch, n, units] and all
    share (seed, epoch, n)."""
    if not layers:
        raise InfoplaneError(f"{where} holds no layer arrays; expected {LAYER_FORM}")
    first = next(iter(layers))
    for name, a in layers.items():
        if a.dtype.kind != "f":
            raise InfoplaneError(f"{where}: array {name!r} holds {a.dtype} values; expected "
                                 f"{LAYER_FORM}")
        if a.ndim not in (3, 4) or a.size == 0:
            raise InfoplaneError(f"{where}: array {name!r} has shape {a.shape}; expected "
                                 f"{LAYER_FORM}, not empty")
        if a.shape[:-1] != layers[first].shape[:-1]:
            raise InfoplaneError(
                f"{where}: array {name!r} has shape {a.shape} but {first!r} has "
                f"{layers[first].shape}; every layer needs the same (seed,) epoch and n")


def _layer_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an activations source, by name: an .npz's members, a folder's .npy files
    (by file stem), or one .npy file."""
    if path.is_dir():
        if (path / "config.json").is_file():
            raise InfoplaneError(f"{path} is a run folder; read its plane with "
                                 "infoplane.plane_from_run (infoplane plane RUN)")
        files = sorted(path.glob("*.npy"), key=lambda p: natural_key(p.stem))
        if not files:
            raise InfoplaneError(f"{path} holds no .npy files; expected one .npy file per "
                                 "layer (layers in natural order of the names), or a run folder")
        return {f.stem: load_npy(existing_file(f, LAYER_FORM), LAYER_FORM) for f in files}
    path = existing_file(path, f"activations: {LAYER_FORM}")
    kind = file_kind(path)
    if kind == "npz":
        return load_npz_arrays(path, LAYER_FORM)
    if kind == "npy":
        return {path.stem: load_npy(path, LAYER_FORM)}
    raise InfoplaneError(f"{path} is neither an .npz nor an .npy file; expected {LAYER_FORM}")


def read_activations(path, *, labels_key: str = "labels"
                     ) -> tuple[list[str], list[np.ndarray], dict[str, np.ndarray]]:
    """Recorded activations from an ``.npz``, a folder of ``.npy`` files, or one ``.npy``.

    Every array is one layer, except "epochs" (the logged epoch numbers), "labels" and
    ``labels_key`` (the class labels of the n inputs), and "inputs" (the n network inputs,
    (n, ...), for the plane's method "compressed"). Layers are ordered by the natural sort
    of their names (``layer_2`` before ``layer_10``). A run folder written by
    ``infoplane.train`` is read by ``infoplane.plane_from_run`` instead.

    Args:
        path: the file or folder.
        labels_key: the name of the array holding labels, if not "labels".

    Returns:
        ``(names, layers, extras)``: the layer names; one float array per layer,
        [epoch, n, units] or [seed, epoch, n, units], all sharing (seed, epoch, n); and a dict
        with "epochs" ((epoch,) int64), "labels" ((n,) int32) and "inputs" ((n, ...)) when
        the source holds them.

    Raises:
        InfoplaneError: one line naming the file and what was expected: missing, empty,
            truncated or corrupt files, pickled objects, non-float layers, layers of different
            (seed, epoch, n), epochs or labels of the wrong length.
    """
    path = Path(path)
    arrays = _layer_arrays(path)
    special = {*NOT_LAYERS, labels_key}
    names = sorted((k for k in arrays if k not in special), key=natural_key)
    layers = {k: arrays[k] for k in names}
    _check_layers(path, layers)
    shape = layers[names[0]].shape
    extras = {}
    if "epochs" in arrays:
        epochs = np.asarray(arrays["epochs"]).reshape(-1)
        if epochs.dtype.kind not in "iuf" or len(epochs) != shape[-3]:
            raise InfoplaneError(f"{path}: 'epochs' holds {len(epochs)} {epochs.dtype} values; "
                                 f"expected {shape[-3]} epoch numbers, one per logged epoch")
        extras["epochs"] = epochs.astype(np.int64)
    key = labels_key if labels_key in arrays else "labels" if "labels" in arrays else None
    if key is not None:
        labels = labels_from_array(arrays[key], f"{path}: array {key!r}")
        check_label_count(labels, shape[-2], f"{path}: array {key!r}", str(path))
        extras["labels"] = labels
    if "inputs" in arrays:
        inputs = np.asarray(arrays["inputs"])
        if inputs.dtype.kind not in "biuf" or inputs.ndim == 0 or len(inputs) != shape[-2]:
            raise InfoplaneError(f"{path}: 'inputs' has shape {inputs.shape} and dtype "
                                 f"{inputs.dtype}; expected {shape[-2]} numeric rows, one per "
                                 "input")
        extras["inputs"] = inputs
    return names, [layers[k] for k in names], extras


def check_label_count(labels: np.ndarray, n: int, labels_from: str, acts_from: str) -> None:
    """One error line unless there is one label per input."""
    if len(labels) != n:
        raise InfoplaneError(f"{labels_from} holds {len(labels)} labels but {acts_from} holds "
                             f"activations of n = {n} inputs; expected one label per input, "
                             "in the same order")
