"""The bracket of every plane point's I(T;Y), and the supervised I(T;Y) of method
"compressed", batched over a layer's (seed, epoch) items.

For every item, a cross-fitted, calibrated linear probe of ``estimators.probe`` gives the
probe bound
I_TY_lower = H(Y) - CE <= I(T;Y) (Barber & Agakov 2003) with its standard error; I_TY_upper is
H(Y) (the plug-in entropy of the labels). With ``with_knn`` the Ross kNN estimate of I(s;Y)
on the probe's held-out log-odds s (``estimators.supervised``) comes too. The probe: with
the kNN (method "compressed", whose I(T;Y) this is) family "best", per fold the shrinkage
discriminant or the logistic regression of ``estimators._crossfit``, chosen on the other
folds; else family "lda", the discriminant alone: closed form, with no iterations, so that the
bracket adds little to the cost of the binning and KDE planes (the logistic fit, 20
preconditioned steps from the discriminant, costs several times as much). A bound either way.
One compiled program per layer width runs the items of a chunk one after another
(``lax.map``: a probe holds a few (n, w) arrays).

One device. Unlike the other plane kernels, the chunks are not split over the local devices:
jaxlib 0.10's batched LAPACK kernels (the discriminant's Cholesky) wait for their batch on
XLA's thread pool, and two such calls running at once, one per device, take both threads of
two cores and hang for good (seen in gdb; within one program the probe makes a single
Cholesky call for the same reason, ``_crossfit.lda_fit``). On one device XLA spreads the Gram
matrices over every core; BLAS and LAPACK run on one thread (``one_blas_thread``: the threaded
OpenBLAS made a 256 x 256 Cholesky ten times slower on two busy cores).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import defaults
from .._errors import InfoplaneError
from ..estimators._blas import one_blas_thread
from ..estimators._crossfit import calibrate, check_folds, fold_of_rows, fold_slots
from ..estimators._knn_kernels import block_rows, mixed_nats
from ..estimators.probe import bound_from_terms, probe_logits
from ._methods import _chunks

_ITEMS = 4  # items per compiled chunk


def _probe_chunk(acts, codes, slots, fold, *, n_classes: int, n_folds: int, k: int,
                 block: int, with_knn: bool, family: str):
    """Per item of acts [B, n, w]: (bound, its standard error, kNN on the log-odds) in nats."""

    def one(x):
        logits = probe_logits(x, codes, slots, fold, n_folds, n_classes, family)
        terms, chosen = calibrate(logits, codes, fold, n_folds)
        bound, stderr = bound_from_terms(x, codes, terms, n_classes)
        constant = jnp.all(jnp.std(x, axis=0) == 0)  # a constant layer: I(T;Y) = 0 exactly
        if not with_knn:
            return bound, stderr, bound
        s = (chosen - jnp.mean(chosen, axis=1, keepdims=True))[:, :-1]
        sd = jnp.std(s, axis=0)
        s = (s - jnp.mean(s, axis=0)) / jnp.where(sd > 0, sd, 1.0)
        return bound, stderr, jnp.where(constant, 0.0, mixed_nats(s, codes, k, block))

    return jax.lax.map(one, acts)


def probe_layer(flat: np.ndarray, codes: np.ndarray, n_classes: int, settings: dict,
                used: dict, *, with_knn: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The probe bound, its standard error and (``with_knn``) the kNN estimate on the
    log-odds, each [B] in bits, for the items flat [B, n, w] of one layer.

    Args:
        flat: the layer's activations, B = seeds x epochs items.
        codes: (n,) int32 label codes in [0, n_classes).
        settings: the plane's settings ("folds", "seed", "k" are used when given).
        used: the settings used, updated in place ("probe": the bracket's probe, as text for
            figure captions).
        with_knn: also the kNN part (method "compressed"); else its slot repeats the bound.

    Raises:
        InfoplaneError: a class with fewer rows than folds.
    """
    folds = int(settings.get("folds", defaults.PROBE_FOLDS))
    seed = int(settings.get("seed", defaults.SEED))
    k = int(settings.get("k") or defaults.K)
    try:
        check_folds(codes, folds)
    except InfoplaneError as e:
        raise InfoplaneError(f"the plane's I(T;Y) bracket (a cross-fitted probe): {e}") from None
    slots = fold_slots(codes, folds, seed)
    fold = fold_of_rows(slots, codes.shape[0])
    family = "best" if with_knn else "lda"
    used["probe"] = f"{family}, {folds}-fold, seed {seed}"
    statics = {"n_classes": n_classes, "n_folds": folds, "k": k,
               "block": block_rows(codes.shape[0], _ITEMS), "with_knn": with_knn,
               "family": family}
    shared = tuple(jnp.asarray(a) for a in (codes, slots, fold))
    outs = []
    with one_blas_thread():
        for part, count in _chunks(flat, _ITEMS):
            result = _probe_jit(jnp.asarray(part.astype(np.float32, copy=False)), *shared,
                                **statics)
            outs.append(np.stack([np.asarray(v)[:count] for v in result]))
    out = np.concatenate(outs, axis=1).astype(np.float64) / math.log(2)
    return out[0], out[1], out[2]


_probe_jit = jax.jit(_probe_chunk, static_argnames=("n_classes", "n_folds", "k", "block",
                                                    "with_knn", "family"))
