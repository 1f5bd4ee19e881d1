"""The background half of a ``Recorder``: each record's plane, its activation chunk, and
information.npz (``RecordWriter``), run by a thread of the recording process
(``WriterThread``) or by a writer process of its own (``_writer_process.WriterProcess``, which
says when a process helps).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..estimators.bins import Bins
from ..records import InformationPlane, RunResult
from ..runs import write_activations, write_information
from ._binned import binned_plane
from ._folder import read_chunk

# information.npz is rewritten after a record at most this often (and by flush and close);
# the chunks are written at every record, and a resumed folder recomputes what it lacks.
INFORMATION_EVERY_S = 2.0


class RecordWriter:
    """The records of one folder, and the files that hold them.

    Args:
        out: the run folder.
        labels: (n,) int64 class labels of the probe inputs.
        bins: the binning of the plane.
        h_x, h_y: H(X) and H(Y) in bits, written into information.npz.
        provenance: the provenance of the plane (``runs.provenance``).
    """

    def __init__(self, out: Path, labels: np.ndarray, bins: Bins, h_x: float, h_y: float,
                 provenance: dict):
        self.out = Path(out)
        self.labels = labels
        classes, codes = np.unique(labels, return_inverse=True)
        self.codes = codes.ravel().astype(np.int64)
        self.n_classes = len(classes)
        self.bins, self.h_x, self.h_y, self.provenance = bins, h_x, h_y, provenance
        self.names: list[str] = []
        self.widths: list[int] = []
        self.epochs: list[int] = []  # written, each with its plane below
        self.ixt: list[np.ndarray | None] = []  # None: left for ``catch_up``
        self.ity: list[np.ndarray | None] = []
        self.information_at = (0, -math.inf)  # records in information.npz, and when written
        self.later: list[tuple[int, int]] = []  # (record, chunk) written without their plane

    def plane(self, layers: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The binned (I_XT, I_TY) (layers,) in bits of one epoch's stored layers."""
        if self.bins.rule == "quantile":  # per-unit quantiles: the compiled estimator
            from ..plane import plane_from_activations

            plane = plane_from_activations([a[None] for a in layers], self.labels,
                                           method="binning", **self.bins._asdict())
            return plane.I_XT[0, 0], plane.I_TY[0, 0]
        return binned_plane(layers, self.codes, self.n_classes, self.bins)

    def restore(self, records) -> None:
        """Continue from ``_folder.read_records``'s records."""
        self.names, self.widths, self.epochs, self.ixt, self.ity = records

    def start(self, names: list[str], widths: list[int]) -> None:
        self.names, self.widths = list(names), list(widths)

    def write(self, chunk: int, epoch: int, layers: list[np.ndarray], plane: bool = True) -> int:
        """One record: its plane (unless ``plane`` is False: left for ``catch_up``), its chunk,
        then information.npz if it was last written more than ``INFORMATION_EVERY_S`` ago and
        no plane is missing. Returns the number of records written."""
        ixt, ity = self.plane(layers) if plane else (None, None)
        write_activations(self.out, chunk, [epoch],
                          {li: a[None, None] for li, a in enumerate(layers)})
        if not plane:
            self.later.append((len(self.epochs), chunk))
        self.epochs.append(epoch)
        self.ixt.append(ixt)
        self.ity.append(ity)
        if not self.later and time.monotonic() - self.information_at[1] >= INFORMATION_EVERY_S:
            self.information(complete=False)
        return len(self.epochs)

    def catch_up(self, most: int | None = None) -> None:
        """Compute the planes ``write`` left out (at most ``most`` of them), from the chunks
        on disk, oldest first."""
        while self.later and (most is None or most > 0):
            index, chunk = self.later[0]
            _, layers = read_chunk(self.out / "activations" / f"chunk_{chunk:05d}.npz",
                                   len(self.names))
            self.ixt[index], self.ity[index] = self.plane(layers)
            self.later.pop(0)
            most = None if most is None else most - 1

    def information(self, complete: bool) -> int:
        """information.npz of the records written so far (once more only to mark it
        complete). Returns the number of records written."""
        done = len(self.epochs)
        if done == 0 or (self.information_at[0] == done and not complete):
            return done
        self.catch_up()  # every plane is there now
        ixt = [a for a in self.ixt if a is not None]
        ity = [a for a in self.ity if a is not None]
        plane = InformationPlane(
            I_XT=np.stack(ixt)[None], I_TY=np.stack(ity)[None],
            epochs=np.asarray(self.epochs, dtype=np.int64), layer_names=tuple(self.names),
            H_X=self.h_x, H_Y=self.h_y, method="binning", settings=self.bins._asdict(),
            provenance=self.provenance)
        write_information(self.out, RunResult(plane, complete=complete,
                                              layer_widths=tuple(self.widths)))
        self.information_at = (done, time.monotonic())
        return done


# ------------------------------------------------------------------------------ transports

class WriterThread:
    """A ``RecordWriter`` run by one thread of this process."""

    copies = False  # the records it is handed must already be the recorder's own copies

    def __init__(self, writer: RecordWriter):
        self.writer = writer
        self._pool: ThreadPoolExecutor | None = None

    @property
    def done(self) -> int:
        return len(self.writer.epochs)

    def start(self, names, widths, n, dtype) -> None:
        self.writer.start(names, widths)

    def free_slot(self) -> None:
        return None  # each record is a copy of its own

    def stage(self, layers: list[np.ndarray]) -> list[np.ndarray]:
        return layers

    def submit(self, chunk: int, epoch: int, layers, plane: bool = True) -> Future:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="infoplane-rec")
        return self._pool.submit(self.writer.write, chunk, epoch, layers, plane)

    def information(self, complete: bool) -> int:
        return self.writer.information(complete)

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
