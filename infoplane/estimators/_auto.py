"""The default mutual-information method by dimension, and the ceilings no estimate may pass
silently.

Choice (``mutual_information(..., method=None)`` with a continuous side). The registry's default
for the kinds ("copula" for continuous/continuous, "knn_mixed" for continuous/discrete) is kept
for low-dimensional data, where it is measured accurate (``_copula``). It is replaced by
"compressed" (PCA, then the same estimators on the whitened components; ``compressed``) when

- the continuous dimensions add up to more than ``AUTO_COMPRESS_DIM`` (64): kNN estimators are
  then biased by bits and the Gaussian-copula part by tens of bits on data near a
  low-dimensional manifold (measured in ``benchmarks/bench_estimators.py --high-dim``); or
- a continuous side of several columns is near low rank (the smallest eigenvalue of its
  correlation matrix below 1e-8): a copula of collinear columns is infinite.

With class labels (continuous x, discrete y) the replacement is "supervised" instead (a
projection of x on the cross-fitted discriminant's log-odds, then knn_mixed; ``supervised``):
PCA keeps the directions of largest variance, and a layer's class signal may lie in weaker
ones beside strong nuisance directions, where "compressed" loses bits (measured in
``benchmarks/bench_estimators.py --labels``). A class with fewer rows than the probe's folds
(``PROBE_FOLDS``) keeps "compressed".

The reason is recorded in the estimate's settings ("chosen_by"). When the registry default is
kept but dx + dy exceeds n / 20, a warning says the dimension is large for n.

Ceilings. No n samples can show more than log2 n bits of MI (the plug-in MI of n distinct
samples); with discrete y, I(X;Y) <= H(Y), whose plug-in value is computed from the labels. An
estimate above either gets a warning unless its method already gave one.
"""

from __future__ import annotations

import math

import numpy as np

from ..defaults import AUTO_COMPRESS_DIM, PROBE_FOLDS
from ._interface import Estimate, from_bits

_LOW_RANK = 1e-8


def _near_low_rank(a: np.ndarray) -> bool:
    a = a[:, np.ptp(a, axis=0) > 0]
    if a.shape[1] < 2:
        return False
    if a.shape[0] <= a.shape[1]:
        return True
    return bool(np.linalg.eigvalsh(np.corrcoef(a, rowvar=False))[0] < _LOW_RANK)


def _rare_class(y) -> bool:
    """True when some class has fewer rows than the probes' folds ("supervised" cannot run)."""
    counts = np.unique(np.asarray(y).reshape(len(y), -1), axis=0, return_counts=True)[1]
    return bool(counts.min() < PROBE_FOLDS)


def choose_default(x: np.ndarray, y: np.ndarray, kinds: tuple[str, str]) -> tuple[str | None, str]:
    """("compressed", "supervised" or None for the registry default, the reason) for x (n, dx),
    y (n, dy), x continuous (the continuous side comes first)."""
    sides = [x] + ([y] if kinds[1] == "c" else [])
    dims = sum(a.shape[1] for a in sides)
    wide = "compressed" if kinds[1] == "c" or _rare_class(y) else "supervised"
    if dims > AUTO_COMPRESS_DIM:
        return wide, f"{dims} continuous dimensions > {AUTO_COMPRESS_DIM}"
    if any(_near_low_rank(a) for a in sides):
        return wide, "a side is near low rank (collinear columns)"
    return None, f"{dims} continuous dimensions <= {AUTO_COMPRESS_DIM}, full rank"


def dimension_warning(dims: int, n: int) -> tuple[str, ...]:
    """A warning when dims continuous dimensions are many for n samples (dims > n / 20)."""
    if dims > n / 20:
        return (f"{dims} dimensions are many for n = {n} samples (more than n / 20): the "
                "estimate may be biased; check it with trust_check for these sizes",)
    return ()


def ceiling_warnings(est: Estimate, labels: np.ndarray | None) -> tuple[str, ...]:
    """Warnings for an MI estimate above log2 n, or above the plug-in H(Y) of ``labels``."""
    said = " ".join(est.warnings)
    out = []
    ceiling = math.log2(est.n) if est.n > 1 else 0.0
    if float(est.to("bits")) > ceiling and "log2 n" not in said:
        out.append(f"the estimate exceeds log2 n = {ceiling:.2f} bits, the most n = {est.n} "
                   "samples can show: it is not a measurement of I(X;Y); use fewer dimensions "
                   "or more samples")
    if labels is not None and "plug-in entropy" not in said:
        p = np.unique(labels, return_counts=True)[1] / len(labels)
        h = float(-np.sum(p * np.log2(p)))
        if float(est.to("bits")) > h + 1e-9:
            out.append(f"the estimate exceeds the plug-in entropy of the labels "
                       f"({from_bits(h, est.unit):.4g} {est.unit}), the most I(X;Y) can be")
    return tuple(out)
