"""Estimators of entropy and mutual information, each returning an :class:`Estimate` in bits.

The information functions choose an estimator by ``method=`` name from the registry
(``_registry``; :func:`method_names` lists them), by default after the kinds of data; the
modules of the families (binning, discrete, divergences, gaussian, kde, knn, neural, renyi)
hold the estimators themselves, with their own settings. The batched cores
(:func:`binned_information`, :func:`kde_information_batched`) serve whole runs: training and
``infoplane.plane``. :class:`Bins` is the discretisation of the binning estimators.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_names

if TYPE_CHECKING:
    from ._api import conditional_entropy, entropy, joint_entropy, total_correlation
    from ._api_mi import conditional_mutual_information, mutual_information
    from ._interface import Estimate
    from ._kde_core import kde_information_batched
    from ._registry import method_names
    from .binning import binned_information
    from .bins import Bins
    from .divergences import cross_entropy, cross_entropy_loss, kl_divergence

# the module of each public name, imported on first use (``infoplane._lazy``)
_MODULES = {
    "._api": ("conditional_entropy", "entropy", "joint_entropy", "total_correlation"),
    "._api_mi": ("conditional_mutual_information", "mutual_information"),
    "._interface": ("Estimate",),
    "._kde_core": ("kde_information_batched",),
    "._registry": ("method_names",),
    ".binning": ("binned_information",),
    ".bins": ("Bins",),
    ".divergences": ("cross_entropy", "cross_entropy_loss", "kl_divergence"),
}

__all__ = [
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
    "method_names",
    "mutual_information",
    "total_correlation",
]

__getattr__, __dir__ = lazy_names(globals(), _MODULES)
