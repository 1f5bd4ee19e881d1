"""The information-bottleneck curve of a discrete joint distribution p(x, y), in bits.

``iterative`` solves the self-consistent equations at one beta, ``curve`` traces the curve by
deterministic annealing, ``bound`` gives the closed form for deterministic labels and the joint
of a labelled set with flipped labels.
"""

from .bound import deterministic_ib_bound, noisy_labels_joint
from .curve import IBCurve, ib_curve, upper_envelope
from .iterative import IBSolution, iterative_ib, merge_equivalent_inputs

__all__ = [
    "IBCurve",
    "IBSolution",
    "deterministic_ib_bound",
    "ib_curve",
    "iterative_ib",
    "merge_equivalent_inputs",
    "noisy_labels_joint",
    "upper_envelope",
]
