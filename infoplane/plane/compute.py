"""The information plane computed from activations in memory: ``plane_from_activations``.

``plane_from_activations`` takes one activation array per layer, shaped [epoch, n, units] or
[seed, epoch, n, units] for the same n inputs, and returns I(X;T) and I(T;Y) for every
(seed, epoch, layer) in one batched, compiled call per layer and chunk (layers differ in width,
so each has its own compilation; chunks of epochs x seeds keep memory bounded). X is uniform
over the n inputs and the network is deterministic. Methods:

- "binning": each unit digitised, the layer's bin vector one symbol T; I(X;T) = H(T) and
  I(T;Y) = H(T) + H(Y) - H(T,Y), exact plug-in values (Shwartz-Ziv & Tishby 2017). Settings
  ``rule`` = "fixed" (``n_bins`` edges on [``low``, ``high``]; by default
  ``defaults.N_BINS`` on [``BIN_LOW``, ``BIN_HIGH``], as IDNNs), "layer" (the same number of
  edges over the layer's min..max at that epoch), "quantile" (per unit, equally filled bins),
  or "global" (Saxe et al. 2018: ``n_bins`` edges, by default ``defaults.GLOBAL_N_BINS``, over
  the min..max of that layer across all epochs and seeds).
- "exact": for a layer that takes finitely many values (a quantised network,
  ``RunConfig.quantize_bits``; Lorenzen, Igel & Nielsen, ICLR 2022): the rows of the layer's
  values counted as they are, no bins (``estimators.exact``); I(X;T) = H(T), I(T;Y) as for
  binning, exact over the data set with X uniform over its n rows (so I(X;T) <= log2 n; that
  ceiling is the data set's, not an estimator's, and no saturation warning is given).
  Continuous (float) layers give log2 n: use binning or another method for those.
- "kde_upper" / "kde_lower": the Kolchinsky-Tracey bounds used by Saxe et al. 2018: I(X;T)
  is the information of the layer with Gaussian noise of variance ``noise_var``
  (``defaults.NOISE_VAR``) added, and I(T;Y) their estimate of the label information
  (``kde.py``). Exact by default; ``anchors`` = m averages the per-row terms of m rows (drawn
  without replacement with ``anchor_seed`` + the seed's index; the same rows at every epoch
  and layer of a seed, so its trajectory is smooth, and other rows for other seeds, so the
  seed mean averages the draws) at about m / n of the cost, and adds standard errors
  (I_XT_stderr, I_TY_stderr).
- "knn": I(T;Y) by the mixed kNN estimator (Ross 2014, ``k`` = ``defaults.K``), and, in the
  I_XT slot, the Kozachenko-Leonenko differential entropy h(T) of the layer (``k``). For a
  deterministic network with continuous T, I(X;T) is infinite; h(T) tracks its changes
  (compression shows as a fall) but is not I(X;T) and may be negative. Ties are broken by a
  seeded jitter (``jitter`` x column std, drawn from ``default_rng(seed + layer index)``), as
  in ``knn.py``.
- "compressed": Butakov et al. (ICLR 2024), mutual information through lossy compression
  (``_compressed.py``): the network ``inputs`` X (flattened per example) and each layer T
  compressed to a few whitened dimensions (PCA by default), then I(X;T) by compressed MI of
  the two codes and I(T;Y) by the supervised estimate (``estimators.supervised``: the Ross kNN
  estimator on the cross-fitted discriminant's log-odds, at least the probe bound; PCA loses
  class signal that lies in weak directions), each with a standard error (I_XT_stderr,
  I_TY_stderr; for I(T;Y) that of the probe bound), and the compressed width of T at every
  point (dim_T).
  X is compressed once per call. Settings ``compressor`` ("pca", "autoencoder"),
  ``estimator`` ("copula", "kl_weighted", "ksg"), ``variance``, ``dim_x``, ``dim_t`` (fixed
  widths), ``k``, ``steps``, ``jitter``, ``seed``, as ``compressed_mutual_information``.
  Meaningful for networks with noise in their layers (else the true I(X;T) is infinite).

The bracket. Every method also gives, at every point, I_TY_lower: the probe bound
H(Y) - CE of a cross-fitted, calibrated shrinkage discriminant (``_probe``; Barber & Agakov
2003; for "compressed" the better of it and a logistic regression, per fold), a lower bound
on I(T;Y) with its standard error (I_TY_lower_stderr), and I_TY_upper = H(Y). I_TY_outside
marks the points whose I(T;Y) lies outside [I_TY_lower, I_TY_upper] by more than twice the
combined standard error + 0.01 bit (``_stats.outside_bracket``), and a warning per layer
counts them. The probe's folds and seed are not plane settings: the bracket uses
``defaults.PROBE_FOLDS`` folds and the plane's ``seed`` (``defaults.SEED`` without one).
For a network with Gaussian noise in its measured layers, ``network_noise_var`` adds the
bracket of I(X;T): I_XT_lower and I_XT_upper, the Kolchinsky-Tracey pair (``_noisy``), and
I_XT_outside; the activations are then the layers' noise-free values.

Only "compressed" takes ``inputs``; the other methods reject them (they see only T and Y).
Standard errors: anchored KDE and compressed give them; binning (an exact plug-in value of
the binned layer), exact KDE (a deterministic bound) and knn give none.

All values are in bits unless ``unit="nats"``. The items of each chunk are split over all
local devices (the command line makes every CPU core one). Settings not given take their
values from ``infoplane/defaults.py``. The sources (a run folder, an .npz) are in
``sources.py``, the checks in ``_checks.py``, the per-method kernels in ``_methods.py``.
"""

from __future__ import annotations

import math

import numpy as np
from tqdm.auto import tqdm

from .._errors import InfoplaneError
from .._stats import outside_bracket, outside_xt_bracket
from ..estimators._interface import check_unit
from ..estimators.discrete import label_entropy_bits
from ..records import InformationPlane
from ._checks import (
    above_ceiling,
    binned_saturation,
    check_labels,
    check_layers,
    check_method,
    negative_estimates,
)
from ._compressed import compress_inputs, compressed_layer
from ._methods import layer_plane
from ._noisy import check_network_noise, noisy_layer_bracket
from ._probe import probe_layer


def plane_from_activations(activations, labels, *, method: str = "binning", unit: str = "bits",
                           progress: bool = False, inputs=None, layer_names=None,
                           network_noise_var=None, **settings) -> InformationPlane:
    """I(X;T) and I(T;Y) of every layer, epoch (and seed) from raw activations.

    Args:
        activations: a list with one array per layer, each [epoch, n, units] or
            [seed, epoch, n, units] (all layers alike), the activations for all n inputs.
        labels: (n,) integer class labels of those inputs.
        method: "binning", "exact", "kde_upper", "kde_lower", "knn" or "compressed" (see the
            module docstring).
        unit: "bits" (default) or "nats".
        progress: show a progress bar over the (seed, epoch, layer) estimates.
        inputs: for "compressed" only (required there): (n, ...) the network inputs the
            activations were recorded on, in the same order; flattened per example.
        layer_names: [layer] the layers' names in errors and warnings (default their indices,
            0, 1, ...).
        network_noise_var: for a network with Gaussian noise in its measured layers, the
            noise's variance (one number, or one per layer; in the layers' units) and then
            ``activations`` are the layers' noise-free values: adds the I(X;T) bracket (module
            docstring). None (default): a deterministic network, no I(X;T) bracket.
        **settings: the method's settings: binning rule, n_bins, low, high; KDE noise_var,
            anchors (average the terms of that many rows, drawn with anchor_seed, instead of
            all n: cost anchors / n of the exact value, with a standard error); knn k,
            jitter, seed; compressed compressor, estimator, variance, dim_x, dim_t, k, steps,
            jitter, seed.

    Returns:
        An ``InformationPlane`` (``infoplane.records``) with I_XT and I_TY [seed, epoch,
        layer] (one seed for activations without a seed axis), epochs 0, 1, ... (the
        positions of the activations' epochs), the layer names, H_Y (the labels' plug-in
        entropy; H_X is None: only a run or a file knows its inputs), method, unit and the
        settings as used (for compressed also dim_x, the cap, and the counts
        "capped_points" and "constant_points"; "probe": the bracket's probe). For anchored
        KDE and compressed also I_XT_stderr and I_TY_stderr; for compressed dim_T (the
        compressed width of each layer, 0 for a constant layer); for binning saturated
        (at least n / 2 bins occupied, so I(X;T) is near log2 n whatever the layer does,
        with a warning: ``_checks.binned_saturation``); for compressed, warnings for points
        far below zero or above H(X) or H(Y) (``_checks.negative_estimates``,
        ``_checks.above_ceiling``). Every method adds the bracket (module docstring):
        I_TY_lower, I_TY_lower_stderr, I_TY_upper and I_TY_outside, and a warning per
        layer with points outside it. With ``network_noise_var`` also I_XT_lower,
        I_XT_upper and I_XT_outside (the Kolchinsky-Tracey pair of a noisy network,
        ``_noisy``); None without it.

    Raises:
        InfoplaneError: unknown method or settings, bad shapes, labels of the wrong length,
            NaN or inf activations, inputs missing for "compressed" or given to another method.
    """
    check_method(method, settings)
    if inputs is not None and method != "compressed":
        raise InfoplaneError(f"method {method!r} does not take inputs (it sees only the layers "
                             "and the labels); only method 'compressed' uses them")
    check_unit(unit)
    layers, _, names = check_layers(activations, layer_names)
    noise = check_network_noise(network_noise_var, len(layers))
    n_seeds, n_epochs, n = layers[0].shape[:3]
    codes, n_classes = check_labels(labels, n)
    used: dict = {}
    if method == "compressed":
        cx = compress_inputs(inputs, n, settings, used)
    per_layer, brackets = [], []
    with tqdm(total=n_seeds * n_epochs * len(layers), desc=f"{method} plane", unit="estimate",
              disable=not progress, leave=False) as bar:
        for li, layer in enumerate(layers):
            flat = layer.reshape((-1,) + layer.shape[2:])
            if method == "compressed":
                outs = list(compressed_layer(flat, codes, cx, settings, used, bar))
            else:
                outs = list(layer_plane(flat, codes, n_classes, method, settings, li, used,
                                        n_seeds, bar))
            lower, lower_se, knn = probe_layer(flat, codes, n_classes, settings, used,
                                               with_knn=method == "compressed")
            if method == "compressed":  # I(T;Y): the supervised estimate (``_compressed``)
                outs[1] = np.maximum(knn, lower)
                outs[3] = lower_se
            per_layer.append([np.asarray(v).reshape(n_seeds, n_epochs) for v in outs])
            brackets.append([v.reshape(n_seeds, n_epochs) for v in (lower, lower_se)])
    scale = math.log(2) if unit == "nats" else 1.0

    def stacked(parts: list, i: int) -> np.ndarray:
        """Output ``i`` of every layer as [seed, epoch, layer] in ``unit``."""
        return np.stack([p[i] for p in parts], axis=-1).astype(np.float64) * scale

    ixt, ity = stacked(per_layer, 0), stacked(per_layer, 1)
    # standard errors: anchored KDE and compressed only
    se_xt, se_ty = (stacked(per_layer, i) if len(per_layer[0]) > i else None for i in (2, 3))
    dim_t = (np.stack([p[4] for p in per_layer], axis=-1) if len(per_layer[0]) > 4
             else None)  # a width, not in bits
    h_y = label_entropy_bits(codes)
    lower, lower_se = stacked(brackets, 0), stacked(brackets, 1)
    upper = np.full_like(lower, h_y * scale)
    outside_mask, outside = outside_bracket(ity, se_ty, lower, lower_se, upper, unit,
                                           names=names)
    saturated = None
    warnings: list[str] = []
    if method == "binning":
        flags = binned_saturation(ixt / scale, ity / scale, n, codes, names)
        saturated = flags["saturated"]
        warnings += flags["warnings"]
    if method == "compressed":
        values = {"I(X;T)": ixt, "I(T;Y)": ity}
        stderrs = {"I(X;T)": se_xt, "I(T;Y)": se_ty}
        ceilings = {"I(X;T)": ("H(X)", used["H_X_bits"] * scale),  # log2 n: distinct inputs
                    "I(T;Y)": ("H(Y)", h_y * scale)}
        warnings += (negative_estimates(values, stderrs, unit, names)
                     + above_ceiling(values, stderrs, ceilings, unit, names))
        if used.get("determined_points"):
            count = used["determined_points"]
            warnings.append(
                f"at {count} point{'s' * (count != 1)} a layer's compressed code determines "
                "the inputs' (collinear normal scores, e.g. a layer that copies the inputs): "
                "I(X;T) is set to its ceiling H(X) there")
    warnings += outside
    xt = {}
    if noise is not None:  # the I(X;T) bracket of a noisy network (``_noisy``)
        xt = _xt_bracket(layers, codes, n_classes, noise, ixt, se_xt, method, unit, names,
                         warnings)
        used["network_noise_var"] = noise
    return InformationPlane(
        I_XT=ixt, I_TY=ity, epochs=np.arange(n_epochs), layer_names=tuple(names),
        H_Y=h_y * scale, method=method, unit=unit, settings=used, I_XT_stderr=se_xt,
        I_TY_stderr=se_ty, I_TY_lower=lower, I_TY_lower_stderr=lower_se, I_TY_upper=upper,
        I_TY_outside=outside_mask, dim_T=dim_t, saturated=saturated,
        warnings=tuple(warnings), **xt)


def _xt_bracket(layers, codes, n_classes, noise, ixt, se_xt, method, unit, names, warnings
                ) -> dict:
    """I_XT_lower, I_XT_upper and I_XT_outside [seed, epoch, layer] of every point
    (``_noisy``); ``warnings`` is extended by the layers with points outside. Only
    "compressed" estimates the noisy layer's I(X;T); the other methods' I_XT is another
    quantity, and no point of theirs is marked."""
    scale = math.log(2) if unit == "nats" else 1.0
    n_seeds, n_epochs = layers[0].shape[:2]
    pairs = [noisy_layer_bracket(layer.reshape((-1,) + layer.shape[2:]), codes, n_classes, v,
                                 li, n_seeds) for li, (layer, v) in enumerate(zip(layers, noise,
                                                                                   strict=True))]
    out = {name: np.stack([p[i].reshape(n_seeds, n_epochs) for p in pairs], axis=-1) * scale
           for i, name in enumerate(("I_XT_lower", "I_XT_upper"))}
    if method == "compressed":
        out["I_XT_outside"], messages = outside_xt_bracket(
            ixt, se_xt, out["I_XT_lower"], out["I_XT_upper"], unit, names)
        warnings += messages
    else:
        out["I_XT_outside"] = np.zeros(out["I_XT_lower"].shape, bool)
    return out
