"""I(T;Y) of a wide continuous layer T against class labels Y by a supervised projection
(method "supervised"; the default when T has more than ``AUTO_COMPRESS_DIM`` columns).

Unsupervised compression (PCA) keeps the directions of largest variance; a layer's class
signal may lie in weak directions beside strong nuisance ones, and is then lost (measured in
``benchmarks/bench_estimators.py --labels``). Here the compression is chosen by the labels,
and never by the label of the row it maps:

1. A cross-fitted, calibrated linear probe (``probe`` family "best": per fold the shrinkage
   discriminant or the logistic regression of ``_crossfit``, whichever the other folds'
   held-out rows prefer) maps every row t_i to its held-out log-probabilities
   s_i = log q(. | t_i) (C values; the probe that scores row i was fitted on the other folds).
   Centred, C - 1 of them are the coordinates of the projection (the log-odds: a sufficient
   statistic of T for Y when the posterior is log-linear in t).
2. I(s; Y) is estimated by the Ross (2014) kNN estimator in those C - 1 dimensions (k
   neighbours), which does not need the probe to be calibrated or well specified along s.
3. The probe bound H(Y) - CE of the same probe is a second, sound lower bound.

The value is the larger of 2 and 3. Both are lower bounds on I(T;Y) up to their estimation
error (data processing: s is a function of T fitted on other rows; Barber & Agakov 2003), so
the value is never below the probe bound; it falls short of I(T;Y) when the posterior p(y | t)
is not a function of the discriminant's log-odds (strongly bent class boundaries). The
standard error is that of the larger part. Accuracy on tasks of known I(T;Y) (wide layers,
warps, nuisance dimensions, weak spread signal, near-deterministic labels):
``benchmarks/results/estimators_labels.md``.
"""

from __future__ import annotations

import math

import numpy as np

from ..defaults import JITTER, PROBE_FOLDS, SEED, K
from ._interface import Estimate, as_samples, check_same_n, check_unit, from_bits
from .compressed import discrete_mi_nats
from .probe import class_codes, crossfit_probe, prepare_layer

LN2 = math.log(2.0)


def logit_coordinates(logprob: np.ndarray) -> np.ndarray:
    """The C - 1 coordinates (n, C - 1) of log-probabilities (n, C): centred per row, the
    last column dropped (it is minus the sum of the others); float64."""
    centred = logprob - logprob.mean(axis=1, keepdims=True)
    return np.asarray(centred[:, :-1], dtype=np.float64)


def supervised_mutual_information(x, y, *, folds: int = PROBE_FOLDS, k: int = K,
                                  jitter: float = JITTER, seed: int = SEED,
                                  unit: str = "bits") -> Estimate:
    """I(T;Y) by a cross-fitted supervised projection and kNN (module docstring).

    Args:
        x: continuous samples (n,) or (n, w), e.g. a layer's activations.
        y: (n,) class labels; every class needs at least ``folds`` rows.
        folds: the stratified folds of the cross-fitting.
        k: the neighbours of the Ross estimator.
        jitter, seed: its tie-breaking noise; the seed also shuffles the folds.
        unit: "bits" or "nats".

    Returns:
        An Estimate, method "supervised", with a standard error; settings hold both parts
        ("knn_bits", "probe_bits", "probe_stderr_bits"), which one was taken ("taken"), the
        probe's accuracy and Fano's bound.

    Raises:
        InfoplaneError: as ``probe_mutual_information``.
    """
    check_unit(unit)
    xa = as_samples(x, "x")
    n = check_same_n(x=xa, y=np.asarray(y).reshape(len(np.asarray(y)), -1))
    codes, n_classes = class_codes(y, n)
    xa = prepare_layer(xa)
    probe, logprob, warnings = crossfit_probe(xa, codes, n_classes, family="best",
                                              folds=folds, seed=seed)
    knn, knn_se, more = discrete_mi_nats(logit_coordinates(logprob), codes, k, jitter, seed)
    knn, knn_se = knn / LN2, knn_se / LN2
    taken = "knn" if knn >= probe["value"] else "probe"
    value, stderr = (knn, knn_se) if taken == "knn" else (probe["value"], probe["stderr"])
    settings = {"folds": folds, "k": k, "jitter": jitter, "seed": seed, "classes": n_classes,
                "knn_bits": knn, "probe_bits": probe["value"],
                "probe_stderr_bits": probe["stderr"], "taken": taken,
                "accuracy": probe["accuracy"], "fano_bits": probe["fano_bits"]}
    return Estimate(from_bits(value, unit), unit, "supervised", "mutual_information", n,
                    settings, from_bits(stderr, unit), tuple(warnings) + tuple(more))
