"""The measurement of one seed at a logged epoch: binned I(X;T) and I(T;Y) of every layer on all
inputs, losses and accuracies on the training and test rows, weight norms, and the raw
activations of the recorded layers.

As in IDNNs, a logged epoch is measured before its updates, on every input of the data set
(X uniform over the distinct inputs). ``measure_outputs`` sees only a network's logits and
hidden layers, not how they were computed, so any model's forward pass can feed it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import InfoplaneError
from ..data import Dataset, Split
from ..defaults import BRACKET_LAMBDAS, BRACKET_ROWS, BRACKET_SCALES, PROBE_FOLDS, SEED
from ..estimators._crossfit import check_folds, fold_of_rows, fold_slots
from ..estimators.binning import bin_codes, binned_information, codes_information
from ..estimators.discrete import input_entropy_bits, label_entropy_bits
from ..estimators.exact import exact_information
from ..estimators.probe import probe_bound_nats
from ..runs import provenance, provenance_fields
from .config import RunConfig
from .network import Network

LN2 = math.log(2.0)
_PAD_WIDTH = 64  # the widest layer whose bracket training records (``_bracket``)


class Probe(NamedTuple):
    """The rows every measurement runs on: all inputs, with masks of the training and test rows.

    Attributes:
        x: (n, d) every input; y: (n,) integer labels.
        train, test: (n,) float32, 1 on the rows of that part of the split, else 0.
        rows, slots, fold: the rows of the bracket's probe (a stratified subset of at most
            ``defaults.BRACKET_ROWS``, ``bracket_rows``) and their stratified folds
            (``_crossfit.fold_slots`` with ``defaults.PROBE_FOLDS`` folds and seed
            ``defaults.SEED``), or None when the run records no bracket.
    """

    x: jax.Array
    y: jax.Array
    train: jax.Array
    test: jax.Array
    rows: jax.Array | None = None
    slots: jax.Array | None = None
    fold: jax.Array | None = None


def bracket_rows(y: np.ndarray, size: int = BRACKET_ROWS, seed: int = SEED) -> np.ndarray:
    """A stratified subset of at most ``size`` rows of labels y (all rows when there are no
    more), sorted: each class keeps its share, rounded, and at least ``PROBE_FOLDS`` rows."""
    n = y.shape[0]
    if n <= size:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    picked = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        take = min(members.size, max(PROBE_FOLDS, round(size * members.size / n)))
        picked.append(rng.choice(members, take, replace=False))
    return np.sort(np.concatenate(picked))


def probe_rows(data: Dataset, split: Split, bracket: bool = False) -> Probe:
    """All rows of ``data``, with the training and test masks of ``split`` and, with
    ``bracket``, the folds of the bracket's probe.

    Raises:
        InfoplaneError: with ``bracket``, a class with fewer than ``PROBE_FOLDS`` rows.
    """
    n = data.x.shape[0]
    folds = None
    if bracket:
        try:
            check_folds(np.asarray(data.y), PROBE_FOLDS)
        except InfoplaneError as e:
            raise InfoplaneError(f"the I(T;Y) bracket of {data.name}: {e}; or train with "
                                 "bracket=False (on the command line --set bracket=false)",
                                 usage=True) from None
        rows = bracket_rows(np.asarray(data.y))
        slots = fold_slots(np.asarray(data.y)[rows], PROBE_FOLDS, SEED)
        folds = (jnp.asarray(rows), jnp.asarray(slots),
                 jnp.asarray(fold_of_rows(slots, rows.size)))
    masks = np.zeros((2, n), np.float32)  # on the host: no small program to compile
    masks[0, np.asarray(split.train)] = masks[1, np.asarray(split.test, dtype=np.int64)] = 1.0
    return Probe(jnp.asarray(data.x), jnp.asarray(data.y), jnp.asarray(masks[0]),
                 jnp.asarray(masks[1]), *(folds or (None, None, None)))


def masked_mean(v: jax.Array, mask: jax.Array) -> jax.Array:
    """The mean of v over the rows where mask is 1 (0 when there are none)."""
    return jnp.sum(v * mask) / jnp.maximum(jnp.sum(mask), 1.0)


def measure_outputs(logits: jax.Array, layers: tuple[jax.Array, ...], probe: Probe,
                    config: RunConfig, *, feature_major: bool = False) -> dict[str, jax.Array]:
    """Everything recorded about one network's outputs on the probe rows.

    Args:
        logits: (n, classes) the network's logits on ``probe.x``.
        layers: the layers of the information plane, one (n, width) array each, first to last
            (the MLP's: its hidden layers, then the output layer as softmax(logits)); with
            ``feature_major``, one (width, n) array each.
        probe: the rows measured.
        config: the run's binning (``config.bins``) and recorded layers (``record_layers``,
            saved as ``record_dtype``).
        feature_major: the layout of ``layers``. The results are the same in both: binning
            is element-wise (its "quantile" rule, per unit, bins the (n, width) layout).

    Returns:
        I_XT, I_TY (layers,) in bits (binned; exact for a quantised run, ``config.quantize_bits``:
        ``estimators.exact``); train_loss, test_loss (cross-entropy in bits) and
        train_acc, test_acc as scalars; ``act_{li}`` (n, width) for each recorded layer li;
        with ``probe.rows``, the bracket's ``I_TY_lower``, ``I_TY_lower_stderr`` (layers,)
        in bits (``probe_bound_nats`` on those rows).
    """
    n_classes = logits.shape[-1]
    pairs = [_information(h, probe.y, config, n_classes, feature_major) for h in layers]
    if feature_major:
        layers = tuple(h.T for h in layers)  # (n, width): views for what follows
    lp = jax.nn.log_softmax(logits)
    nll = -jnp.take_along_axis(lp, probe.y[:, None], axis=1)[:, 0] / LN2
    correct = (jnp.argmax(lp, axis=1) == probe.y).astype(jnp.float32)
    rec = {
        "I_XT": jnp.stack([p[0] for p in pairs]),
        "I_TY": jnp.stack([p[1] for p in pairs]),
        "train_loss": masked_mean(nll, probe.train),
        "test_loss": masked_mean(nll, probe.test),
        "train_acc": masked_mean(correct, probe.train),
        "test_acc": masked_mean(correct, probe.test),
    }
    if probe.slots is not None:
        bound, stderr = _bracket(layers, probe, n_classes)
        rec["I_TY_lower"], rec["I_TY_lower_stderr"] = bound / LN2, stderr / LN2
    store = jnp.dtype(config.record_dtype)
    for li in config.record_layers:
        rec[f"act_{li}"] = layers[li].astype(store)
    return rec


def _information(h: jax.Array, y: jax.Array, config: RunConfig, n_classes: int,
                 feature_major: bool) -> tuple[jax.Array, jax.Array]:
    """(I(X;T), I(T;Y)) in bits of one layer h, (n, width) or with ``feature_major``
    (width, n): binned (``binning.binned_information``), or exact for a quantised run.

    Feature-major, the bins are found on the (width, n) layout and their codes transposed: the
    comparisons then run along rows of n values (measured on the 12-10-7-5-4-3-2 network, the
    binned plane of a seed takes about 30% less CPU than from the (n, width) layout)."""
    rows = h.T if feature_major else h  # (n, width)
    if config.quantize_bits is not None:  # a quantised network: its layers counted exactly
        return exact_information(rows, y, n_classes)
    bins = config.bins
    if feature_major and bins.rule != "quantile":
        return codes_information(bin_codes(h, bins).T, bins.n_symbols, y, n_classes)
    return binned_information(rows, y, bins, n_classes)


def _bracket(layers: tuple[jax.Array, ...], probe: Probe, n_classes: int
             ) -> tuple[jax.Array, jax.Array]:
    """The probe bound and its standard error (layers,), nats, of every layer of at most
    ``_PAD_WIDTH`` units on the bracket's rows; NaN for wider layers (their bracket comes
    with a plane of their recorded activations, ``plane_from_run``, which fits the probe
    outside the training program).

    The narrow layers are padded with zero columns to the widest of them and vmapped: one
    copy of the probe in the compiled program instead of one per layer (a zero column is
    constant: standardised to 0, it adds nothing to the discriminant and only lowers the
    mean variance its shrinkage aims at). The discriminant is solved by matrix products
    (``_crossfit.iterative_solve``), not LAPACK: the two devices' programs run at once, and
    concurrent batched factorisations can hang jaxlib's CPU thread pool (seen with the
    convolutional presets)."""
    y = probe.y[probe.rows]

    def bound(h):
        return probe_bound_nats(h, y, probe.slots, probe.fold, PROBE_FOLDS, n_classes,
                                BRACKET_LAMBDAS, BRACKET_SCALES, solver="iterative")

    narrow = [i for i, h in enumerate(layers) if h.shape[1] <= _PAD_WIDTH]
    out = jnp.full((2, len(layers)), jnp.nan)
    if narrow:
        widest = max(layers[i].shape[1] for i in narrow)
        padded = jnp.stack([jnp.pad(layers[i][probe.rows],
                                    ((0, 0), (0, widest - layers[i].shape[1])))
                            for i in narrow])
        out = out.at[:, jnp.asarray(narrow)].set(jnp.stack(jax.vmap(bound)(padded)))
    return out[0], out[1]


def measure(network: Network, probe: Probe, config: RunConfig, flat: jax.Array
            ) -> dict[str, jax.Array]:
    """One seed at a logged epoch: ``measure_outputs`` of one forward pass on the probe rows,
    and ``weight_norm`` (layers,), the Frobenius norm of each layer's weights.

    Args:
        network: the network's functions.
        probe: the rows measured.
        config: the run's configuration (binning, recorded layers).
        flat: (P,) the seed's flat parameters.
    """
    if network.forward_features is None:
        rec = measure_outputs(*network.forward(flat, probe.x), probe, config)
    else:
        logits, layers = network.forward_features(flat, probe.x)
        rec = measure_outputs(logits.T, layers, probe, config, feature_major=True)
    rec["weight_norm"] = jnp.stack([jnp.sqrt(jnp.sum(w**2)) for w in network.weights(flat)])
    return rec


def run_constants(config: RunConfig, data: Dataset, network: Network, logged: np.ndarray
                  ) -> dict[str, np.ndarray]:
    """The arrays of information.npz that training does not change: the logged epochs, layer
    names (like "L1 (10)" for a hidden layer of 10 units, "out (2)" for the softmax output)
    and widths, the names of the weights whose gradients are recorded, seeds, and H(X), H(Y)
    in bits (X uniform over the inputs: ``input_entropy_bits``), and the provenance of the
    plane (method "binning" with its bins, or "exact" with the bit width for a quantised run;
    the number of inputs, the data set, the versions; the devices are in config.json)."""
    n = int(data.x.shape[0])
    if config.quantize_bits is None:
        method, settings = "binning", {"rule": config.bin_rule, "n_bins": config.n_bins,
                                       "low": config.bin_low, "high": config.bin_high, "n": n}
    else:
        method, settings = "exact", {"quantize_bits": config.quantize_bits, "n": n,
                                     "caveat": f"X uniform over the n = {n} rows of the data "
                                               f"set: I(X;T) <= log2 n"}
    return {
        "epochs": logged,
        "layer_names": np.array(network.layer_names),
        "layer_widths": np.array(network.layer_widths),
        "weight_names": np.array(network.weight_names),
        "seeds": np.arange(config.seed, config.seed + config.seeds),
        "H_X": np.float64(input_entropy_bits(data.x)),
        "H_Y": np.float64(label_entropy_bits(data.y)),
        **provenance_fields(provenance(method=method, source=data.name, settings=settings)),
    }
