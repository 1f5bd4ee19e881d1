"""The checks at the plane's boundary: the method and its settings, the activations of every
layer, the labels, and the name of a plane file written into a run folder. Each raises an
``InfoplaneError`` that says what to change."""

from __future__ import annotations

import math
import re

import numpy as np

from .._errors import InfoplaneError, check_choice

PLANE_METHODS = ("binning", "exact", "kde_upper", "kde_lower", "knn", "compressed")
# The settings each method takes; their defaults are in infoplane/defaults.py.
SETTINGS = {
    "binning": ("rule", "n_bins", "low", "high"),
    "exact": (),
    "kde_upper": ("noise_var", "anchors", "anchor_seed"),
    "kde_lower": ("noise_var", "anchors", "anchor_seed"),
    "knn": ("k", "jitter", "seed"),
    "compressed": ("compressor", "estimator", "variance", "dim_x", "dim_t", "k", "steps",
                   "jitter", "seed"),
}


def check_method(method: str, settings: dict) -> None:
    """Raise unless ``method`` is a plane method and ``settings`` are among its settings."""
    check_choice("plane method", method, PLANE_METHODS)
    unknown = sorted(set(settings) - set(SETTINGS[method]))
    if unknown:
        raise InfoplaneError(f"method {method!r} does not take {', '.join(unknown)}; "
                             f"its settings are: {', '.join(SETTINGS[method])}", usage=True)


def layer_labels(layer_names, n_layers: int) -> list[str]:
    """The layers' names for messages: ``layer_names`` as given, else "0", "1", ..."""
    if layer_names is None:
        return [str(j) for j in range(n_layers)]
    names = [str(name) for name in np.asarray(layer_names).ravel()]
    if len(names) != n_layers:
        raise InfoplaneError(f"layer_names names {len(names)} layers, but the activations hold "
                             f"{n_layers}; give one name per layer, in order")
    return names


def check_layers(activations, layer_names=None) -> tuple[list[np.ndarray], bool, list[str]]:
    """Layers as float arrays [seed, epoch, n, units], whether a seed axis was given, and the
    layers' names for messages (``layer_labels``).

    Args:
        activations: a list with one array per layer, all [epoch, n, units] or all
            [seed, epoch, n, units], sharing (seed, epoch, n).
        layer_names: the layers' names (default their indices).

    Raises:
        InfoplaneError: not a list, mixed ranks, different (seed, epoch, n), integer
            activations, n < 2 or no units, NaN or inf, names not one per layer.
    """
    if isinstance(activations, np.ndarray) or not len(activations):
        raise InfoplaneError("activations must be a list with one array per layer")
    layers = [np.asarray(a) for a in activations]
    names = layer_labels(layer_names, len(layers))
    ranks = {a.ndim for a in layers}
    if not ranks <= {3, 4} or len(ranks) != 1:
        shapes = [a.shape for a in layers]
        raise InfoplaneError(
            "each layer's activations must be [epoch, n, units] or [seed, epoch, n, units], "
            f"all of the same rank; got shapes {shapes}"
        )
    has_seeds = ranks == {4}
    layers = [a if has_seeds else a[None] for a in layers]
    lead = {a.shape[:3] for a in layers}
    if len(lead) != 1:
        raise InfoplaneError(
            f"all layers must share (seed, epoch, n); got {sorted(lead)} for the layers"
        )
    for name, a in zip(names, layers, strict=True):
        _check_layer(name, a)
    return layers, has_seeds, names


def _check_layer(name: str, a: np.ndarray) -> None:
    if a.dtype.kind != "f":
        raise InfoplaneError(f"layer {name} activations must be floats, got {a.dtype}")
    if a.shape[-1] == 0 or a.shape[2] < 2:
        raise InfoplaneError(f"layer {name} has shape {a.shape}: it needs n >= 2 and units")
    if not np.all(np.isfinite(a)):
        raise InfoplaneError(f"layer {name} activations contain NaN or inf (did training "
                             "diverge?)")


def check_labels(labels, n: int) -> tuple[np.ndarray, int]:
    """(n,) labels of any sortable type as int32 codes 0..c-1, and c, the number of classes."""
    lab = np.asarray(labels)
    if lab.ndim != 1:
        raise InfoplaneError(f"labels must have shape (n,), got {lab.shape}")
    if lab.shape[0] != n:
        raise InfoplaneError(f"labels has {lab.shape[0]} entries but the activations hold "
                             f"n = {n} inputs; pass one label per input, in the same order")
    if lab.dtype.kind not in "biuUS":
        raise InfoplaneError(f"labels must be integer classes, got dtype {lab.dtype}")
    classes, codes = np.unique(lab, return_inverse=True)
    return codes.reshape(-1).astype(np.int32), len(classes)


def check_out_name(out_name: str) -> str:
    """A plane file's name in a run folder: plain, and not the training records' own."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", out_name) or out_name == "information":
        raise InfoplaneError(
            f"out_name must be a plain file name other than 'information' (which holds the "
            f"training records), got {out_name!r}"
        )
    return out_name


def binned_saturation(i_xt_bits: np.ndarray, i_ty_bits: np.ndarray, n: int,
                      codes: np.ndarray, names: list[str]) -> dict:
    """Where a binned plane is saturated, and what to say about it.

    In the binned plane X is uniform over the n inputs, so I(X;T) = H(T) and at least
    2 ** H(T) bins are occupied. A point is saturated when those bins number n / 2 or more
    (``estimators._warnings.saturated``): most inputs sit alone in their bin, I(X;T) is then
    near log2 n whatever the layer does, and the plane cannot show compression there. The
    warnings judge the seed mean at the last epoch of each layer, I(X;T) against log2 n and
    I(T;Y) against its ceiling H(Y) (exact plug-in values: only saturation is reported).

    Args:
        i_xt_bits, i_ty_bits: [(seed,) epoch, layer] in bits.
        n: the number of inputs.
        codes: (n,) integer labels.
        names: [layer] the layers' names in the messages.

    Returns:
        "saturated": a boolean mask like ``i_xt_bits``; "warnings": a list of messages.
    """
    from ..estimators._warnings import saturated, saturation_warning
    from ..estimators.discrete import label_entropy_bits

    mask = saturated(2.0 ** i_xt_bits, n)
    h_y = label_entropy_bits(codes)
    last_xt = i_xt_bits.reshape((-1,) + i_xt_bits.shape[-2:]).mean(axis=0)[-1]
    last_ty = i_ty_bits.reshape((-1,) + i_ty_bits.shape[-2:]).mean(axis=0)[-1]
    advice = "use fewer bins (n_bins) or another plane method ('kde_upper', 'compressed')"
    warnings = []
    for j, (h, ity, name) in enumerate(zip(last_xt, last_ty, names, strict=True)):
        share = f" ({int(mask[..., j].sum())} of {mask[..., j].size} points saturated)"
        for message in (
                saturation_warning(float(h), n, f"I(X;T) of layer {name} at the last epoch",
                                   occupied=2.0 ** h, advice=advice, exact=True)
                + saturation_warning(float(ity), n, f"I(T;Y) of layer {name} at the last epoch",
                                     occupied=2.0 ** h, ceiling=("H(Y)", h_y), advice=advice,
                                     exact=True)):
            warnings.append(message + share)
    return {"saturated": mask, "warnings": warnings}


def _points_beyond(values: dict, stderrs: dict, unit: str, names: list[str], beyond, say
                   ) -> list[str]:
    """One message per quantity and layer with points ``beyond(what, value, slack)`` (a mask;
    slack = 0.1 bit + 2 standard errors), worded by ``say(what, name, count, size, values)``
    with the layer's name from ``names``."""
    margin = 0.1 if unit == "bits" else 0.1 * math.log(2)
    messages = []
    for what, value in values.items():
        mask = beyond(what, value, margin + 2 * stderrs[what])
        for j in range(value.shape[-1]):
            if mask[..., j].any():
                messages.append(say(what, names[j], int(mask[..., j].sum()),
                                    mask[..., j].size, value[..., j]))
    return messages


def negative_estimates(values: dict, stderrs: dict, unit: str, names: list[str]) -> list[str]:
    """Warnings for estimates below zero by more than 0.1 bit + 2 standard errors (an MI is
    >= 0): the estimator is unreliable there (e.g. the weighted Kozachenko-Leonenko estimator
    in many compressed dimensions, whose weights have a large variance).

    Args:
        values: {"I(X;T)": array, "I(T;Y)": array}, each [(seed,) epoch, layer].
        stderrs: the same keys, their standard errors.
        unit: the unit of both.
        names: [layer] the layers' names in the messages.
    """
    return _points_beyond(
        values, stderrs, unit, names, lambda what, value, slack: value < -slack,
        lambda what, name, count, size, v: (
            f"{what} of layer {name} is below zero by more than 0.1 bit + 2 standard errors at "
            f"{count} of {size} points (lowest {float(v.min()):.3g} {unit}): read those "
            "points as unreliable; a smaller compressed dimension (dim_t) or "
            "estimator='copula' helps"))


def above_ceiling(values: dict, stderrs: dict, ceilings: dict, unit: str, names: list[str]
                  ) -> list[str]:
    """Warnings for estimates above what the variables allow by more than 0.1 bit + 2 standard
    errors: I(X;T) <= H(X) <= log2 n, since X is uniform over the n inputs, and
    I(T;Y) <= H(Y). A continuous estimator on compressed codes does not know these bounds and
    can pass them (a layer that nearly copies its inputs reads as far more than log2 n).

    Args:
        values, stderrs: as ``negative_estimates``.
        ceilings: the same keys: (the bound's name, its value in ``unit``).
        unit: the unit of all three.
        names: [layer] the layers' names in the messages.
    """
    return _points_beyond(
        values, stderrs, unit, names, lambda what, value, slack: value > ceilings[what][1] + slack,
        lambda what, name, count, size, v: (
            f"{what} of layer {name} is above {ceilings[what][0]} = {ceilings[what][1]:.3g} "
            f"{unit}, which bounds it, by more than 0.1 bit + 2 standard errors at {count} of "
            f"{size} points (highest {float(v.max()):.3g} {unit}): read those points as at "
            "the bound (the estimator treats the variables as continuous and overshoots it), "
            "not as the layer's information"))
