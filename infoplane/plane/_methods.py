"""One layer's information plane by each method, over many (seed, epoch) items at once.

``layer_plane`` evaluates binning, the exact count of a quantised layer, the KDE bounds (exact
or anchored) or the kNN estimators for every item of one layer. Items are cut into fixed-size
chunks so that memory stays bounded; each chunk runs as one compiled program whose items are
split over all local devices (``shard_map``), and the programs are cached so that repeated
calls compile once per shape.
The public entry points and the formulas are in ``compute.py``; the defaults of every
setting in ``infoplane/defaults.py``.
"""

from __future__ import annotations

import math
from functools import lru_cache, partial

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, PartitionSpec

from .. import defaults
from .._errors import InfoplaneError, check_choice
from ..estimators._kde_core import (
    anchor_rows,
    anchored_stderr,
    kde_information_batched,
    kde_row_terms,
)
from ..estimators._knn_kernels import block_rows, kl_nats, mixed_nats
from ..estimators.binning import Bins, binned_information
from ..estimators.exact import exact_information
from ..estimators.kde import check_noise_var

PLANE_BIN_RULES = ("fixed", "layer", "quantile", "global")
# Activation values held per compiled chunk: 2^24 float32 (64 MiB) for binning and KDE; the
# kNN kernels hold an (block x n) distance array per item, so they take fewer items.
_CHUNK_VALUES = 1 << 24
_KNN_ITEMS = 8


def _chunks(flat: np.ndarray, size: int):
    """Fixed-size chunks of the leading axis (the last one padded by repetition) and counts."""
    for start in range(0, flat.shape[0], size):
        part = flat[start:start + size]
        count = part.shape[0]
        if count < size:
            part = np.concatenate([part, np.repeat(part[-1:], size - count, axis=0)])
        yield part, count


def _binned_chunk(acts, labels, *, bins: Bins, n_classes: int):
    return jax.vmap(lambda a: binned_information(a, labels, bins, n_classes))(acts)


def _exact_chunk(acts, labels, *, n_classes: int):
    return jax.vmap(lambda a: exact_information(a, labels, n_classes))(acts)


def _kde_chunk(acts, labels, *, n_classes: int, noise_var: float, bound: str):
    return kde_information_batched(acts, labels, n_classes, noise_var, bound)


def _kde_anchored_chunk(acts, rows, labels, *, n_classes: int, noise_var: float, bound: str):
    """Per item (acts [B, n, w], rows [B, m]): the anchored KDE (I(X;T), I(T;Y)) and their
    standard errors, in nats."""
    n = acts.shape[1]

    def one(args):
        a, r = args
        t_xt, t_ty = kde_row_terms(a, labels, n_classes, noise_var, bound, rows=r)
        return (jnp.mean(t_xt), jnp.mean(t_ty), anchored_stderr(t_xt, n),
                anchored_stderr(t_ty, n))

    return jax.lax.map(one, (acts, rows))


def _knn_chunk(raw, standardised, labels, *, k: int, block: int):
    def one(a, b):
        return kl_nats(a, k, "chebyshev", block), mixed_nats(b, labels, k, block)

    return jax.vmap(one)(raw, standardised)


@lru_cache(maxsize=64)
def _compiled(kernel, n_items: int, n_shared: int, statics: tuple):
    """``kernel(*items, *shared, **statics)`` jitted, with the items (leading axis: seed x epoch
    pairs, independent) split over all local devices by ``shard_map`` and the shared arrays
    replicated. Cached, so repeated calls with the same settings compile once per shape."""
    fn = partial(kernel, **dict(statics))
    devices = jax.devices()
    if len(devices) > 1:
        spec = PartitionSpec("items")
        fn = jax.shard_map(fn, mesh=Mesh(np.array(devices), ("items",)),
                           in_specs=(spec,) * n_items + (PartitionSpec(),) * n_shared,
                           out_specs=spec, check_vma=False)
    return jax.jit(fn)


def _run_chunks(kernel, items: tuple[np.ndarray, ...], shared: tuple, statics: dict,
                size: int, progress=None, dtype=np.float32) -> tuple[np.ndarray, ...]:
    """``kernel`` over fixed-size chunks of the ``items`` arrays (same leading axis), on all
    devices; returns its outputs, concatenated. Float items are cast to ``dtype`` one chunk at
    a time, so a float16 recording is never held in float32 whole."""
    fn = _compiled(kernel, len(items), len(shared), tuple(sorted(statics.items())))
    n_dev = len(jax.devices())
    size = -(-min(size, items[0].shape[0]) // n_dev) * n_dev
    outs: list[list[np.ndarray]] = []
    for parts in zip(*(_chunks(a, size) for a in items), strict=True):
        count = parts[0][1]
        args = [jnp.asarray(p.astype(dtype, copy=False) if p.dtype.kind == "f" else p)
                for p, _ in parts]
        result = fn(*args, *shared)
        outs = outs or [[] for _ in result]
        for store, value in zip(outs, result, strict=True):
            store.append(np.asarray(value)[:count])
        if progress is not None:
            progress.update(count)
    return tuple(np.concatenate(o) for o in outs)


def _layer_bins(layer: np.ndarray, s: dict) -> Bins:
    rule = s.get("rule", defaults.BIN_RULE)
    check_choice("bin rule", rule, PLANE_BIN_RULES)
    if rule == "global":
        low, high = float(layer.min()), float(layer.max())
        high = high if high > low else low + 1.0  # a constant layer: one bin holds everything
        return Bins("fixed", s.get("n_bins", defaults.GLOBAL_N_BINS), low, high).validate()
    low, high = (_real(s, name, default) for name, default in
                 (("low", defaults.BIN_LOW), ("high", defaults.BIN_HIGH)))
    return Bins(rule, s.get("n_bins", defaults.N_BINS), low, high).validate()


def _real(settings: dict, name: str, default: float) -> float:
    """The setting ``name`` as a float, or a one-line error naming it."""
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise InfoplaneError(f"{name} must be a number, got {value!r}", usage=True)
    return float(value)


def _knn_prepare(flat: np.ndarray, jitter: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per item: T + jitter x (column std) x N(0, 1) (seeded tie-breaking, as ``knn.py``) for
    the entropy, and the same standardised per column (constant columns 0) for the MI, whose
    max-norm mixes columns. Matches ``knn_entropy`` / ``mixed_mutual_information`` draws.
    """
    x = flat.astype(np.float64)
    sd = x.std(axis=1, keepdims=True)
    raw = x + jitter * sd * np.random.default_rng(seed).standard_normal(x.shape)
    return raw, (raw - x.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1.0)


def _binning_layer(flat, lab, n_classes, settings, used, size, progress):
    """Plug-in (I_XT, I_TY) in bits of binned items flat [B, n, w]."""
    bins = _layer_bins(flat, settings)
    used.setdefault("rule", settings.get("rule", defaults.BIN_RULE))
    used["n_bins"] = bins.n_bins
    if used["rule"] == "global":
        used.setdefault("ranges", []).append([bins.low, bins.high])
    elif bins.rule == "fixed":
        used.update(low=bins.low, high=bins.high)
    return _run_chunks(_binned_chunk, (flat,), (lab,), {"bins": bins, "n_classes": n_classes},
                       size, progress)


def _kde_layer(flat, lab, n_classes, method, settings, used, n_seeds, size, progress):
    """KDE (I_XT, I_TY) in bits of items flat [B, n, w], and their standard errors when
    anchored."""
    noise_var = check_noise_var(settings.get("noise_var", defaults.NOISE_VAR))
    bound = method[4:]
    used.update(noise_var=noise_var, bound=bound)
    classes = 1 << (n_classes - 1).bit_length()  # fewer recompilations; empty = no-op
    anchors = settings.get("anchors", defaults.ANCHORS)
    statics = {"n_classes": classes, "noise_var": noise_var, "bound": bound}
    if anchors is None:
        out = _run_chunks(_kde_chunk, (flat,), (lab,), statics, size, progress)
        return tuple(v / math.log(2) for v in out)
    seed = settings.get("anchor_seed", defaults.ANCHOR_SEED)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InfoplaneError(f"anchor_seed must be an integer, got {seed!r}")
    used.update(anchors=anchors, anchor_seed=seed)
    # Seed s of the run uses anchors drawn with anchor_seed + s, the same at every epoch and
    # layer: a trajectory is smooth, and the seed mean averages the draws.
    n = flat.shape[1]
    per_seed = np.stack([anchor_rows(n, anchors, seed + s) for s in range(n_seeds)])
    rows = np.repeat(per_seed, flat.shape[0] // n_seeds, axis=0).astype(np.int32)
    out = _run_chunks(_kde_anchored_chunk, (flat, rows), (lab,), statics, size, progress)
    return tuple(v / math.log(2) for v in out)


def _knn_layer(flat, codes, settings, used, li, progress):
    """kNN (h(T) by Kozachenko-Leonenko, I(T;Y) mixed) in bits of items flat [B, n, w]."""
    n = flat.shape[1]
    k = settings.get("k", defaults.K)
    jitter = settings.get("jitter", defaults.JITTER)
    seed = settings.get("seed", defaults.SEED)
    if isinstance(k, bool) or not isinstance(k, int) or not 0 < k < n - 1:
        raise InfoplaneError(f"k must be an integer with 0 < k < n - 1 = {n - 1}, got {k!r}",
                             usage=True)
    used.update(k=k, jitter=jitter, seed=seed, I_XT="differential entropy h(T), KL")
    raw, standardised = _knn_prepare(flat, float(jitter), int(seed) + li)
    block = block_rows(n, _KNN_ITEMS)
    with jax.enable_x64(True):
        xt, ty = _run_chunks(_knn_chunk, (raw, standardised), (jnp.asarray(codes),),
                             {"k": k, "block": block}, _KNN_ITEMS, progress, dtype=np.float64)
    return xt / math.log(2), ty / math.log(2)


def layer_plane(flat: np.ndarray, codes: np.ndarray, n_classes: int, method: str,
                settings: dict, li: int, used: dict, n_seeds: int,
                progress=None) -> tuple[np.ndarray, ...]:
    """One layer's plane by ``method``, over all its (seed, epoch) items.

    Args:
        flat: [B, n, w] the layer's activations, B = n_seeds x epochs, seed-major.
        codes: (n,) int32 label codes in [0, n_classes).
        n_classes: the number of classes.
        method, settings: a plane method and its settings (checked by ``_checks``); a
            setting not given takes its value from ``infoplane.defaults``.
        li: the layer's index (the kNN jitter is drawn with ``seed + li``).
        used: the settings used, updated in place (for the result's "settings").
        n_seeds: the number of seeds in B (anchored KDE draws other rows per seed).
        progress: a tqdm bar updated per item, or None.

    Returns:
        (I_XT, I_TY), each [B] in bits, and for anchored KDE their standard errors too.
    """
    lab = jnp.asarray(codes)
    size = max(1, _CHUNK_VALUES // (flat.shape[1] * flat.shape[-1]))
    if method == "binning":
        return _binning_layer(flat, lab, n_classes, settings, used, size, progress)
    if method == "exact":  # float32 items: float16 recordings keep up to 11 bits per level
        used.update(n=int(flat.shape[1]), caveat="X uniform over the n rows: I(X;T) <= log2 n")
        return _run_chunks(_exact_chunk, (flat,), (lab,), {"n_classes": n_classes}, size,
                           progress)
    if method in ("kde_upper", "kde_lower"):
        return _kde_layer(flat, lab, n_classes, method, settings, used, n_seeds, size, progress)
    return _knn_layer(flat, codes, settings, used, li, progress)
