"""Recording networks trained elsewhere into infoplane run folders.

``Recorder`` is the framework-neutral core (any training loop calls ``record(epoch, layers)``);
``infoplane.integrations.keras`` (a Keras 3 callback) and ``infoplane.integrations.torch``
(forward hooks) build on it. Neither framework is imported until its module is.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_names

if TYPE_CHECKING:
    from .recorder import Recorder

# the module of each public name, imported on first use (``infoplane._lazy``)
_MODULES = {
    ".recorder": ("Recorder",),
}

__all__ = ["Recorder"]

__getattr__, __dir__ = lazy_names(globals(), _MODULES)
