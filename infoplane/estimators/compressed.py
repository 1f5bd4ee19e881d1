"""Mutual information through lossy compression (method "compressed").

Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov & Didenko (ICLR 2024), "Information
bottleneck analysis of deep neural networks via lossy compression": compress each side to a
few dimensions, whiten, and estimate I between the compressed representations. By the data
processing inequality I(f(X); g(Y)) <= I(X;Y), with equality when f, g keep what X and Y share
(an injective map of a low-dimensional latent, or a linear embedding whose isotropic noise the
dropped components carry): the estimate is a lower bound on I(X;Y) up to estimation error.

Compression (``_compress``): PCA by default, the dimension chosen per side by the documented
rule (fraction ``variance`` of the variance, above the noise bulk, at most ``compress_cap(n)``)
or fixed by ``dim_x`` / ``dim_y``; ``compressor="autoencoder"`` trains a small MLP autoencoder
with optax (``_autoencoder``) at the same dimension. Then, on the whitened codes:

- ``estimator="copula"`` (default): the "copula" estimator of ``_copula`` (the larger of KSG2
  and the bias-corrected Gaussian-copula MI of the normal scores); the compressed dimensions
  are small, so its Gaussian part stays well conditioned. Standard error: the delta-method
  variance of the Gaussian MI, sum_i rho_i^2 / n + dx dy / (2 n^2) (nats^2) with rho_i the
  canonical correlations of the normal scores (the second term is the chi^2 spread at
  independence); used also when the KSG2 part is the larger (an approximation).
- ``estimator="kl_weighted"``: I = H(X') + H(Y') - H(X', Y') by the weighted Kozachenko-Leonenko
  estimator (``kl_weighted``, k = 5 as Butakov et al.); standard error std_i(t_i) / sqrt(n) of
  the per-sample terms. Its weights grow with the joint dimension (large variance above about
  8 joint dimensions at k = 5: a warning says so).
- ``estimator="ksg"``: KSG estimator 1 (k = 3); standard error from its per-sample terms.

With discrete y only x is compressed and the Ross (2014) estimator ("knn_mixed") is used;
standard error std_i(t_i) / sqrt(n) of its per-sample terms (``_mi_terms.ross_mi_terms``).
Settings report the dimensions, the variance each side keeps, the loss of each compression
(reconstruction error relative to the total variance, and for the autoencoder relative to PCA
at the same dimension); warnings flag a capped dimension and an autoencoder worse than PCA.
"""

from __future__ import annotations

import math

import numpy as np

from .._errors import InfoplaneError, check_choice, check_positive_int, check_positive_real
from ..defaults import COMPRESS_VARIANCE, JITTER, KL_WEIGHTED_K, SEED, K
from ._compress import Compression, compress_cap, pca_compress
from ._copula import copula_mutual_information, normal_scores
from ._interface import Estimate, as_samples, check_same_n, check_unit, from_nats
from ._mi_terms import kl_weighted_mi_terms, ksg_mi_terms, ross_mi_terms

COMPRESSORS = ("pca", "autoencoder")
ESTIMATORS = ("copula", "kl_weighted", "ksg")


def compress_side(a: np.ndarray, name: str, dim, cap: int, compressor: str, variance: float,
                  seed: int, steps: int) -> tuple[Compression, tuple[str, ...]]:
    """One side (n, D) float64 compressed and whitened (constant columns dropped, with a
    warning), and the warnings; raises when every column is constant."""
    keep = np.ptp(a, axis=0) > 0
    warnings = ()
    if not keep.all():
        warnings = (f"dropped {int(np.sum(~keep))} constant column(s) of {name}",)
    if not keep.any():
        raise InfoplaneError(f"every column of {name} is constant: I(X;Y) = 0 and there is "
                             "nothing to compress")
    a = a if keep.all() else a[:, keep]  # no copy of wide data without constant columns
    comp = pca_compress(a, dim=dim, cap=cap, variance=variance, seed=seed)
    if compressor == "autoencoder":
        from ._autoencoder import autoencoder_compress

        comp, more = autoencoder_compress(a, comp, seed=seed, steps=steps, name=name)
        warnings += more
    if comp.capped:
        warnings += (f"{name} compressed to the cap of {comp.dim} dimensions for n = "
                     f"{a.shape[0]}: the kept components explain {comp.explained:.0%} of its "
                     "variance; information in the others is lost (a lower bound)",)
    return comp, warnings


def _gaussian_stderr_nats(zx: np.ndarray, zy: np.ndarray) -> float:
    """sqrt(sum rho_i^2 / n + dx dy / (2 n^2)) from the canonical correlations of the scores."""
    sx, sy = normal_scores(zx), normal_scores(zy)
    n, dx = sx.shape
    c = np.cov(np.concatenate([sx, sy], axis=1), rowvar=False)
    cxx, cyy, cxy = c[:dx, :dx], c[dx:, dx:], c[:dx, dx:]
    rho2 = np.linalg.eigvals(np.linalg.solve(cxx, cxy) @ np.linalg.solve(cyy, cxy.T)).real
    return math.sqrt(float(np.sum(np.clip(rho2, 0, 1))) / n + dx * sy.shape[1] / (2 * n * n))


def codes_mi_nats(zx, zy, estimator: str, k: int | None, jitter: float, seed: int):
    """(value in nats, stderr in nats, settings, warnings) of I between whitened codes."""
    if estimator == "copula":
        est = copula_mutual_information(zx, zy, k=k or K, jitter=jitter, seed=seed, unit="nats")
        return (est.value, _gaussian_stderr_nats(zx, zy),
                {"ksg2_nats": est.settings["ksg2"], "gaussian_nats": est.settings["gaussian"]}, ())
    rng = np.random.default_rng(seed)
    if estimator == "kl_weighted":
        k = k or KL_WEIGHTED_K
        t, norm = kl_weighted_mi_terms(zx, zy, k, jitter, rng)
        warn = () if norm <= 10 else (
            f"the weighted KL weights in {zx.shape[1] + zy.shape[1]} joint dimensions have "
            f"norm {norm:.0f} at k = {k}: the estimate has a large variance; raise k or "
            "compress further",)
        return float(t.mean()), float(t.std(ddof=1) / math.sqrt(len(t))), {}, warn
    t = ksg_mi_terms(zx, zy, k or K, jitter, rng)
    return float(t.mean()), float(t.std(ddof=1) / math.sqrt(len(t))), {}, ()


def check_compression(compressor: str, estimator: str, variance, **dims) -> float:
    """Raise unless the compression settings are valid; return ``variance`` as a float."""
    check_choice("compressor", compressor, COMPRESSORS)
    check_choice("estimator", estimator, ESTIMATORS)
    variance = check_positive_real("variance", variance)
    if variance > 1:
        raise InfoplaneError(f"variance is a fraction of the variance in (0, 1], got {variance}")
    for name, d in dims.items():
        if d is not None:
            check_positive_int(name, d)
    return variance


def discrete_mi_nats(z: np.ndarray, labels, k: int, jitter: float, seed: int):
    """(value in nats, stderr in nats, warnings) of the Ross (2014) estimator on codes z (n, m)
    and (n,) labels: the mean of the per-sample terms (equal to
    ``knn.mixed_mutual_information`` of the same data) and their s.d. / sqrt(terms)."""
    labels = np.asarray(labels).reshape(z.shape[0])
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise InfoplaneError("labels contain NaN or inf; remove those samples")
    codes, sizes = np.unique(labels, return_inverse=True, return_counts=True)[1:]
    if sizes.max() < 2:
        raise InfoplaneError("every label occurs once, so no within-class distance exists; "
                             "labels must be discrete classes with at least 2 samples each")
    if k >= z.shape[0]:
        raise InfoplaneError(f"k={k} must be smaller than the number of samples n={z.shape[0]}")
    warnings = ()
    if sizes.min() <= k:
        warnings = (f"{int(np.sum(sizes <= k))} class(es) have <= k={k} members: they use "
                    f"k = size - 1 and {int(np.sum(sizes == 1))} singleton class(es) are "
                    "left out",)
    t = ross_mi_terms(z, codes.reshape(-1), k, jitter, np.random.default_rng(seed))
    return float(t.mean()), float(t.std(ddof=1) / math.sqrt(t.size)), warnings


def compressed_mutual_information(
    x, y, *, discrete_y: bool = False, compressor: str = "pca", estimator: str = "copula",
    dim_x: int | None = None, dim_y: int | None = None, variance: float = COMPRESS_VARIANCE,
    k: int | None = None, steps: int = 2000, jitter: float = JITTER, seed: int = SEED,
    unit: str = "bits",
) -> Estimate:
    """I(X;Y) of compressed, whitened x and y (method "compressed"; see the module docstring).

    Args:
        x: continuous samples (n,) or (n, dx); dx may exceed n.
        y: samples (n,) or (n, dy): continuous, or discrete labels with ``discrete_y=True``.
        discrete_y: y holds class labels; only x is compressed.
        compressor: "pca" or "autoencoder" (an MLP trained with optax for ``steps`` steps).
        estimator: "copula", "kl_weighted" or "ksg" (continuous y only).
        dim_x, dim_y: fixed compressed dimensions; None chooses them by the rule.
        variance: the fraction of each side's variance the rule aims to keep, in (0, 1].
        k: neighbour order (None: ``defaults.K`` for "copula", "ksg" and "knn_mixed",
            ``defaults.KL_WEIGHTED_K`` for "kl_weighted").
        steps: autoencoder training steps.
        jitter, seed: tie-breaking noise and the seed of every random draw.
        unit: "bits" or "nats".

    Returns:
        An Estimate, method "compressed", with a standard error and the compression in its
        settings (dims, explained variance, loss).

    Raises:
        InfoplaneError: NaN or inf, mismatched n, fewer than 32 samples, a fixed dimension
            above the rank, k too large for n, an autoencoder that diverges.
    """
    check_unit(unit)
    variance = check_compression(compressor, estimator, variance, dim_x=dim_x, dim_y=dim_y)
    xa = np.asarray(as_samples(x, "x"), dtype=np.float64)
    ya = as_samples(y, "y")
    n = check_same_n(x=xa, y=ya)
    if n < 32:
        raise InfoplaneError(f"{n} samples are too few to compress and estimate MI; the "
                             "compressed estimator needs at least 32 (preferably thousands)")
    cap = compress_cap(n)
    cx, warnings = compress_side(xa, "x", dim_x, cap, compressor, variance, seed, steps)
    settings = {"compressor": compressor, "cap": cap, "variance": variance, "dim_x": cx.dim,
                "explained_x": cx.explained, "loss_x": cx.loss}
    if compressor == "autoencoder":
        settings["loss_x_vs_pca"] = cx.loss / max(cx.pca_loss, 1e-12)
    if discrete_y:
        nats, stderr, more = discrete_mi_nats(cx.z, y, k or K, jitter, seed)
        extra = {"estimator": "knn_mixed"}
    else:
        cy, wy = compress_side(np.asarray(ya, dtype=np.float64), "y", dim_y, cap, compressor,
                               variance, seed + 1, steps)
        warnings += wy
        settings.update(dim_y=cy.dim, explained_y=cy.explained, loss_y=cy.loss)
        if compressor == "autoencoder":
            settings["loss_y_vs_pca"] = cy.loss / max(cy.pca_loss, 1e-12)
        nats, stderr, extra, more = codes_mi_nats(cx.z, cy.z, estimator, k, jitter, seed)
        extra["estimator"] = estimator
    default_k = KL_WEIGHTED_K if estimator == "kl_weighted" and not discrete_y else K
    settings.update(extra, k=k or default_k, jitter=jitter, seed=seed)
    return _record(nats, stderr, unit, n, settings, warnings + tuple(more))


def _record(nats, stderr, unit, n, settings, warnings) -> Estimate:
    value = float(from_nats(nats, unit))
    if value < 0 and not any("negative" in w for w in warnings):
        warnings = (f"negative estimate ({value:.4g}) from compressed: the true value is >= 0; "
                    "read it as about zero",) + warnings
    se = None if stderr is None else float(from_nats(stderr, unit))
    return Estimate(value, unit, "compressed", "mutual_information", n, settings, se, warnings)
