"""infoplane: the information theory of trained neural networks, in bits.

Train networks in JAX while recording every layer's information plane, estimate entropy and
mutual information with estimators that state their bias, draw the figures of the
information-bottleneck papers, and reproduce them.

The public API, in pipeline order (data -> training -> estimators -> plane -> figures);
``docs/ARCHITECTURE.md`` shows where each stage lives.
"""

__version__ = "0.1.0"

from typing import TYPE_CHECKING

from ._errors import InfoplaneError
from ._lazy import lazy_names
from ._mappings import MappingLimitWarning

if TYPE_CHECKING:
    from .data import (
        Dataset,
        digits,
        load_dataset,
        load_idx,
        load_mat,
        load_npz,
        read_activations,
        read_inputs,
        read_labels,
        split,
        tishby12,
    )
    from .estimators import (
        Bins,
        Estimate,
        conditional_entropy,
        conditional_mutual_information,
        cross_entropy,
        cross_entropy_loss,
        entropy,
        joint_entropy,
        kl_divergence,
        mutual_information,
        total_correlation,
    )
    from .estimators.trust import format_trust_table, trust_check
    from .integrations import Recorder
    from .plane import plane_from_activations, plane_from_npz, plane_from_run
    from .records import InformationPlane, RunResult, TrainingHistory
    from .runs import read_information, read_run
    from .training import PRESETS, Model, RunConfig, TrainingDiverged, preset, quantise, train

# the module of each public name, imported on first use (``_lazy``): ``import infoplane``
# loads no JAX
_MODULES = {
    ".data": (
        "Dataset", "digits", "load_dataset", "load_idx", "load_mat", "load_npz",
        "read_activations", "read_inputs", "read_labels", "split", "tishby12",
    ),
    ".estimators": (
        "Bins", "Estimate", "conditional_entropy", "conditional_mutual_information",
        "cross_entropy", "cross_entropy_loss", "entropy", "joint_entropy", "kl_divergence",
        "mutual_information", "total_correlation",
    ),
    ".estimators.trust": ("format_trust_table", "trust_check"),
    ".integrations": ("Recorder",),
    ".plane": ("plane_from_activations", "plane_from_npz", "plane_from_run"),
    ".records": ("InformationPlane", "RunResult", "TrainingHistory"),
    ".runs": ("read_information", "read_run"),
    ".training": (
        "PRESETS", "Model", "RunConfig", "TrainingDiverged", "preset", "quantise", "train",
    ),
}

__all__ = [
    "PRESETS",
    "Bins",
    "Dataset",
    "Estimate",
    "InfoplaneError",
    "InformationPlane",
    "MappingLimitWarning",
    "Model",
    "Recorder",
    "RunConfig",
    "RunResult",
    "TrainingHistory",
    "TrainingDiverged",
    "conditional_entropy",
    "conditional_mutual_information",
    "cross_entropy",
    "cross_entropy_loss",
    "digits",
    "format_trust_table",
    "entropy",
    "joint_entropy",
    "kl_divergence",
    "load_dataset",
    "load_idx",
    "load_mat",
    "load_npz",
    "mutual_information",
    "plane_from_activations",
    "plane_from_npz",
    "plane_from_run",
    "preset",
    "quantise",
    "read_activations",
    "read_information",
    "read_run",
    "read_inputs",
    "read_labels",
    "split",
    "tishby12",
    "total_correlation",
    "train",
    "trust_check",
]

__getattr__, __dir__ = lazy_names(globals(), _MODULES)
