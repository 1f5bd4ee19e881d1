"""Training many networks at once while recording their information plane.

``RunConfig`` (``config``, no JAX import) describes a run and is passed down whole;
``schedules`` says which epochs are logged; ``models`` holds the MLP and its two forward passes,
``network`` what the program needs of any network; ``program`` compiles a chunk of logged
epochs for all seeds from one ``epoch`` of training, the ``measure`` of a logged epoch and the
``sharding`` of seeds over devices; ``loop.train`` feeds it chunk by chunk and decides what to
write to the run folder when (its format is ``infoplane.runs``); ``quantise`` makes a
network's layers discrete, so that its measured plane is exact (``RunConfig.quantize_bits``).
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_names

if TYPE_CHECKING:
    from .config import PRESETS, RunConfig, preset
    from .loop import TrainingDiverged, train
    from .model import Model
    from .quantisation import quantise, quantise_weights
    from .schedules import SCHEDULES, logged_epochs

# the module of each public name, imported on first use (``infoplane._lazy``)
_MODULES = {
    ".config": ("PRESETS", "RunConfig", "preset"),
    ".loop": ("TrainingDiverged", "train"),
    ".model": ("Model",),
    ".quantisation": ("quantise", "quantise_weights"),
    ".schedules": ("SCHEDULES", "logged_epochs"),
}

__all__ = ["PRESETS", "SCHEDULES", "Model", "RunConfig", "TrainingDiverged", "logged_epochs",
           "preset", "quantise", "quantise_weights", "train"]

__getattr__, __dir__ = lazy_names(globals(), _MODULES)
