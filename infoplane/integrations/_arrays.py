"""Turning what a framework hands us (NumPy, JAX or PyTorch arrays; integer or one-hot labels)
into NumPy arrays, with one clear error for anything else. No framework is imported here."""

from __future__ import annotations

import numpy as np

from .._errors import InfoplaneError


def to_numpy(value, what: str) -> np.ndarray:
    """``value`` as a NumPy array: NumPy, JAX, and PyTorch tensors (detached, moved to the
    CPU) are accepted, and anything ``np.asarray`` reads."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch.Tensor, without torch
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise InfoplaneError(f"{what} must be an array, got {type(value).__name__} ({err})"
                             ) from None
    if arr.dtype == object:
        raise InfoplaneError(f"{what} must be a numeric array, got {type(value).__name__} "
                             "holding Python objects (ragged or mixed rows?)")
    return arr


def labels_array(labels, n: int | None = None) -> np.ndarray:
    """Class labels as an (n,) int64 array.

    Args:
        labels: (n,) integer classes, or (n, K) one-hot (or probability) rows, whose argmax is
            taken; NumPy, JAX or PyTorch.
        n: the number of inputs they must match, if known.
    """
    lab = to_numpy(labels, "labels")
    if lab.ndim == 2 and lab.shape[1] > 1:
        if not np.all(np.isfinite(lab)):
            raise InfoplaneError("labels (one-hot rows) contain NaN or inf")
        lab = np.argmax(lab, axis=1)
    elif lab.ndim == 2 and lab.shape[1] == 1:
        lab = lab[:, 0]
    if lab.ndim != 1 or lab.size == 0:
        raise InfoplaneError(f"labels must be (n,) integer classes or (n, classes) one-hot rows, "
                             f"got shape {lab.shape}")
    if lab.dtype.kind == "f":
        if not np.all(np.isfinite(lab)) or np.any(lab != np.round(lab)):
            raise InfoplaneError("labels are floats that are not whole numbers; pass integer "
                                 "classes or one-hot rows")
        lab = lab.astype(np.int64)
    if lab.dtype.kind not in "biu":
        raise InfoplaneError(f"labels must be integer classes, got dtype {lab.dtype}")
    if n is not None and lab.shape[0] != n:
        raise InfoplaneError(f"labels has {lab.shape[0]} entries but there are {n} inputs; "
                             "pass one label per input, in the same order")
    return lab.astype(np.int64)


def layer_array(value, name: str, n: int, dtype: np.dtype, *, copy: bool = True) -> np.ndarray:
    """One layer's activations for the n inputs as an (n, units) array of ``dtype``; any
    trailing shape (channels, positions, pixels) is flattened per example. A new array unless
    ``copy`` is False (then the input itself where it already is one)."""
    arr = to_numpy(value, f"activations of layer {name!r}")
    if arr.ndim == 0 or arr.shape[0] != n:
        raise InfoplaneError(
            f"activations of layer {name!r} have shape {arr.shape}; the first axis must hold "
            f"the {n} recorded inputs, in order"
        )
    if arr.dtype.kind not in "fiub":
        raise InfoplaneError(f"activations of layer {name!r} must be numbers, got {arr.dtype}")
    flat = arr.reshape(n, -1)
    if flat.shape[1] == 0:
        raise InfoplaneError(f"activations of layer {name!r} have no units (shape {arr.shape})")
    # min and max carry any NaN or inf, without a boolean array the size of the layer
    low, high = flat.min(), flat.max()
    if flat.dtype.kind == "f" and not (np.isfinite(low) and np.isfinite(high)):
        raise InfoplaneError(f"activations of layer {name!r} contain NaN or inf (did training "
                             "diverge?); nothing was recorded for this epoch")
    limit, reach = float(np.finfo(dtype).max), max(-float(low), float(high))
    if reach > limit:
        raise InfoplaneError(f"activations of layer {name!r} reach {reach:.3g}, beyond "
                             f"{dtype.name} ({limit:.3g}); record in a wider dtype")
    return flat.astype(dtype, copy=copy)


def check_layers(activations, layer_names: list[str] | None, widths: list[int], n: int,
                 dtype: np.dtype, copy: bool) -> tuple[list[str], list[np.ndarray]]:
    """A record's ``{name: activations}`` as names and (n, units) arrays of ``dtype``
    (``layer_array``), checked against the ``layer_names`` and ``widths`` recorded so far
    (None and [] before the first record)."""
    if not isinstance(activations, dict) or not activations:
        raise InfoplaneError("activations must be a non-empty dict {layer_name: array}")
    names = [str(k) for k in activations]
    if layer_names is not None and names != layer_names:
        raise InfoplaneError(f"the layers changed: recorded {layer_names}, now {names}; "
                             "record the same layers, in the same order, at every epoch")
    layers = [layer_array(v, k, n, dtype, copy=copy)
              for k, v in zip(names, activations.values(), strict=True)]
    now = [a.shape[1] for a in layers]
    if widths and now != widths:
        changed = [f"{k}: {w0} -> {w1}" for k, w0, w1 in zip(names, widths, now, strict=True)
                   if w0 != w1]
        raise InfoplaneError(f"activation shapes changed since the first epoch ("
                             f"{', '.join(changed)} units per example)")
    return names, layers


def slot_view(slots: list[np.ndarray] | None, k: int, shape: tuple, dtype) -> np.ndarray | None:
    """Layer k's array of the recorder's free slot (``Recorder._free_slot``) viewed as
    ``shape``, for an adapter to fill in place of a buffer of its own; None when there is no
    slot, or it does not hold ``shape`` of ``dtype`` (then the recorder copies, and checks)."""
    if slots is None or k >= len(slots):
        return None
    slot = slots[k]
    if slot.dtype != np.dtype(dtype) or slot.size != int(np.prod(shape)):
        return None
    return slot.reshape(shape)
