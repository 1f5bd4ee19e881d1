"""Information-plane arrays, I(X;T) and I(T;Y) for every (seed, epoch, layer), from recorded
activations: arrays in memory (``plane_from_activations``, in ``compute``), a run folder
(``plane_from_run``) or an .npz of anyone's (``plane_from_npz``), both in ``sources``, each
an ``InformationPlane`` (``infoplane.records``); the trust table of a plane's
estimator at its sizes (``write_trust``, in ``trust``)."""

from typing import TYPE_CHECKING

from .._lazy import lazy_names

if TYPE_CHECKING:
    from ..records import InformationPlane
    from ._checks import PLANE_METHODS
    from .compute import plane_from_activations
    from .sources import plane_from_npz, plane_from_run
    from .trust import layer_check, plane_dims, write_trust

# the module of each public name, imported on first use (``infoplane._lazy``)
_MODULES = {
    "._checks": ("PLANE_METHODS",),
    ".compute": ("plane_from_activations",),
    "..records": ("InformationPlane",),
    ".sources": ("plane_from_npz", "plane_from_run"),
    ".trust": ("layer_check", "plane_dims", "write_trust"),
}

__all__ = ["PLANE_METHODS", "InformationPlane", "layer_check", "plane_dims",
           "plane_from_activations", "plane_from_npz", "plane_from_run", "write_trust"]

__getattr__, __dir__ = lazy_names(globals(), _MODULES)
