"""The information plane by compressed mutual information (method "compressed").

Butakov et al. (ICLR 2024): X (the network inputs, flattened per example) and every layer T
are compressed to a few whitened dimensions (``estimators.compressed``: PCA by default, the
dimension by the rule of ``estimators._compress``), then

- I(X;T) is the compressed MI between the codes of X and of T (``estimator`` "copula" by
  default, or "kl_weighted" / "ksg"), with its standard error (``compressed.codes_mi_nats``);
- I(T;Y) is not taken from the PCA code: PCA keeps the directions of largest variance, and a
  layer's class signal may lie in weaker ones (on a trained MNIST-1D MLP's hidden layers the
  PCA code read about 1 bit below what a linear probe proves). ``compute`` fills it with the
  supervised estimate (``estimators.supervised``, batched in ``_probe``): the Ross kNN MI of
  the cross-fitted discriminant's log-odds, at least the probe bound.

X does not change over epochs, so it is compressed once per call. For a deterministic network
with continuous T the true I(X;T) is infinite, and the compressed estimate is a finite,
compression- and sample-limited number; the quantity is well defined (and the estimate a lower
bound up to estimation error) when the network adds noise in its layers (Goldfeld et al. 2019;
Butakov et al. 2024): record the layers with that noise. A layer whose every unit is constant
at a point carries no information: both values are 0 (standard error 0, dimension 0).
"""

from __future__ import annotations

import math

import numpy as np

from .. import defaults
from .._errors import InfoplaneError
from ..estimators._compress import Compression, compress_cap
from ..estimators._copula import CollinearScores
from ..estimators.compressed import (
    check_compression,
    codes_mi_nats,
    compress_side,
)
from ..estimators.discrete import input_entropy_bits

# The settings of method "compressed" in a plane; dim_t fixes the compressed width of every layer.
SETTINGS = ("compressor", "estimator", "variance", "dim_x", "dim_t", "k", "steps", "jitter",
            "seed")
_STEPS = 2000


def _options(settings: dict) -> dict:
    """The settings with their defaults, checked."""
    s = {"compressor": "pca", "estimator": "copula", "variance": defaults.COMPRESS_VARIANCE,
         "dim_x": None, "dim_t": None, "k": None, "steps": _STEPS, "jitter": defaults.JITTER,
         "seed": defaults.SEED, **settings}
    s["variance"] = check_compression(s["compressor"], s["estimator"], s["variance"],
                                      dim_x=s["dim_x"], dim_t=s["dim_t"])
    return s


def compress_inputs(inputs, n: int, settings: dict, used: dict) -> Compression:
    """The network inputs (n, ...) flattened to (n, D) and compressed once, by ``settings``.

    Raises:
        InfoplaneError: inputs missing, of another length than the activations, not numbers,
            NaN or inf, all constant; fewer than 32 inputs; bad settings.
    """
    if inputs is None:
        raise InfoplaneError("method 'compressed' needs inputs=..., the (n, ...) network inputs "
                             "the activations were recorded on, in the same order")
    x = np.asarray(inputs)
    if x.ndim == 0 or x.shape[0] != n:
        raise InfoplaneError(f"inputs has shape {x.shape} but the activations hold n = {n} "
                             "inputs; pass one input per row, in the same order")
    if x.dtype.kind not in "biuf":
        raise InfoplaneError(f"inputs must be numbers, got dtype {x.dtype}")
    x = x.reshape(n, -1).astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise InfoplaneError("inputs contain NaN or inf")
    if n < 32:
        raise InfoplaneError(f"{n} inputs are too few for method 'compressed'; it needs at "
                             "least 32 (preferably thousands)")
    s = _options(settings)
    cap = compress_cap(n)
    cx, warnings = compress_side(x, "inputs", s["dim_x"], cap, s["compressor"], s["variance"],
                                 s["seed"], s["steps"])
    used.update({k: s[k] for k in SETTINGS if k != "steps" or s["compressor"] != "pca"})
    used.update(cap=cap, dim_x=cx.dim, dim_x_fixed=s["dim_x"] is not None,
                explained_x=cx.explained, loss_x=cx.loss,
                k_xt=s["k"] or (defaults.KL_WEIGHTED_K if s["estimator"] == "kl_weighted"
                                else defaults.K),
                k_ty=s["k"] or defaults.K, estimator_ty="supervised", warnings_x=list(warnings),
                H_X_bits=input_entropy_bits(x))  # the value of a determined point (``_point``)
    used.pop("k", None)
    return cx


def _point(t: np.ndarray, cx: Compression, codes: np.ndarray, s: dict, used: dict):
    """(I_XT, 0, its standard error, 0) in nats and the compressed width of one layer (the
    I(T;Y) slots are filled by ``compute``)."""
    if not np.any(np.ptp(t, axis=0) > 0):
        used["constant_points"] = used.get("constant_points", 0) + 1
        return 0.0, 0.0, 0.0, 0.0, 0
    ct, _ = compress_side(t, "T", s["dim_t"], used["cap"], s["compressor"], s["variance"],
                          s["seed"] + 1, s["steps"])
    used["capped_points"] = used.get("capped_points", 0) + int(ct.capped)
    try:
        xt, se_xt = codes_mi_nats(cx.z, ct.z, s["estimator"], used["k_xt"], s["jitter"],
                                  s["seed"])[:2]
    except CollinearScores:  # T's code determines X's (a copy of the inputs, say): the
        # continuous MI is infinite, the plane's I(X;T) = H(X) (log2 n for distinct inputs)
        used["determined_points"] = used.get("determined_points", 0) + 1
        xt, se_xt = used["H_X_bits"] * math.log(2), 0.0
    return xt, 0.0, se_xt, 0.0, ct.dim  # I(T;Y) comes from ``_probe`` (module docstring)


def compressed_layer(flat: np.ndarray, codes: np.ndarray, cx: Compression, settings: dict,
                     used: dict, progress=None) -> tuple[np.ndarray, ...]:
    """One layer's plane by compressed MI, over its (seed, epoch) items.

    Args:
        flat: [B, n, w] the layer's activations (B = seeds x epochs).
        codes: (n,) int32 label codes.
        cx: the compressed inputs (``compress_inputs``).
        settings: the plane's settings; used: the settings used, updated in place
            ("capped_points", "constant_points", "determined_points": counts over the
            call; at a determined point I(X;T) is set to H(X), "H_X_bits", see ``_point``).
        progress: a tqdm bar updated per item, or None.

    Returns:
        I_XT, I_TY (zeros, filled by ``compute``), I_XT_stderr, I_TY_stderr (zeros), each [B]
        in bits, and dim_T [B] (int).
    """
    s = _options(settings)
    out = np.zeros((flat.shape[0], 5))
    for b in range(flat.shape[0]):
        t = flat[b].reshape(flat.shape[1], -1).astype(np.float64)
        out[b] = _point(t, cx, codes, s, used)
        if progress is not None:
            progress.update(1)
    bits = out[:, :4].T / math.log(2)
    return (*bits, out[:, 4].astype(np.int64))
