"""Recording networks trained elsewhere into infoplane run folders.

``Recorder`` is the framework-neutral core (any training loop calls ``record(epoch, layers)``);
``infoplane.integrations.keras`` (a Keras 3 callback) and ``infoplane.integrations.torch``
(forward hooks) build on it. Neither framework is imported until its module is.
"""

from .recorder import Recorder

__all__ = ["Recorder"]
