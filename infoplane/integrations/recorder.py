"""``Recorder``: write the activations of a network trained anywhere into an infoplane run folder.

The framework-neutral core of the Keras and PyTorch recorders, and what a plain training loop
calls itself::

    with ip.Recorder("runs/mine", x_probe, y_probe) as rec:
        for epoch in range(epochs):
            ...                                   # train, in any framework
            rec.record(epoch, {"dense1": h1, "dense2": h2, "out": probs})

``record`` checks the activations and casts them to the recorder's precision in the calling
thread (a bad call raises there, and writes nothing); the rest runs in the background while
training goes on, in a thread (the default) or in a writer process of its own
(``writer="process"``; ``"auto"``, the PyTorch recorder's default, uses it for small records;
see ``_writer_process`` for when it helps): the binned plane of that epoch alone (NumPy,
``_binned``: nothing to compile), one activation chunk (``activations/chunk_NNNNN.npz``, the
layers' activations for all probe inputs at that epoch) and, at most every
``INFORMATION_EVERY_S`` and at ``flush`` and ``close``, ``information.npz`` (the plane of every
recorded epoch), each written atomically. The next ``record`` waits for it, so at most one
record is in flight: a crash loses at most the last call (none, if only the training process
dies after the writer process has taken over, a few tenths of a second after the recorder is
made: it finishes the record it was handed), and the folder is always a valid run (``infoplane
plot RUN`` draws it, ``plane_from_run`` re-estimates it from the stored activations;
``resume=True`` continues it, computing the plane of chunks written after the last
information.npz). Because the plane is computed from the stored (cast) arrays, with the bins
the compiled estimator uses, a plane recomputed from the folder (``plane_from_run``) agrees with
the recorded one within the tolerance that ``_binned`` states: to float32 rounding, but for
values within a rounding of an inner "layer"-rule edge.

``labels.npz`` holds the labels, H(X) (X uniform over the inputs: log2 n when no input
repeats; ``estimators.discrete.input_entropy_bits``), a digest of the inputs (checked
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
import os
import weakref
from typing import Any

import numpy as np

from .._errors import InfoplaneError, check_choice
from ..defaults import DATA_BIN_RULE
from ..estimators.bins import Bins
from ..estimators.discrete import input_entropy_bits, label_entropy_bits
from ..runs import (
    LABELS_FILE,
    prepare_dir,
    provenance,
    read_config,
    write_config,
    write_npz,
)
from ._arrays import check_layers, labels_array, to_numpy
from ._folder import check_resumed, lock_folder, read_records, release_lock
from ._writer import INFORMATION_EVERY_S, RecordWriter, WriterThread
from ._writer_process import WriterProcess

DTYPES = ("auto", "float32", "float16", "float64")
# dtype="auto" stores float16 once a layer has this many units (features per input) or more:
# a record then costs half (a float32 record of the PyTorch CNN's layers is 54 MB), and a binned
# plane changes only where a value lies within float16 rounding (a relative 5e-4) of a bin
# edge. Narrower networks, whose records are small, keep float32.
WIDE_UNITS = 256
# The default schedule of the framework recorders: every epoch up to 10, then this many epochs
# per decade, log-spaced (``log_spaced``): 50 records over 1000 epochs, 70 over 10000.
PER_DECADE = 20
WRITERS = ("thread", "process", "auto")
# writer="auto" keeps its writer process for records of at most this many bytes, and writes
# larger ones in a thread. Small records cost the writer many short calls that each need the
# interpreter, which a Python training loop holds; large ones spend their time in copies,
# writes and checksums that release it (and, on the machine measured, cost more from a writer
# process): the PyTorch MLP's records (0.9 MB) cost 16% with a process and 27% with a thread,
# the PyTorch CNN's (54 MB) 17-18% and 9-13% (benchmarks/bench_models.py --part recorders).
AUTO_PROCESS_BYTES = 8 << 20
__all__ = ["DTYPES", "INFORMATION_EVERY_S", "PER_DECADE", "WIDE_UNITS", "WRITERS", "Recorder",
           "epoch_choice", "is_chosen", "log_spaced"]


def log_spaced(epoch: int, per_decade: int = PER_DECADE) -> bool:
    """Whether ``epoch`` is on the default schedule of the Keras and PyTorch recorders: every
    epoch up to 10, then the epochs ``round(10 ** (k / per_decade))`` (log-spaced, about
    ``per_decade`` a decade, whatever the length of training)."""
    if epoch <= 10:
        return epoch >= 0
    k = round(per_decade * np.log10(epoch))
    return any(epoch == round(10 ** ((k + j) / per_decade)) for j in (-1, 0, 1))


def epoch_choice(epochs) -> set[int] | str | None:
    """The ``epochs`` argument of the framework recorders, checked: None (``log_spaced``),
    "all", or a set of epoch numbers."""
    if epochs is None or (isinstance(epochs, str) and epochs == "all"):
        return epochs
    try:
        if isinstance(epochs, str):
            raise TypeError
        return {int(e) for e in epochs}
    except (TypeError, ValueError):
        raise InfoplaneError(f'epochs must be epoch numbers, "all" or None (log-spaced), got '
                             f"{epochs!r}") from None


def is_chosen(epochs: set[int] | str | None, epoch: int) -> bool:
    """Whether ``epoch`` is one of ``epoch_choice``'s epochs."""
    return epochs == "all" or (log_spaced(epoch) if epochs is None else epoch in epochs)


class Recorder:
    """Records a network's layer activations on fixed probe inputs into a run folder.

    Args:
        out: the run folder (created).
        inputs: (n, ...) the probe inputs, the same at every epoch (X is uniform over them).
        labels: (n,) integer classes or (n, K) one-hot rows (NumPy, JAX or PyTorch).
        resume: continue an existing folder recorded with the same inputs and labels.
        overwrite: replace an existing folder.
        dtype: precision of the stored activations: "auto" (the default: "float16" when a
            layer has ``WIDE_UNITS`` units or more, else "float32"; decided at the first
            record), "float32", "float16" (half the disk) or "float64".
        bins: the binning of the plane written to information.npz (see the module docstring).
        store_inputs: store the inputs (float32) in labels.npz, as the "compressed" plane
            method needs; False keeps only their digest (for a huge probe set).
        writer: where the planes and files are written while training goes on: "thread" (a
            thread of this process, the default), "process" (a writer process of its own,
            on POSIX systems: for a training loop that runs Python at every step, such as
            PyTorch's; not with the "quantile" bin rule, which needs JAX), or "auto" (the
            process for records of at most ``AUTO_PROCESS_BYTES``, else the thread; the
            PyTorch recorder's default). See ``_writer_process``.

    Raises:
        InfoplaneError: bad inputs or labels, an existing folder without resume or overwrite, or
            a resumed folder recorded with other inputs.
    """

    def __init__(self, out, inputs, labels, *, resume: bool = False, overwrite: bool = False,
                 dtype: str = "auto", bins: Bins | None = None, store_inputs: bool = True,
                 writer: str = "thread"):
        if dtype not in DTYPES:
            raise InfoplaneError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
        check_choice("writer", writer, WRITERS)
        x = to_numpy(inputs, "inputs")
        if x.ndim == 0 or x.shape[0] < 2:
            raise InfoplaneError(f"inputs must hold at least 2 examples along the first axis, "
                                 f"got shape {x.shape}")
        self.labels = labels_array(labels, x.shape[0])
        self.n = int(x.shape[0])
        self._auto_dtype = dtype == "auto"  # float32 until the first record shows the widths
        self.dtype = np.dtype("float32" if self._auto_dtype else dtype)
        self.bins = (bins if bins is not None else Bins(rule=DATA_BIN_RULE)).validate()
        can_fork = os.name == "posix" and self.bins.rule != "quantile"
        if writer == "auto" and not can_fork:
            writer = "thread"
        if writer == "process" and not can_fork:
            raise InfoplaneError(
                "writer='process' needs a POSIX system and a bin rule other than 'quantile' "
                "(whose plane is JAX's, which the writer process does not load); use "
                "writer='thread'", usage=True)
        self.out = prepare_dir(out, resume=resume, overwrite=overwrite)
        lock = lock_folder(self.out)
        self._unlock = weakref.finalize(self, release_lock, lock)  # once: at close, or when dropped
        try:
            self._open(x, resume, store_inputs, writer, lock)
        except BaseException:
            self._unlock()
            raise

    def _open(self, x: np.ndarray, resume: bool, store_inputs: bool, writer: str,
              lock: int | None) -> None:
        """The rest of ``__init__``, with the folder locked."""
        digest = hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()
        self.layer_names: list[str] | None = None
        self._widths: list[int] = []
        self._epochs: list[int] = []  # submitted; the writer's lag by the record in flight
        self._closed = False
        self._pending: Any = None  # the record in flight: a Future of the writer
        self._writer: Any = None  # WriterProcess or WriterThread; None only if __init__ failed
        if resume:
            self.h_x = check_resumed(self.out, digest, self.labels)
            if self._auto_dtype:  # as the folder was recorded
                self.dtype = np.dtype(read_config(self.out).get("record_dtype", "float32"))
        else:
            self.h_x = input_entropy_bits(x)
            extra = {"inputs": x.astype(np.float32)} if store_inputs else {}
            write_npz(self.out / LABELS_FILE, labels=self.labels, H_X=np.float64(self.h_x),
                      inputs_sha256=np.array(digest), **extra)
        records = RecordWriter(self.out, self.labels, self.bins, self.h_x,
                               label_entropy_bits(self.labels),
                               provenance(  # once: reading versions takes ms
                                   method="binning", settings={**self.bins._asdict(),
                                                               "n": self.n},
                                   source=f"integrations.Recorder into {self.out}"))
        if resume:
            restored = read_records(self.out, records.plane)
            if restored is not None:
                records.restore(restored)
                self.layer_names, self._widths, self._epochs = (
                    list(restored[0]), list(restored[1]), list(restored[2]))
        else:
            self._write_config()
        self.writer = writer
        self._writer = (WriterProcess(records, keep_open=(lock,) if lock is not None else ())
                        if writer in ("process", "auto") else WriterThread(records))
        if self.layer_names:  # resumed: the layers are known
            self._settle_writer()
            self._writer.start(self.layer_names, self._widths, self.n, self.dtype)

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
        if self.layer_names is None and self._auto_dtype:
            widths = [int(np.prod(np.shape(a)[1:])) for a in activations.values()]
            wide = bool(widths) and max(widths) >= WIDE_UNITS
            self.dtype = np.dtype("float16" if wide else "float32")
        names, layers = check_layers(activations, self.layer_names, self._widths, self.n,
                                     self.dtype, copy and not self._writer.copies)
        if self.layer_names is None:  # the first record: nothing is in flight
            self._start(names, layers)
        staged = self._writer.stage(layers)  # the slot the record in flight does not use
        self._wait()
        chunk = len(self._epochs)
        self._epochs.append(epoch)
        try:
            self._pending = self._writer.submit(chunk, epoch, staged)
        except BaseException:  # not sent (a lost writer process): not a record
            self._epochs.pop()
            raise

    def _free_slot(self) -> list[np.ndarray] | None:
        """The (n, units) arrays the next record is copied into, for a framework recorder to
        fill itself and save that copy (None if there are none: before the first record, or
        with a writer thread, which is handed each record's own arrays)."""
        return self._writer.free_slot()

    def flush(self) -> None:
        """Wait until the last ``record`` is written, information.npz included; raise its
        error, if it failed (that record is then dropped)."""
        try:
            self._wait()
        finally:
            self._writer.information(complete=False)

    def _wait(self) -> None:
        """Wait for the record in flight; drop it if it failed, and raise its error."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        try:
            pending.result()
        except BaseException:
            del self._epochs[self._writer.done:]
            with contextlib.suppress(Exception):  # the records before it, if the disk allows
                self._writer.information(complete=False)
            raise

    def close(self) -> None:
        """Finish the last write and mark the run complete (``complete = True``)."""
        if self._closed:
            return
        try:
            self._wait()
            self._writer.information(complete=True)
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
        if self._writer is not None:
            self._writer.stop()
        self._unlock()

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
        self._settle_writer()
        self._writer.start(names, self._widths, self.n, self.dtype)
        self._write_config()

    def _settle_writer(self) -> None:
        """``writer="auto"``, once the size of a record is known (it has written nothing yet):
        the writer process for records of at most ``AUTO_PROCESS_BYTES``, else a thread."""
        if self.writer != "auto":
            return
        if self.n * sum(self._widths) * self.dtype.itemsize <= AUTO_PROCESS_BYTES:
            self.writer = "process"
        else:
            self._writer, self.writer = self._writer.as_thread(), "thread"

    def _write_config(self) -> None:
        names = self.layer_names or []
        write_config(self.out, {
            "source": "recorder", "dataset": None, "n_inputs": self.n, "layer_names": names,
            "layer_widths": self._widths, "record_layers": list(range(len(names))),
            "record_dtype": self.dtype.name, "bin_rule": self.bins.rule,
            "n_bins": self.bins.n_bins, "bin_low": self.bins.low, "bin_high": self.bins.high,
        }, logged_epochs=self._epochs, n_chunks=len(self._epochs), devices=[])
