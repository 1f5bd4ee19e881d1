"""Information-plane arrays, I(X;T) and I(T;Y) for every (seed, epoch, layer), from recorded
activations: arrays in memory (``plane_from_activations``, in ``compute``), a run folder
(``plane_from_run``) or an .npz of anyone's (``plane_from_npz``), both in ``sources``."""

from ._checks import PLANE_METHODS
from .compute import plane_from_activations
from .sources import plane_from_npz, plane_from_run

__all__ = ["PLANE_METHODS", "plane_from_activations", "plane_from_npz", "plane_from_run"]
