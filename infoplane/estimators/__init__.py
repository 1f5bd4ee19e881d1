"""Estimators of entropy and mutual information, each returning an :class:`Estimate` in bits."""

from ._interface import Estimate
from .binning import Bins, binned_information

__all__ = ["Bins", "Estimate", "binned_information"]
