"""Estimators of entropy and mutual information, each returning an :class:`Estimate` in bits.

The functions below choose an estimator by ``method=`` name (see ``_api``); the estimator
modules (binning, discrete, divergences, kde, knn, gaussian, renyi, neural) hold the
implementations and their own settings. The batched cores are exported for whole runs
(``infoplane.plane``).
"""

from ._api import (
    METHODS,
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
from ._interface import Estimate
from .binning import binned_information
from .bins import Bins
from .kde import kde_information_batched

__all__ = [
    "METHODS",
    "Bins",
    "Estimate",
    "binned_information",
    "conditional_entropy",
    "conditional_mutual_information",
    "cross_entropy",
    "cross_entropy_loss",
    "entropy",
    "joint_entropy",
    "kde_information_batched",
    "kl_divergence",
    "mutual_information",
    "total_correlation",
]
