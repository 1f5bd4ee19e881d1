"""Information-plane arrays, I(X;T) and I(T;Y) for every (seed, epoch, layer), from recorded
activations: a run's (``plane_from_run``), an .npz of anyone's (``plane_from_npz``), or arrays
in memory (``plane_from_activations``)."""

from .compute import PLANE_METHODS, plane_from_activations, plane_from_npz, plane_from_run

__all__ = ["PLANE_METHODS", "plane_from_activations", "plane_from_npz", "plane_from_run"]
