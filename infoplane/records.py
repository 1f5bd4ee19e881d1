"""The typed records that cross the stages of the pipeline: an ``InformationPlane`` (what every
``plane_from_*``, ``read_information`` and the figures share), a run's ``TrainingHistory`` and
the ``RunResult`` that ``infoplane.train`` returns, which holds both.

What goes where. The plane record holds what an estimator says about the layers: I(X;T) and
I(T;Y) at every (seed, logged epoch, layer), their standard errors, the bracket of I(T;Y)
(and of I(X;T) for noisy networks), the ceilings H(X) and H(Y), the estimator (method, unit,
settings), its flags and warnings, and where it came from (provenance). Any plane can be
computed from a run's activations again, by another estimator, so nothing of the training is
in it. What training measured besides (losses, accuracies, gradient statistics, weight norms)
is a ``TrainingHistory``; how the run went (complete, seeds, timings, layer widths) is in the
``RunResult``. A run recorded from another framework (``integrations.Recorder``) has a plane
and no history.

On disk. A record is written as the members of an ``.npz`` file, the names those of the
fields (``information.npz``, ``information_<name>.npz``; strings and mappings as 0-d string
arrays, mappings as JSON), so that files written by earlier versions, which held the same
names, read as records; a training run's ``information.npz`` holds its plane's members and
its history's side by side. The 95% seed intervals ``I_XT_ci95`` and ``I_TY_ci95``
[2, epoch, layer] are written for readers of the files but are not fields: they follow from
the seeds (``InformationPlane.seed_intervals``).

All information quantities are in the plane's ``unit``: bits unless it says "nats".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from ._errors import InfoplaneError
from ._stats import outside_bracket, outside_xt_bracket, seed_interval
from .data._formats import read_npz, write_npz

# The optional [seed, epoch, layer] arrays of a plane, and their dtype kind.
_POINT_ARRAYS = {
    "I_XT_stderr": float, "I_TY_stderr": float,
    "I_TY_lower": float, "I_TY_lower_stderr": float, "I_TY_upper": float, "I_TY_outside": bool,
    "I_XT_lower": float, "I_XT_upper": float, "I_XT_outside": bool,
    "dim_T": np.int64, "saturated": bool,
}
_UNITS = ("bits", "nats")


@dataclass(frozen=True, eq=False)
class InformationPlane:
    """I(X;T) and I(T;Y) of every layer at every logged epoch of every seed, with what is
    known about each point.

    Every array of points is [seed, epoch, layer]; a plane of one network has one seed. Given
    [epoch, layer] arrays, the record adds the seed axis.

    What is here and what is not: everything an estimator says about the layers (the points,
    their errors and brackets, the ceilings, the estimator, its flags and warnings, the
    provenance), because a plane can be estimated again from recorded activations by another
    estimator, with no training. What training measured besides (losses, accuracies,
    gradient statistics) is a ``TrainingHistory``, and how a run went (complete, seeds,
    timings) its ``RunResult``: they do not change when the plane is estimated again.

    Attributes:
        I_XT, I_TY: [seed, epoch, layer] float64, in ``unit``. For method "knn" the I_XT slot
            holds the differential entropy h(T) (``settings["I_XT"]`` says so).
        epochs: [epoch] int64, the logged epochs.
        layer_names: one name per layer (default "layer_0", "layer_1", ...).
        H_X, H_Y: the entropies of the inputs and of the labels, in ``unit``, the ceilings of
            I(X;T) and I(T;Y); None where unknown (NaN where a recorder did not know H(X)).
        method: the estimator ("binning", "exact", "kde_upper", "kde_lower", "knn",
            "compressed"), None where unknown.
        unit: "bits" or "nats".
        settings: the estimator's settings as used, defaults included.
        provenance: what the plane was made from (``runs.provenance``: method, settings,
            source, versions); empty where unknown.
        I_XT_stderr, I_TY_stderr: standard errors of the points (anchored KDE, compressed), or
            None.
        I_TY_lower, I_TY_lower_stderr: the probe bound H(Y) - CE <= I(T;Y) (Barber & Agakov
            2003) and its standard error, or None for a plane without the bracket (a training
            run's binned plane).
        I_TY_upper: the upper end of the bracket, H(Y), at every point, or None.
        I_TY_outside: bool, True where I(T;Y) lies outside its bracket by more than its
            errors, or None.
        I_XT_lower, I_XT_upper: the bracket of I(X;T) for networks with Gaussian noise in
            their layers (the Kolchinsky-Tracey pair), or None.
        I_XT_outside: bool, True where a compressed plane's I(X;T) lies outside that
            bracket (always False for other methods, whose I_XT is another quantity), or
            None.
        dim_T: int, the compressed width of each layer (method "compressed"), or None.
        saturated: bool, binned points with at least n / 2 bins occupied (I(X;T) near log2 n
            whatever the layer does), or None.
        layers: the layers' indices in the network (a plane of a run's recorded layers), or
            None.
        warnings: the estimator's warnings, one line each.

    Raises:
        InfoplaneError: (one line) when the arrays' shapes do not agree.
    """

    I_XT: np.ndarray
    I_TY: np.ndarray
    epochs: np.ndarray
    layer_names: tuple[str, ...] = ()
    H_X: float | None = None
    H_Y: float | None = None
    method: str | None = None
    unit: str = "bits"
    settings: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    I_XT_stderr: np.ndarray | None = None
    I_TY_stderr: np.ndarray | None = None
    I_TY_lower: np.ndarray | None = None
    I_TY_lower_stderr: np.ndarray | None = None
    I_TY_upper: np.ndarray | None = None
    I_TY_outside: np.ndarray | None = None
    I_XT_lower: np.ndarray | None = None
    I_XT_upper: np.ndarray | None = None
    I_XT_outside: np.ndarray | None = None
    dim_T: np.ndarray | None = None
    saturated: np.ndarray | None = None
    layers: tuple[int, ...] | None = None
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        xt = _points(self.I_XT, "I_XT", float)
        ty = _points(self.I_TY, "I_TY", float)
        if ty.shape != xt.shape:
            raise InfoplaneError(f"I_TY has shape {ty.shape} but I_XT {xt.shape}; both must "
                                 "be [seed, epoch, layer]")
        n_epochs, n_layers = xt.shape[1:]
        epochs = np.asarray(self.epochs)
        if epochs.ndim != 1 or len(epochs) != n_epochs or epochs.dtype.kind not in "iuf":
            raise InfoplaneError(f"epochs must be {n_epochs} numbers, one per logged epoch of "
                                 f"I_XT {xt.shape}, got shape {epochs.shape}")
        names = tuple(str(n) for n in np.ravel(self.layer_names)) or tuple(
            f"layer_{li}" for li in range(n_layers))
        if len(names) != n_layers:
            raise InfoplaneError(f"layer_names has {len(names)} names but the plane has "
                                 f"{n_layers} layers")
        if self.unit not in _UNITS:
            raise InfoplaneError(f"unit must be 'bits' or 'nats', got {self.unit!r}")
        set_ = object.__setattr__  # a frozen record normalises its fields once, here
        set_(self, "I_XT", xt)
        set_(self, "I_TY", ty)
        set_(self, "epochs", epochs.astype(np.int64))
        set_(self, "layer_names", names)
        for name in ("H_X", "H_Y"):
            value = getattr(self, name)
            set_(self, name, None if value is None else float(value))
        set_(self, "method", str(self.method) if self.method else None)
        set_(self, "settings", dict(self.settings))
        set_(self, "provenance", dict(self.provenance))
        for name, kind in _POINT_ARRAYS.items():
            value = getattr(self, name)
            if value is not None:
                a = _points(value, name, kind)
                if a.shape != xt.shape:
                    raise InfoplaneError(f"{name} has shape {a.shape}; it must be that of "
                                         f"I_XT, {xt.shape} [seed, epoch, layer]")
                set_(self, name, a)
        if self.layers is not None:
            layers = tuple(int(li) for li in np.ravel(self.layers))
            if len(layers) != n_layers:
                raise InfoplaneError(f"layers has {len(layers)} indices but the plane has "
                                     f"{n_layers} layers")
            set_(self, "layers", layers)
        set_(self, "warnings", tuple(str(w) for w in np.ravel(self.warnings)))

    def __eq__(self, other: object) -> bool:  # arrays compare by value
        return _equal(self, other)

    __hash__ = None  # type: ignore[assignment]

    @property
    def n_seeds(self) -> int:
        return int(self.I_XT.shape[0])

    def seed_intervals(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """The Student-t intervals of the seed mean of I(X;T) and I(T;Y), each [2, epoch,
        layer] (low, high; ``_stats.seed_interval``; with one seed low = high = the value)."""
        out = []
        for a in (self.I_XT, self.I_TY):
            ci = seed_interval(a, level)
            out.append(np.stack([ci["low"], ci["high"]]))
        return out[0], out[1]

    def select(self, *, layers: Iterable[int] | None = None,
               seeds: Iterable[int] | None = None) -> InformationPlane:
        """The plane of some layers (positions in this plane) and seeds, every point array
        cut alike."""
        li = list(range(len(self.layer_names))) if layers is None else list(layers)
        si = list(range(self.n_seeds)) if seeds is None else list(seeds)
        cut = {name: getattr(self, name)[np.ix_(si, range(len(self.epochs)), li)]
               for name in ("I_XT", "I_TY", *_POINT_ARRAYS) if getattr(self, name) is not None}
        return replace(self, **cut, layer_names=tuple(self.layer_names[i] for i in li),
                       layers=None if self.layers is None else tuple(self.layers[i] for i in li))

    def with_values(self, I_XT, I_TY, *, bracket: bool = True,  # noqa: N803
                    **changes: Any) -> InformationPlane:
        """Other values of I(X;T) and I(T;Y) at the same points (another estimator's, or
        another quantity's), with what is known about the points made true for them.

        What described the old values goes: their standard errors, ``saturated``, ``dim_T``
        and the warnings (pass new ones in ``changes``, with ``method`` and ``settings``).
        With ``bracket`` the brackets stay, because they bound the same I(T;Y) (and the same
        noisy I(X;T)) whatever estimates it, and the points outside them are found again for
        the new values (``_stats.outside_bracket``; its messages join the warnings). Without
        it the brackets go: the new values are of another quantity (e.g. I(T;Y) for other
        labels), which the bracket does not bound.

        Args:
            I_XT, I_TY: the new values [seed, epoch, layer] (or [epoch, layer]), in ``unit``.
            bracket: keep the brackets and mark the new points outside them.
            changes: other fields to set (``method``, ``settings``, ``I_TY_stderr``, ...).

        Returns:
            The new record; this one is unchanged.
        """
        stale = {"I_XT_stderr": None, "I_TY_stderr": None, "saturated": None, "dim_T": None,
                 "warnings": ()}
        if not bracket:
            stale.update(dict.fromkeys(("I_TY_lower", "I_TY_lower_stderr", "I_TY_upper",
                                        "I_TY_outside", "I_XT_lower", "I_XT_upper",
                                        "I_XT_outside")))
        plane = replace(self, I_XT=I_XT, I_TY=I_TY, **{**stale, **changes})
        if not bracket:
            return plane
        marks: dict[str, Any] = {}
        messages: list[str] = []
        if plane.I_TY_lower is not None and plane.I_TY_upper is not None:
            lower_se = (np.zeros_like(plane.I_TY_lower) if plane.I_TY_lower_stderr is None
                        else plane.I_TY_lower_stderr)
            marks["I_TY_outside"], said = outside_bracket(
                plane.I_TY, plane.I_TY_stderr, plane.I_TY_lower, lower_se, plane.I_TY_upper,
                plane.unit, names=plane.layer_names)
            messages += said
        if plane.I_XT_lower is not None and plane.I_XT_upper is not None:
            marks["I_XT_outside"] = np.zeros(plane.I_XT.shape, bool)
            if plane.method == "compressed":  # the other methods' I_XT is another quantity
                marks["I_XT_outside"], said = outside_xt_bracket(
                    plane.I_XT, plane.I_XT_stderr, plane.I_XT_lower, plane.I_XT_upper,
                    plane.unit, names=plane.layer_names)
                messages += said
        return replace(plane, **marks, warnings=(*plane.warnings, *messages))

    def arrays(self) -> dict[str, np.ndarray]:
        """The record as ``.npz`` members (module docstring), with the seed intervals."""
        out: dict[str, np.ndarray] = {"I_XT": self.I_XT, "I_TY": self.I_TY,
                                      "epochs": self.epochs,
                                      "layer_names": np.array(self.layer_names, dtype=str)}
        for name in ("H_X", "H_Y"):
            if getattr(self, name) is not None:
                out[name] = np.float64(getattr(self, name))
        out["method"] = np.array(self.method or "")  # "": none (not the provenance's)
        out["unit"] = np.array(self.unit)
        out["settings"] = np.array(json.dumps(self.settings, default=str))
        if self.provenance:
            out["provenance"] = np.array(json.dumps(self.provenance, default=str))
        out.update({name: getattr(self, name) for name in _POINT_ARRAYS
                    if getattr(self, name) is not None})
        if self.layers is not None:
            out["layers"] = np.asarray(self.layers, dtype=np.int64)
        out["warnings"] = np.array(self.warnings, dtype=str)
        out["I_XT_ci95"], out["I_TY_ci95"] = self.seed_intervals()
        return out

    def to_npz(self, path) -> Path:
        """Write the record to ``path`` (an ``.npz``) atomically; returns the path."""
        write_npz(path, **self.arrays())
        return Path(path)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], where: str = "the arrays"
                    ) -> InformationPlane:
        """The record from ``.npz`` members (those of this or an earlier version; other
        members are ignored). ``where`` names the source in errors."""
        if "I_XT" not in arrays or "I_TY" not in arrays:
            raise InfoplaneError(f"{where} has no I_XT / I_TY arrays; is it an infoplane "
                                 "information file?")
        xt = np.asarray(arrays["I_XT"])
        if xt.ndim not in (2, 3) or any(np.asarray(arrays[k]).dtype.kind not in "iuf"
                                        for k in ("I_XT", "I_TY")):
            raise InfoplaneError(f"{where} is not an infoplane information file: I_XT and I_TY "
                                 "must be numbers [(seed,) epoch, layer]")
        prov = _mapping(arrays.get("provenance"))
        # files before the records named the method only in their provenance
        method = (_text(arrays["method"]) or None) if "method" in arrays else prov.get("method")
        settings = _mapping(arrays.get("settings")) if "settings" in arrays else dict(
            prov.get("settings") or {})
        extra = {name: arrays[name] for name in _POINT_ARRAYS if name in arrays}
        try:
            return cls(
                I_XT=xt, I_TY=arrays["I_TY"],
                epochs=arrays.get("epochs", np.arange(xt.shape[-2])),
                layer_names=tuple(np.ravel(arrays.get("layer_names", ()))),
                H_X=_scalar(arrays.get("H_X")), H_Y=_scalar(arrays.get("H_Y")),
                method=method, unit=_text(arrays.get("unit")) or "bits",
                settings=settings, provenance=prov,
                layers=None if "layers" not in arrays else tuple(np.ravel(arrays["layers"])),
                warnings=tuple(np.ravel(arrays.get("warnings", ()))), **extra)
        except InfoplaneError as err:
            raise InfoplaneError(f"{where} is not an infoplane information file: {err}"
                                 ) from None

    @classmethod
    def from_npz(cls, path) -> InformationPlane:
        """The record of an ``information*.npz`` file (of this or an earlier version)."""
        return cls.from_arrays(read_npz(path), str(path))


@dataclass(frozen=True, eq=False)
class TrainingHistory:
    """What training measured at every logged epoch besides the plane.

    Attributes:
        epochs: [epoch] int64, the logged epochs (those of the plane).
        train_loss, test_loss: [seed, epoch] cross-entropy losses in bits.
        train_acc, test_acc: [seed, epoch] accuracies in [0, 1].
        grad_mean, grad_std: [seed, epoch, weight] the norm of the mean gradient of each
            weight matrix over an epoch's batches and the norm of their standard deviation
            (Shwartz-Ziv & Tishby 2017, Fig. 4).
        weight_norm: [seed, epoch, weight] the norm of each weight matrix.
        weight_names: one name per weight matrix.
    """

    epochs: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    train_acc: np.ndarray
    test_acc: np.ndarray
    grad_mean: np.ndarray
    grad_std: np.ndarray
    weight_norm: np.ndarray
    weight_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        epochs = np.asarray(self.epochs).astype(np.int64)
        set_(self, "epochs", epochs)
        n_weights = None
        for name in _HISTORY_ARRAYS:
            a = np.asarray(getattr(self, name))
            per_weight = name in ("grad_mean", "grad_std", "weight_norm")
            if a.ndim != 2 + per_weight or a.shape[1] != len(epochs):
                raise InfoplaneError(
                    f"{name} has shape {a.shape}; it must be [seed, epoch"
                    f"{', weight' if per_weight else ''}] with {len(epochs)} epochs")
            if per_weight:
                n_weights = a.shape[2] if n_weights is None else n_weights
                if a.shape[2] != n_weights:
                    raise InfoplaneError(f"{name} has {a.shape[2]} weights, grad_mean "
                                         f"{n_weights}")
            set_(self, name, a)
        names = tuple(str(n) for n in np.ravel(self.weight_names)) or tuple(
            f"weight_{i}" for i in range(n_weights or 0))
        if len(names) != n_weights:
            raise InfoplaneError(f"weight_names has {len(names)} names for {n_weights} weights")
        set_(self, "weight_names", names)

    def __eq__(self, other: object) -> bool:
        return _equal(self, other)

    __hash__ = None  # type: ignore[assignment]

    def arrays(self) -> dict[str, np.ndarray]:
        """The record as ``.npz`` members (its fields' names)."""
        return {"epochs": self.epochs, **{n: getattr(self, n) for n in _HISTORY_ARRAYS},
                "weight_names": np.array(self.weight_names, dtype=str)}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> TrainingHistory | None:
        """The history in ``.npz`` members, None when they hold none (a recorder's run)."""
        if any(name not in arrays for name in _HISTORY_ARRAYS):
            return None
        return cls(epochs=arrays["epochs"], **{n: arrays[n] for n in _HISTORY_ARRAYS},
                   weight_names=tuple(np.ravel(arrays.get("weight_names", ()))))


_HISTORY_ARRAYS = ("train_loss", "test_loss", "train_acc", "test_acc", "grad_mean",
                   "grad_std", "weight_norm")


@dataclass(frozen=True, eq=False)
class RunResult:
    """A run: its plane, what training measured, and how the run went.

    Attributes:
        plane: the information plane recorded while training (binning, or the exact count of
            a quantised network), in bits.
        history: losses, accuracies and gradient statistics; None for a run recorded from
            another framework.
        complete: False while the run is still being written (or was stopped); a file
            without the flag (a plane of its own) counts as complete.
        seeds: [seed] the seed numbers, or None.
        layer_widths: the units of every layer of the network.
        compile_seconds, train_seconds: the time to compile the training program and to run
            it (the writes included), or None.
    """

    plane: InformationPlane
    history: TrainingHistory | None = None
    complete: bool = True
    seeds: np.ndarray | None = None
    layer_widths: tuple[int, ...] = ()
    compile_seconds: float | None = None
    train_seconds: float | None = None

    def __eq__(self, other: object) -> bool:
        return _equal(self, other)

    __hash__ = None  # type: ignore[assignment]

    def arrays(self) -> dict[str, np.ndarray]:
        """The run as the members of its ``information.npz``."""
        out: dict[str, np.ndarray] = {
            **self.plane.arrays(), **(self.history.arrays() if self.history else {}),
            "complete": np.asarray(self.complete),
            "layer_widths": np.asarray(self.layer_widths, dtype=np.int64)}
        if self.seeds is not None:
            out["seeds"] = np.asarray(self.seeds)
        for name in ("compile_seconds", "train_seconds"):
            if getattr(self, name) is not None:
                out[name] = np.asarray(getattr(self, name), dtype=np.float64)
        return out

    def to_npz(self, path) -> Path:
        """Write the run's ``information.npz`` to ``path`` atomically; returns the path."""
        write_npz(path, **self.arrays())
        return Path(path)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], where: str = "the arrays"
                    ) -> RunResult:
        """The run in the members of an ``information.npz`` (of this or an earlier version)."""
        return cls(plane=InformationPlane.from_arrays(arrays, where),
                   history=TrainingHistory.from_arrays(arrays),
                   complete=bool(arrays.get("complete", True)),
                   seeds=None if "seeds" not in arrays else np.asarray(arrays["seeds"]),
                   layer_widths=tuple(int(w) for w in np.ravel(arrays.get("layer_widths", ()))),
                   compile_seconds=_scalar(arrays.get("compile_seconds")),
                   train_seconds=_scalar(arrays.get("train_seconds")))

    @classmethod
    def from_npz(cls, path) -> RunResult:
        """The run of an ``information.npz`` file."""
        return cls.from_arrays(read_npz(path), str(path))


def _points(value, name: str, kind) -> np.ndarray:
    """``value`` as a [seed, epoch, layer] array of ``kind`` ([epoch, layer] gets a seed)."""
    a = np.asarray(value)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise InfoplaneError(f"{name} must be [seed, epoch, layer] (or [epoch, layer]), got "
                             f"shape {a.shape}")
    if a.dtype.kind not in "biuf":
        raise InfoplaneError(f"{name} must hold numbers, got dtype {a.dtype}")
    return a.astype(kind)


def _equal(a, b):
    """Records are equal when of one type and every field is: arrays by shape and value (NaN
    equal to NaN), the rest by ``==``."""
    if type(a) is not type(b):
        return NotImplemented
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if x is None or y is None or np.shape(x) != np.shape(y) or not np.array_equal(
                    x, y, equal_nan=np.asarray(x).dtype.kind == "f"):
                return False
        elif x != y:
            return False
    return True


def _text(value) -> str | None:
    return None if value is None else str(np.asarray(value).item())


def _scalar(value) -> float | None:
    return None if value is None else float(np.asarray(value))


def _mapping(value) -> dict:
    """A JSON object stored as a 0-d string array (or a mapping), as a dict."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    try:
        loaded = json.loads(str(np.asarray(value).item()))
    except (ValueError, TypeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
