"""The built-in estimator methods: one registry entry (:class:`Method`) each.

Each entry names the method, lists its settings with their defaults (read from the signature of
the estimator function, whose defaults come from ``infoplane.defaults``) and gives, for each
quantity it estimates, an adapter from the registry's calling convention (``Estimator`` in
``_interface``) to that function, with the kinds of data it takes and those it is the default
for. ``_registry`` explains how to add one.
"""

from __future__ import annotations

import inspect
from functools import partial

import numpy as np

from .._errors import InfoplaneError
from ._copula import copula_mutual_information
from ._interface import Estimator, Method
from ._kinds import integer_ids, labels_1d
from .binning import binning_entropy, binning_mutual_information
from .compressed import compressed_mutual_information
from .discrete import discrete_entropy, discrete_mutual_information
from .gaussian import gaussian_entropy, gaussian_mutual_information
from .kde import kde_entropy, kde_mutual_information
from .kl_weighted import weighted_kl_entropy
from .knn import knn_entropy, ksg_mutual_information, mixed_mutual_information
from .neural import neural_mutual_information
from .probe import probe_mutual_information
from .renyi import renyi_entropy, renyi_mutual_information
from .supervised import supervised_mutual_information

D, C = "d", "c"
DD, CD, CC = (D, D), (C, D), (C, C)


def defaults_of(fn, *names: str) -> dict:
    """{name: default} of the keyword arguments ``names`` of ``fn``, from its signature."""
    parameters = inspect.signature(fn).parameters
    return {name: parameters[name].default for name in names}


# ---------------------------------------------------------------- counting (discrete data)


def _counting_entropy(x, *, kind, unit, method, alphabet_size=None, alphabet_sizes=None):
    return discrete_entropy(x, method=method, alphabet_size=alphabet_size, unit=unit)


def _counting_mi(x, y, *, kinds, unit, method, alphabet_size=None, alphabet_sizes=None):
    return discrete_mutual_information(x, y, method=method, alphabet_sizes=alphabet_sizes,
                                       unit=unit)


def _check_alphabet(quantity: str, given) -> None:
    """NSB takes one alphabet size for an entropy, one per variable for an MI."""
    if quantity == "entropy" and "alphabet_sizes" in given:
        raise InfoplaneError("entropy takes alphabet_size (one number), not alphabet_sizes")
    if quantity == "mutual_information" and "alphabet_size" in given:
        raise InfoplaneError("mutual_information takes alphabet_sizes=(K_x, K_y)")


def _counting(name: str, settings: dict, default: bool = False) -> Method:
    return Method(
        name, settings,
        entropy=Estimator(partial(_counting_entropy, method=name), (D,), (D,) if default else ()),
        mutual_information=Estimator(partial(_counting_mi, method=name), (DD,),
                                     (DD,) if default else ()),
        check=_check_alphabet if settings else None,
    )


# ---------------------------------------------------------------- adapters


def _kl_entropy(x, *, kind, unit, **settings):
    return knn_entropy(x, unit=unit, **settings)


def _kl_weighted_entropy(x, *, kind, unit, **settings):
    return weighted_kl_entropy(x, unit=unit, **settings)


def _compressed_mi(x, y, *, kinds, unit, **settings):
    if kinds[1] == D:
        y = integer_ids(labels_1d(y))
        if settings["estimator"] != "copula" or settings["dim_y"] is not None:
            raise InfoplaneError("with discrete y, compressed MI compresses x only and uses "
                                 "knn_mixed: estimator= and dim_y= do not apply")
    return compressed_mutual_information(x, y, discrete_y=kinds[1] == D, unit=unit, **settings)


def _knn_mixed_mi(x, y, *, kinds, unit, **settings):
    return mixed_mutual_information(x, labels_1d(y), unit=unit, **settings)


def _ksg_mi(x, y, *, kinds, unit, variant, **settings):
    return ksg_mutual_information(x, y, variant=variant, unit=unit, **settings)


def _copula_mi(x, y, *, kinds, unit, which, **settings):
    return copula_mutual_information(x, y, which=which, unit=unit, **settings)


def _gaussian_entropy(x, *, kind, unit):
    return gaussian_entropy(x, unit=unit)


def _gaussian_mi(x, y, *, kinds, unit):
    return gaussian_mutual_information(x, y, unit=unit)


def _binning_entropy(x, *, kind, unit, **settings):
    return binning_entropy(x, unit=unit, **settings)


def _binning_mi(x, y, *, kinds, unit, **settings):
    return binning_mutual_information(x, y, bin_y=kinds[1] == C, unit=unit, **settings)


def _kde_entropy(x, *, kind, unit, bound, **settings):
    return kde_entropy(x, bound=bound, unit=unit, **settings)


def _kde_mi(x, y, *, kinds, unit, bound, **settings):
    return kde_mutual_information(x, integer_ids(labels_1d(y)), bound=bound, unit=unit,
                                  **settings)


def _renyi_entropy(x, *, kind, unit, **settings):
    # The delta kernel needs integer or boolean rows.
    return renyi_entropy(integer_ids(x) if kind == D else x, unit=unit, **settings)


def _renyi_mi(x, y, *, kinds, unit, **settings):
    return renyi_mutual_information(x, integer_ids(y) if kinds[1] == D else y, unit=unit,
                                    **settings)


def _probe_mi(x, y, *, kinds, unit, **settings):
    return probe_mutual_information(x, y, unit=unit, **settings)


def _supervised_mi(x, y, *, kinds, unit, **settings):
    return supervised_mutual_information(x, y, unit=unit, **settings)


def _neural_mi(x, y, *, kinds, unit, method, **settings):
    # Labels enter the critic as numbers.
    y = np.asarray(y, dtype=np.float64) if kinds[1] == D else y
    return neural_mutual_information(x, y, method=method, unit=unit, **settings)


# ---------------------------------------------------------------- the entries

_KNN = ("k", "transform", "jitter", "seed")
_COMPRESSED = ("compressor", "estimator", "dim_x", "dim_y", "variance", "k", "steps", "jitter",
               "seed")
_NEURAL = ("critic", "steps", "batch_size", "hidden", "embedding_dim", "learning_rate",
           "eval_fraction", "ema_rate", "seed")


def _kde(bound: str) -> Method:
    return Method(f"kde_{bound}", defaults_of(kde_entropy, "noise_var"),
                  entropy=Estimator(partial(_kde_entropy, bound=bound), (C,)),
                  mutual_information=Estimator(partial(_kde_mi, bound=bound), (CD,)))


def _neural(name: str) -> Method:
    return Method(name, defaults_of(neural_mutual_information, *_NEURAL),
                  mutual_information=Estimator(partial(_neural_mi, method=name), (CD, CC)))


# In this order the error messages list the methods that fit some data (the default first).
BUILTIN_METHODS = (
    _counting("plugin", {}, default=True),
    _counting("miller_madow", {}),
    _counting("chao_shen", {}),
    _counting("nsb", defaults_of(discrete_entropy, "alphabet_size")
              | defaults_of(discrete_mutual_information, "alphabet_sizes")),
    Method("kl", defaults_of(knn_entropy, *_KNN, "metric"),
           entropy=Estimator(_kl_entropy, (C,), default_for=(C,))),
    Method("kl_weighted", defaults_of(weighted_kl_entropy, "k", "jitter", "seed"),
           entropy=Estimator(_kl_weighted_entropy, (C,))),
    Method("knn_mixed", defaults_of(mixed_mutual_information, *_KNN),
           mutual_information=Estimator(_knn_mixed_mi, (CD,), default_for=(CD,))),
    Method("copula", defaults_of(copula_mutual_information, "k", "jitter", "seed"),
           mutual_information=Estimator(partial(_copula_mi, which="copula"), (CC,),
                                        default_for=(CC,))),
    Method("ksg1", defaults_of(ksg_mutual_information, *_KNN),
           mutual_information=Estimator(partial(_ksg_mi, variant=1), (CC,))),
    Method("ksg2", defaults_of(ksg_mutual_information, *_KNN),
           mutual_information=Estimator(partial(_ksg_mi, variant=2), (CC,))),
    Method("compressed", defaults_of(compressed_mutual_information, *_COMPRESSED),
           mutual_information=Estimator(_compressed_mi, (CD, CC))),
    Method("gaussian", {}, entropy=Estimator(_gaussian_entropy, (C,)),
           mutual_information=Estimator(_gaussian_mi, (CC,))),
    Method("gaussian_copula", {},
           mutual_information=Estimator(partial(_copula_mi, which="gaussian_copula"), (CC,))),
    Method("binning", defaults_of(binning_entropy, "n_bins", "rule", "low", "high"),
           entropy=Estimator(_binning_entropy, (C,)),
           mutual_information=Estimator(_binning_mi, (CD, CC))),
    _kde("upper"),
    _kde("lower"),
    Method("renyi", defaults_of(renyi_entropy, "alpha", "sigma", "subsample", "seed"),
           entropy=Estimator(_renyi_entropy, (D, C)),
           mutual_information=Estimator(_renyi_mi, (DD, CD, CC))),
    Method("probe", defaults_of(probe_mutual_information, "family", "folds", "regularisation",
                                "hidden", "steps", "seed"),
           mutual_information=Estimator(_probe_mi, (CD,))),
    Method("supervised", defaults_of(supervised_mutual_information, "folds", "k", "jitter",
                                     "seed"),
           mutual_information=Estimator(_supervised_mi, (CD,))),
    _neural("mine"),
    _neural("nwj"),
    _neural("infonce"),
)
