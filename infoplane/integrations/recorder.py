"""``Recorder``: write the activations of a network trained anywhere into an infoplane run folder.

The framework-neutral core of the Keras and PyTorch recorders, and what a plain training loop
calls itself::

    with ip.Recorder("runs/mine", x_probe, y_probe) as rec:
        for epoch in range(epochs):
            ...                                   # train, in any framework
            rec.record(epoch, {"dense1": h1, "dense2": h2, "out": probs})

Every ``record`` call writes one activation chunk (``activations/chunk_NNNNN.npz``, the
layers' activations for all probe inputs at that epoch, in the recorder's precision) and
rewrites ``information.npz`` with the binned plane of every recorded epoch, each file
atomically; a crash loses at most the call in progress, and ``resume=True`` continues the
folder. ``infoplane plot RUN`` draws the plane and ``infoplane plane RUN --estimator NAME``
re-estimates it from the stored activations; because the plane is computed from the stored
(cast) arrays, a plane recomputed from the folder equals the one recorded.

The binned plane uses the data rule of ``infoplane.defaults`` by default (``DATA_BIN_RULE``:
``N_BINS`` edges over each layer's own range at that epoch), since a layer of an arbitrary
network has no known range; pass ``bins=ip.Bins("fixed", 30, -1, 1)`` for the IDNNs bins of a
tanh network.
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np

from .._errors import InfoplaneError
from ..defaults import DATA_BIN_RULE
from ..estimators.bins import Bins
from ..plane import plane_from_activations
from ..runs import (
    LABELS_FILE,
    activation_files,
    prepare_dir,
    read_config,
    read_npz,
    write_activations,
    write_config,
    write_npz,
)
from ._arrays import labels_array, layer_array, to_numpy

DTYPES = ("float32", "float16", "float64")


class Recorder:
    """Records a network's layer activations on fixed probe inputs into a run folder.

    Args:
        out: the run folder (created).
        inputs: (n, ...) the probe inputs, the same at every epoch (X is uniform over them).
            Only a digest and H(X) = log2(distinct inputs) are stored, not the inputs.
        labels: (n,) integer classes or (n, K) one-hot rows (NumPy, JAX or PyTorch).
        resume: continue an existing folder recorded with the same inputs and labels.
        overwrite: replace an existing folder.
        dtype: precision of the stored activations, "float32" (default), "float16" (half the
            disk) or "float64".
        bins: the binning of the plane written to information.npz (see the module docstring).

    Raises:
        InfoplaneError: bad inputs or labels, an existing folder without resume or overwrite, or
            a resumed folder recorded with other inputs.
    """

    def __init__(self, out, inputs, labels, *, resume: bool = False, overwrite: bool = False,
                 dtype: str = "float32", bins: Bins | None = None):
        if dtype not in DTYPES:
            raise InfoplaneError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
        x = to_numpy(inputs, "inputs")
        if x.ndim == 0 or x.shape[0] < 2:
            raise InfoplaneError(f"inputs must hold at least 2 examples along the first axis, "
                                 f"got shape {x.shape}")
        self.labels = labels_array(labels, x.shape[0])
        self.n = int(x.shape[0])
        self.dtype = np.dtype(dtype)
        self.bins = (bins if bins is not None else Bins(rule=DATA_BIN_RULE)).validate()
        self.out = prepare_dir(out, resume=resume, overwrite=overwrite)
        digest = hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()
        self.layer_names: list[str] | None = None
        self._widths: list[int] = []
        self._epochs: list[int] = []
        self._ixt: list[np.ndarray] = []
        self._ity: list[np.ndarray] = []
        self._closed = False
        if resume:
            self._restore(digest)
        else:
            self.h_x = math.log2(len(np.unique(x.reshape(self.n, -1), axis=0)))
            write_npz(self.out / LABELS_FILE, labels=self.labels, H_X=np.float64(self.h_x),
                      inputs_sha256=np.array(digest))
            self._write_config()

    # ------------------------------------------------------------------ recording

    def record(self, epoch: int, activations: dict) -> None:
        """Record every layer's activations on the probe inputs at ``epoch``.

        Args:
            epoch: the epoch number (0 = before training); larger than the last one recorded.
            activations: ``{layer_name: (n, ...) array}``, the same layers (and shapes) at every
                call, in the network's order; NumPy, JAX or PyTorch arrays.

        Raises:
            InfoplaneError: a bad epoch, layers or shapes that differ from the first call, NaN
                activations; nothing is written for this call and earlier records are kept.
        """
        if self._closed:
            raise InfoplaneError(f"the recorder of {self.out} is closed; open it again with "
                                 "resume=True to record more")
        epoch = self._check_epoch(epoch)
        names, layers = self._check_layers(activations)
        plane = plane_from_activations([a[None] for a in layers], self.labels,
                                       method="binning", **self.bins._asdict())
        if self.layer_names is None:
            self._start(names, layers)
        write_activations(self.out, len(self._epochs), [epoch],
                          {li: a[None, None] for li, a in enumerate(layers)})
        self._epochs.append(epoch)
        self._ixt.append(plane["I_XT"][0])
        self._ity.append(plane["I_TY"][0])
        self._write_information(complete=False)

    def close(self) -> None:
        """Mark the run complete (``information.npz`` gets ``complete = True``)."""
        if not self._closed and self._epochs:
            self._write_information(complete=True)
        self._closed = True

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # An exception leaves the run open (complete = False), as an interrupted run.
        if exc_type is None:
            self.close()
        else:
            self._closed = True

    # ------------------------------------------------------------------ checks

    def _check_epoch(self, epoch) -> int:
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise InfoplaneError(f"epoch must be a non-negative integer, got {epoch!r}")
        if self._epochs and epoch <= self._epochs[-1]:
            raise InfoplaneError(f"epoch {epoch} is not after the last recorded epoch "
                                 f"{self._epochs[-1]}; record epochs in increasing order")
        return int(epoch)

    def _check_layers(self, activations) -> tuple[list[str], list[np.ndarray]]:
        if not isinstance(activations, dict) or not activations:
            raise InfoplaneError("activations must be a non-empty dict {layer_name: array}")
        names = [str(k) for k in activations]
        if self.layer_names is not None and names != self.layer_names:
            raise InfoplaneError(f"the layers changed: recorded {self.layer_names}, now {names}; "
                                 "record the same layers, in the same order, at every epoch")
        layers = [layer_array(v, k, self.n, self.dtype) for k, v in zip(names, activations.values(),
                                                                        strict=True)]
        widths = [a.shape[1] for a in layers]
        if self._widths and widths != self._widths:
            changed = [f"{k}: {w0} -> {w1}" for k, w0, w1 in zip(names, self._widths, widths,
                                                                strict=True) if w0 != w1]
            raise InfoplaneError(f"activation shapes changed since the first epoch ("
                                 f"{', '.join(changed)} units per example)")
        return names, layers

    # ------------------------------------------------------------------ the folder

    def _start(self, names: list[str], layers: list[np.ndarray]) -> None:
        """The first record fixes the layers, written into config.json."""
        self.layer_names = names
        self._widths = [a.shape[1] for a in layers]
        self._write_config()

    def _write_config(self) -> None:
        names = self.layer_names or []
        write_config(self.out, {
            "source": "recorder", "dataset": None, "n_inputs": self.n, "layer_names": names,
            "layer_widths": self._widths, "record_layers": list(range(len(names))),
            "record_dtype": self.dtype.name, "bin_rule": self.bins.rule,
            "n_bins": self.bins.n_bins, "bin_low": self.bins.low, "bin_high": self.bins.high,
        }, logged_epochs=self._epochs, n_chunks=len(self._epochs), devices=[])

    def _write_information(self, complete: bool) -> None:
        counts = np.bincount(self.labels) / self.labels.size
        counts = counts[counts > 0]
        write_npz(self.out / "information.npz",
                  I_XT=np.stack(self._ixt)[None], I_TY=np.stack(self._ity)[None],
                  epochs=np.asarray(self._epochs, dtype=np.int64),
                  layer_names=np.array(self.layer_names), layer_widths=np.array(self._widths),
                  H_X=np.float64(self.h_x), H_Y=np.float64(-(counts * np.log2(counts)).sum()),
                  method=np.array("binning"),
                  settings=np.array(json.dumps(self.bins._asdict())),
                  complete=np.bool_(complete))

    def _restore(self, digest: str) -> None:
        """Continue a folder: check it was recorded on the same inputs, reload its records."""
        stored = read_npz(self.out / LABELS_FILE) if (self.out / LABELS_FILE).is_file() else {}
        if str(stored.get("inputs_sha256", "")) != digest or not np.array_equal(
                stored.get("labels"), self.labels):
            raise InfoplaneError(f"cannot resume {self.out}: it was recorded with other inputs "
                                 "or labels; pass the same probe set, or overwrite=True")
        self.h_x = float(stored["H_X"])
        config = read_config(self.out)
        files = activation_files(self.out)
        if (self.out / "information.npz").is_file() and files and config.get("layer_names"):
            info = read_npz(self.out / "information.npz")
            n = min(len(info["epochs"]), len(files))
            self.layer_names = list(config["layer_names"])
            self._widths = list(config["layer_widths"])
            self._epochs = [int(e) for e in info["epochs"][:n]]
            self._ixt = list(info["I_XT"][0, :n])
            self._ity = list(info["I_TY"][0, :n])
            for extra in files[n:]:  # a chunk written just before an interruption
                extra.unlink()
