"""Training many networks at once while recording their information plane.

``RunConfig`` (``config``, no JAX import) describes a run; ``models`` builds the networks;
``schedules`` says which epochs are logged; ``program`` compiles a chunk of logged epochs for
all seeds; ``loop.train`` feeds it chunk by chunk and writes the run folder (``infoplane.runs``).
"""

from .config import PRESETS, RunConfig, preset
from .loop import TrainingDiverged, train
from .schedules import SCHEDULES, logged_epochs

__all__ = ["PRESETS", "SCHEDULES", "RunConfig", "TrainingDiverged", "logged_epochs", "preset",
           "train"]
