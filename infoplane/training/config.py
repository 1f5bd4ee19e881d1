"""The configuration of a training run: one frozen dataclass that round-trips through JSON.

No JAX is imported here or by anything imported here, so that a configuration can be built,
checked and saved without loading the compiled code (``tests/test_config.py`` reads the import
graph to keep it so).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from .._errors import InfoplaneError, check_choice, check_positive_int, check_positive_real
from ..data.splits import SPLITS
from ..defaults import BIN_HIGH, BIN_LOW, BIN_RULE, N_BINS
from ..estimators.bins import BIN_RULES, Bins
from .schedules import SCHEDULES

# The names a configuration may choose from. They live here, not beside the JAX code that
# implements them (models.py, epoch.py), so that a configuration is checked without JAX.
MODELS = ("mlp", "cnn1d", "cnn2d")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "softsign", "softplus", "linear")
INITIALISERS = ("idnns", "zeros", "normal", "glorot_uniform", "glorot_normal", "he_normal",
                "he_uniform")
OPTIMISERS = ("adam", "sgd", "momentum")
BATCH_ORDERS = ("fixed", "shuffle")
RECORD_DTYPES = ("float16", "float32")
# The bit widths quantisation-aware training accepts (``RunConfig.quantize_bits``).
QUANTIZE_BITS = (2, 16)


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a run. The defaults are the IDNNs protocol (Shwartz-Ziv &
    Tishby 2017): 12-10-7-5-4-3-2 tanh, Adam 4e-4, batch 512, 8000 epochs, the first 80% of rows
    for training in fixed contiguous batches, 274 logged epochs, 30 bins on [-1, 1], 50 seeds.

    Attributes:
        dataset: "tishby12", "digits", "mnist1d", a path to a .mat / .npz file, or a folder of
            MNIST-format IDX files (see ``data.load_dataset``).
        model: the built-in network, one of ``MODELS``: "mlp" (a multi-layer perceptron of
            ``hidden`` widths, trained on the fast grouped path), "cnn1d" or "cnn2d" (a
            convolutional network, ``training.cnn``: a block of convolution, activation and
            max-pooling per entry of ``channels``, then dense layers of ``hidden`` widths).
            A network of your own is passed to ``train(..., model=...)`` instead.
        hidden: hidden (dense) layer widths; input and output widths come from the data.
        channels, kernel_size, pool: the convolutional blocks of "cnn1d" / "cnn2d": output
            channels of each block, the kernel's length (or side) and the pooling window.
        activation: one of ``ACTIVATIONS``, or a callable (not saved to JSON).
        init: weight initialiser, one of ``INITIALISERS``; ``init_std`` for "normal".
        optimiser: one of ``OPTIMISERS`` ("adam", "sgd", "momentum"); ``momentum`` for the
            latter.
        learning_rate, weight_decay: the optimiser's step size and L2 weight decay.
        batch_size, epochs: mini-batch size and number of epochs.
        batch_order: "fixed" (contiguous batches in row order, as IDNNs) or "shuffle" (reshuffled
            every epoch, seeded).
        seeds, seed: how many networks, and the first seed (seeds are seed, seed + 1, ...).
        schedule, schedule_value: which epochs are logged (see ``schedules.logged_epochs``).
        split, train_fraction, split_seed: the training rows (see ``datasets.split``).
        bin_rule, n_bins, bin_low, bin_high: the binning of activations (see ``Bins``).
        dropout: dropout rate on hidden units during training (0 for none).
        unit_noise: std of Gaussian noise added to every hidden unit during training; for the
            convolutional networks it is relative, a multiple of the root mean square of the
            layer's activations (Goldfeld et al. 2019; Butakov et al. 2024).
        noise_eval: keep the convolutional networks' noise on when the layers are measured (a
            noisy network, whose I(X;T) is finite), not only in training.
        record_layers: layer indices whose raw activations are saved at logged epochs.
        record_dtype: "float16" or "float32" for saved activations.
        init_from: a run directory whose final training state (parameters and optimiser
            state, from its checkpoint.npz) starts this run instead of a fresh initialisation:
            training continues, e.g. on shifted data. The architecture must match.
        quantize_bits: None (a float network) or b from 2 to 16: quantisation-aware training
            (Lorenzen, Igel & Nielsen, ICLR 2022; ``training.quantisation``). Every weight tensor
            and every layer's output (after its activation; the softmax output on [0, 1]) is
            quantised uniformly to 2**b levels with a straight-through gradient, so each unit
            takes at most 2**b values and the information plane measured during training is
            the exact I(X;T), I(T;Y) over the data set (method "exact"). It cannot be combined
            with ``unit_noise`` or ``noise_eval`` (noise takes the layers off the grid);
            dropout acts in training only and is allowed. Above 10 bits, recorded
            activations need ``record_dtype="float32"`` (float16 would merge levels).
        bracket: also record, at every logged epoch, the probe bound on every layer's
            I(T;Y) (``I_TY_lower`` with ``I_TY_lower_stderr``, bits; the calibrated
            cross-fitted shrinkage discriminant of the planes' bracket,
            ``estimators.probe.probe_bound_nats``, on a stratified subset of at most
            ``defaults.BRACKET_ROWS`` rows), so that information.npz carries the bracket
            [I_TY_lower, H(Y)] of every point; for layers of at most 64 units (wider ones
            get NaN: ``plane_from_run`` on their recorded activations brackets them). Every
            class needs at least ``defaults.PROBE_FOLDS`` rows.
        chunk_logs, chunk_epochs: a compiled chunk holds at most ``chunk_logs`` logged epochs and
            ends once it covers ``chunk_epochs`` epochs; results are saved after every chunk.
    """

    dataset: str = "tishby12"
    model: str = "mlp"
    hidden: tuple[int, ...] = (10, 7, 5, 4, 3)
    channels: tuple[int, ...] = (16, 32)
    kernel_size: int = 5
    pool: int = 2
    activation: str = "tanh"
    init: str = "idnns"
    init_std: float = 0.01
    optimiser: str = "adam"
    learning_rate: float = 4e-4
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch_size: int = 512
    epochs: int = 8000
    batch_order: str = "fixed"
    seeds: int = 50
    seed: int = 0
    schedule: str = "idnns"
    schedule_value: int | tuple[int, ...] | None = None
    split: str = "idnns"
    train_fraction: float = 0.8
    split_seed: int = 0
    bin_rule: str = BIN_RULE
    n_bins: int = N_BINS
    bin_low: float = BIN_LOW
    bin_high: float = BIN_HIGH
    dropout: float = 0.0
    unit_noise: float = 0.0
    noise_eval: bool = False
    record_layers: tuple[int, ...] = field(default_factory=tuple)
    record_dtype: str = "float16"
    chunk_logs: int = 8
    chunk_epochs: int = 250
    init_from: str | None = None
    quantize_bits: int | None = None
    bracket: bool = True

    def replace(self, **changes) -> RunConfig:
        """A copy with some fields changed; unknown names are an error."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise InfoplaneError(f"unknown configuration field(s): {', '.join(unknown)}",
                                 usage=True)
        return dataclasses.replace(self, **changes)

    @property
    def bins(self) -> Bins:
        """The binning of activations, as a ``Bins`` specification."""
        return Bins(self.bin_rule, self.n_bins, self.bin_low, self.bin_high)

    @property
    def n_layers(self) -> int:
        """How many layers the built-in network's information plane has (the output included)."""
        convs = len(self.channels) if self.model != "mlp" else 0
        return convs + len(self.hidden) + 1

    def validate(self) -> RunConfig:
        """Raise an InfoplaneError naming the first bad field; return self."""
        check_choice("model", self.model, MODELS)
        for name in ("hidden", "channels", "record_layers"):
            value = getattr(self, name)
            if not isinstance(value, (tuple, list)):
                raise InfoplaneError(f"{name} must be a list of integers such as [10, 7, 5], "
                                     f"got {value!r}", usage=True)
        if not self.hidden and self.model == "mlp":
            raise InfoplaneError("hidden must list at least one hidden layer width", usage=True)
        for i, w in enumerate(self.hidden):
            check_positive_int(f"hidden width {i}", w)
        for i, c in enumerate(self.channels):
            check_positive_int(f"channels {i}", c)
        if self.model != "mlp" and not self.channels:
            raise InfoplaneError(f"model {self.model!r} needs at least one entry in channels",
                                 usage=True)
        for name in ("kernel_size", "pool"):
            check_positive_int(name, getattr(self, name))
        if not callable(self.activation):
            check_choice("activation", self.activation, ACTIVATIONS)
        check_choice("initialiser", self.init, INITIALISERS)
        check_choice("optimiser", self.optimiser, OPTIMISERS)
        check_choice("batch order", self.batch_order, BATCH_ORDERS)
        check_choice("schedule", self.schedule, SCHEDULES)
        check_choice("split", self.split, SPLITS)
        check_choice("bin rule", self.bin_rule, BIN_RULES)
        check_choice("record dtype", self.record_dtype, RECORD_DTYPES)
        for name in ("batch_size", "epochs", "seeds", "chunk_logs", "chunk_epochs"):
            check_positive_int(name, getattr(self, name))
        for name in ("learning_rate", "init_std"):
            check_positive_real(name, getattr(self, name))
        for name in ("weight_decay", "unit_noise", "momentum"):
            check_positive_real(name, getattr(self, name), allow_zero=True)
        if not 0.0 <= self.dropout < 1.0:
            raise InfoplaneError(f"dropout must be in [0, 1), got {self.dropout}", usage=True)
        n_layers = self.n_layers
        for li in self.record_layers:
            if not 0 <= li < n_layers:
                raise InfoplaneError(
                    f"record_layers: layer {li} does not exist; layers are 0..{n_layers - 1}",
                    usage=True)
        if not isinstance(self.bracket, bool):
            raise InfoplaneError(f"bracket must be true or false, got {self.bracket!r}",
                                 usage=True)
        self.bins.validate()
        self._validate_quantisation()
        return self

    def _validate_quantisation(self) -> None:
        bits = self.quantize_bits
        if bits is None:
            return
        low, high = QUANTIZE_BITS
        if isinstance(bits, bool) or not isinstance(bits, int) or not low <= bits <= high:
            raise InfoplaneError(f"quantize_bits must be an integer from {low} to {high} (or "
                                 f"null for a float network), got {bits!r}", usage=True)
        for name in ("unit_noise", "noise_eval"):
            if getattr(self, name):
                raise InfoplaneError(
                    f"quantize_bits cannot be combined with {name}: noise takes the layers off "
                    f"the quantisation grid, so the plane would not be exact; set {name} to "
                    f"{0.0 if name == 'unit_noise' else False} or quantize_bits to null",
                    usage=True)
        if bits > 10 and self.record_dtype == "float16" and self.record_layers:
            raise InfoplaneError(f"quantize_bits={bits} needs record_dtype 'float32': float16 "
                                 "keeps 11 significant bits and would merge levels of the "
                                 "recorded activations", usage=True)

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v)
                for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> RunConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise InfoplaneError(f"unknown configuration field(s): {', '.join(unknown)}",
                                 usage=True)
        d = dict(d)
        for k in ("hidden", "channels", "record_layers"):
            if isinstance(d.get(k), list):
                d[k] = tuple(d[k])
        if isinstance(d.get("schedule_value"), list):
            d["schedule_value"] = tuple(d["schedule_value"])
        return cls(**d)

    @classmethod
    def from_json(cls, path) -> RunConfig:
        path = Path(path)
        if not path.is_file():
            raise InfoplaneError(f"{path} is a folder, not a JSON configuration file"
                                 if path.is_dir() else f"no such configuration file: {path}")
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise InfoplaneError(f"{path}: not valid JSON ({err})") from None
        d = d.get("config", d) if isinstance(d, dict) else d
        if not isinstance(d, dict):
            raise InfoplaneError(f"{path}: expected a JSON object of configuration fields, "
                                 f"got a {type(d).__name__}")
        return cls.from_dict(d)


PRESETS: dict[str, RunConfig] = {
    # The IDNNs protocol of Shwartz-Ziv & Tishby (2017), 50 seeds x 8000 epochs.
    "tishby2017": RunConfig(),
    # Saxe et al. (2018): a random 80% split, 10000 epochs, their logging schedule.
    "saxe2018": RunConfig(split="random", epochs=10000, schedule="saxe"),
    # MNIST-1D (Greydanus & Kobak 2024) with the built-in 1-D CNN: two blocks of 16 and 32
    # channels, a dense layer of 64 ReLU units; Adam 1e-3, batches of 100, 200 epochs, 50
    # log-spaced logged epochs (the "log" rule with 72 points rounds to 50 distinct epochs);
    # bins over each layer's own range (ReLU is unbounded).
    "mnist1d_cnn": RunConfig(dataset="mnist1d", model="cnn1d", hidden=(64,), activation="relu",
                             init="he_normal", learning_rate=1e-3, batch_size=100, epochs=200,
                             batch_order="shuffle", seeds=10, schedule="log",
                             schedule_value=72, bin_rule="layer"),
    # The same task with an MLP of the protocol's kind (the paper's MLP: 100-100 ReLU).
    "mnist1d_mlp": RunConfig(dataset="mnist1d", hidden=(100, 100), activation="relu",
                             init="he_normal", learning_rate=1e-3, batch_size=100, epochs=200,
                             batch_order="shuffle", seeds=10, schedule="log",
                             schedule_value=72, bin_rule="layer"),
    # scikit-learn's 8x8 digits with the built-in 2-D CNN.
    "digits_cnn": RunConfig(dataset="digits", model="cnn2d", channels=(8, 16), kernel_size=3,
                            hidden=(32,), activation="relu", init="he_normal",
                            learning_rate=1e-3, batch_size=64, epochs=100,
                            batch_order="shuffle", seeds=5, split="stratified",
                            schedule="log", schedule_value=30, bin_rule="layer"),
    # A few seconds: for trying things out and for smoke tests.
    "tiny": RunConfig(seeds=2, epochs=60, schedule="every", schedule_value=10),
}


def preset(name: str) -> RunConfig:
    """A named configuration from ``PRESETS``."""
    check_choice("preset", name, PRESETS)
    return PRESETS[name]
