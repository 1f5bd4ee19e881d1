"""``Recorder``: write the activations of a network trained anywhere into an infoplane run folder.

The framework-neutral core of the Keras and PyTorch recorders, and what a plain training loop
calls itself::

    with ip.Recorder("runs/mine", x_probe, y_probe) as rec:
        for epoch in range(epochs):
            ...                                   # train, in any framework
            rec.record(epoch, {"dense1": h1, "dense2": h2, "out": probs})

``record`` checks the activations and casts them to the recorder's precision in the calling
thread (a bad call raises there, and writes nothing); the rest runs in one background thread
while training goes on: the binned plane of that epoch alone (NumPy, ``_binned``: nothing to
compile), one activation chunk (``activations/chunk_NNNNN.npz``, the layers' activations for
all probe inputs at that epoch) and, at most every ``INFORMATION_EVERY_S`` and at ``flush``
and ``close``, ``information.npz`` (the plane of every recorded epoch), each written
atomically. The next ``record`` waits for it, so at most one record is in flight: a crash
loses at most the last call, and the folder is always a valid run (``infoplane plot RUN``
draws it, ``plane_from_run`` re-estimates it from the stored activations; ``resume=True``
continues it, computing the plane of chunks written after the last information.npz). Because
the plane is computed from the stored (cast) arrays, with the bins the compiled estimator
uses, a plane recomputed from the folder equals the recorded one to float32 rounding (see
``_binned`` for the one exception: a value within a rounding of a "layer"-rule edge).

``labels.npz`` holds the labels, H(X) = log2(distinct inputs), a digest of the inputs (checked
on resume) and, unless ``store_inputs=False``, the inputs themselves as float32 (member
"inputs"), which ``plane_from_run(run, method="compressed")`` needs.

The binned plane uses the data rule of ``infoplane.defaults`` by default (``DATA_BIN_RULE``:
``N_BINS`` edges over each layer's own range at that epoch), since a layer of an arbitrary
network has no known range; pass ``bins=ip.Bins("fixed", 30, -1, 1)`` for the IDNNs bins of a
tanh network.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import time
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from .._errors import InfoplaneError
from ..defaults import DATA_BIN_RULE
from ..estimators.bins import Bins
from ..estimators.discrete import label_entropy_bits
from ..plane import plane_from_activations
from ..runs import (
    LABELS_FILE,
    prepare_dir,
    provenance,
    provenance_fields,
    read_npz,
    write_activations,
    write_config,
    write_npz,
)
from ._arrays import check_layers, labels_array, to_numpy
from ._binned import binned_plane
from ._folder import read_records

DTYPES = ("float32", "float16", "float64")
# information.npz is rewritten after a record at most this often (and by flush and close);
# the chunks are written at every record, and a resumed folder recomputes what it lacks.
INFORMATION_EVERY_S = 2.0


class Recorder:
    """Records a network's layer activations on fixed probe inputs into a run folder.

    Args:
        out: the run folder (created).
        inputs: (n, ...) the probe inputs, the same at every epoch (X is uniform over them).
        labels: (n,) integer classes or (n, K) one-hot rows (NumPy, JAX or PyTorch).
        resume: continue an existing folder recorded with the same inputs and labels.
        overwrite: replace an existing folder.
        dtype: precision of the stored activations, "float32" (default), "float16" (half the
            disk) or "float64".
        bins: the binning of the plane written to information.npz (see the module docstring).
        store_inputs: store the inputs (float32) in labels.npz, as the "compressed" plane
            method needs; False keeps only their digest (for a huge probe set).

    Raises:
        InfoplaneError: bad inputs or labels, an existing folder without resume or overwrite, or
            a resumed folder recorded with other inputs.
    """

    def __init__(self, out, inputs, labels, *, resume: bool = False, overwrite: bool = False,
                 dtype: str = "float32", bins: Bins | None = None, store_inputs: bool = True):
        if dtype not in DTYPES:
            raise InfoplaneError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
        x = to_numpy(inputs, "inputs")
        if x.ndim == 0 or x.shape[0] < 2:
            raise InfoplaneError(f"inputs must hold at least 2 examples along the first axis, "
                                 f"got shape {x.shape}")
        self.labels = labels_array(labels, x.shape[0])
        self._classes, codes = np.unique(self.labels, return_inverse=True)
        self._codes = codes.ravel().astype(np.int64)
        self.n = int(x.shape[0])
        self.dtype = np.dtype(dtype)
        self.bins = (bins if bins is not None else Bins(rule=DATA_BIN_RULE)).validate()
        self.out = prepare_dir(out, resume=resume, overwrite=overwrite)
        digest = hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()
        self.layer_names: list[str] | None = None
        self._widths: list[int] = []
        self._epochs: list[int] = []  # submitted; the planes below lag by the record in flight
        self._ixt: list[np.ndarray] = []
        self._ity: list[np.ndarray] = []
        self._h_y = label_entropy_bits(self._codes)
        self._information_at = (0, -math.inf)  # records in information.npz, and when written
        self._closed = False
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future | None = None
        self._provenance = provenance_fields(provenance(  # once: reading versions takes ms
            method="binning", settings={**self.bins._asdict(), "n": self.n},
            source=f"integrations.Recorder into {self.out}"))
        if resume:
            self._restore(digest)
        else:
            self.h_x = math.log2(len(np.unique(x.reshape(self.n, -1), axis=0)))
            extra = {"inputs": x.astype(np.float32)} if store_inputs else {}
            write_npz(self.out / LABELS_FILE, labels=self.labels, H_X=np.float64(self.h_x),
                      inputs_sha256=np.array(digest), **extra)
            self._write_config()

    # ------------------------------------------------------------------ recording

    def record(self, epoch: int, activations: dict) -> None:
        """Record every layer's activations on the probe inputs at ``epoch``.

        The arrays are checked and copied before this returns (the caller may reuse them);
        the plane and the files are written in the background (see the module docstring).

        Args:
            epoch: the epoch number (0 = before training); larger than the last one recorded.
            activations: ``{layer_name: (n, ...) array}``, the same layers (and shapes) at every
                call, in the network's order; NumPy, JAX or PyTorch arrays.

        Raises:
            InfoplaneError: a bad epoch, layers or shapes that differ from the first call, NaN
                activations; nothing is written for this call and earlier records are kept.
                Also an error of the previous call's background write (disk full, ...).
        """
        self._record(epoch, activations, copy=True)

    def _record(self, epoch, activations, *, copy: bool) -> None:
        """``record``; ``copy=False`` when the arrays are the recorder's own (Keras, PyTorch)."""
        if self._closed:
            raise InfoplaneError(f"the recorder of {self.out} is closed; open it again with "
                                 "resume=True to record more")
        epoch = self._check_epoch(epoch)
        names, layers = check_layers(activations, self.layer_names, self._widths, self.n,
                                     self.dtype, copy)
        self._wait()
        if self.layer_names is None:
            self._start(names, layers)
        chunk = len(self._epochs)
        self._epochs.append(epoch)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="infoplane-rec")
        self._pending = self._pool.submit(self._write_record, chunk, epoch, layers)

    def flush(self) -> None:
        """Wait until the last ``record`` is written, information.npz included; raise its
        error, if it failed (that record is then dropped)."""
        try:
            self._wait()
        finally:
            self._write_information(complete=False)

    def _wait(self) -> None:
        """Wait for the record in flight; drop it if it failed, and raise its error."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        try:
            pending.result()
        except BaseException:
            del self._epochs[len(self._ixt):]
            with contextlib.suppress(Exception):  # the records before it, if the disk allows
                self._write_information(complete=False)
            raise

    def close(self) -> None:
        """Finish the last write and mark the run complete (``complete = True``)."""
        if self._closed:
            return
        try:
            self._wait()
            self._write_information(complete=True)
        finally:
            self._stop()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # An exception leaves the run open (complete = False), as an interrupted run, with the
        # last record written if it can be; the exception raised is the caller's.
        if exc_type is None:
            self.close()
            return
        try:
            self.flush()
        except Exception:  # noqa: S110 - the caller's exception is the one to report
            pass
        finally:
            self._stop()

    def _stop(self) -> None:
        self._closed = True
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    # ------------------------------------------------------------------ checks

    def _check_epoch(self, epoch) -> int:
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise InfoplaneError(f"epoch must be a non-negative integer, got {epoch!r}")
        if self._epochs and epoch <= self._epochs[-1]:
            raise InfoplaneError(f"epoch {epoch} is not after the last recorded epoch "
                                 f"{self._epochs[-1]}; record epochs in increasing order")
        return int(epoch)

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

    def _plane(self, layers: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The binned (I_XT, I_TY) (layers,) in bits of one epoch's stored layers."""
        if self.bins.rule == "quantile":  # per-unit quantiles: the compiled estimator
            plane = plane_from_activations([a[None] for a in layers], self.labels,
                                           method="binning", **self.bins._asdict())
            return plane["I_XT"][0], plane["I_TY"][0]
        return binned_plane(layers, self._codes, len(self._classes), self.bins)

    def _write_record(self, chunk: int, epoch: int, layers: list[np.ndarray]) -> None:
        """The background part of a record: its plane, its chunk, then information.npz if it
        was last written more than ``INFORMATION_EVERY_S`` ago."""
        ixt, ity = self._plane(layers)
        write_activations(self.out, chunk, [epoch],
                          {li: a[None, None] for li, a in enumerate(layers)})
        self._ixt.append(ixt)
        self._ity.append(ity)
        if time.monotonic() - self._information_at[1] >= INFORMATION_EVERY_S:
            self._write_information(complete=False)

    def _write_information(self, complete: bool) -> None:
        """information.npz of the records written so far (once more only to mark it complete)."""
        done = len(self._ixt)
        if done == 0 or (self._information_at[0] == done and not complete):
            return
        write_npz(self.out / "information.npz",
                  I_XT=np.stack(self._ixt)[None], I_TY=np.stack(self._ity)[None],
                  epochs=np.asarray(self._epochs[:done], dtype=np.int64),
                  layer_names=np.array(self.layer_names), layer_widths=np.array(self._widths),
                  H_X=np.float64(self.h_x), H_Y=np.float64(self._h_y),
                  method=np.array("binning"),
                  settings=np.array(json.dumps(self.bins._asdict())),
                  complete=np.bool_(complete), **self._provenance)
        self._information_at = (done, time.monotonic())

    def _restore(self, digest: str) -> None:
        """Continue a folder: check it was recorded on the same inputs, reload its records."""
        stored = read_npz(self.out / LABELS_FILE) if (self.out / LABELS_FILE).is_file() else {}
        if str(stored.get("inputs_sha256", "")) != digest or not np.array_equal(
                stored.get("labels"), self.labels):
            raise InfoplaneError(f"cannot resume {self.out}: it was recorded with other inputs "
                                 "or labels; pass the same probe set, or overwrite=True")
        self.h_x = float(stored["H_X"])
        records = read_records(self.out, self._plane)
        if records is not None:
            self.layer_names, self._widths, self._epochs, self._ixt, self._ity = records
            self._information_at = (0, -math.inf)  # rewritten at the next record
