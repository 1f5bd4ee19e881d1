"""A Keras 3 callback that records a model's layer activations into an infoplane run folder.

::

    from infoplane.integrations.keras import Recorder
    model.fit(x, y, epochs=100, callbacks=[Recorder("runs/keras", x_probe, y_probe)])

It records the model before training as epoch 0 and at the end of every epoch in ``epochs``
(default: all), each time running the probe inputs through the model in inference mode
(``training=False``: dropout off) in batches. The probe pass is one compiled function, built
once: a model whose outputs are the chosen layers' (sharing the trained layers), run on
equal batches (the last one padded, by fewer than one row per batch), so that it compiles
once. On the JAX backend it is one stateless call compiled by a thread while the first epoch
trains (``_JaxProbe``), and epoch 0 is recorded at the end of that epoch from a copy of the
variables taken before it (a training error in the first epoch therefore leaves no record);
on other backends it is ``predict_on_batch``, and epoch 0 is recorded when training begins.
The model must have a symbolic graph (Sequential or functional; not a subclassed Model).
Any backend works; the tests use JAX. Requires ``keras`` (in the ``dev`` extra;
``pip install keras``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np

from .._errors import InfoplaneError

try:
    import keras
except ImportError:  # pragma: no cover - exercised by a test that hides keras
    raise InfoplaneError(
        "infoplane.integrations.keras needs Keras 3; install it with `pip install keras` "
        "(and a backend: jax, tensorflow or torch)"
    ) from None

from ._arrays import slot_view
from .recorder import Recorder as _Core
from .recorder import epoch_choice, is_chosen


def default_layers(model) -> list:
    """The layers recorded by default: every layer with weights, and every activation layer."""
    activation_types = tuple(getattr(keras.layers, n) for n in
                             ("Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax")
                             if hasattr(keras.layers, n))
    return [layer for layer in model.layers
            if layer.weights or isinstance(layer, activation_types)]


class Recorder(keras.callbacks.Callback):
    """Record the activations of ``layers`` on ``inputs`` at epoch 0 and after chosen epochs.

    Args:
        out: the run folder.
        inputs: (n, ...) probe inputs (the model's input shape).
        labels: (n,) integer classes or (n, K) one-hot rows.
        layers: layers of the model, or their names (default: ``default_layers``).
        epochs: the epochs to record after (1 = after the first epoch), or "all"; default
            log-spaced (every epoch up to 10, then ``PER_DECADE`` a decade: ``log_spaced``)
            and the last epoch of ``fit``.
        batch_size: probe inputs per forward pass (default: all of them, up to 4096).
        **options: ``resume``, ``overwrite``, ``dtype``, ``bins``, ``store_inputs``,
            ``writer`` of :class:`infoplane.Recorder` (the default writer thread suits Keras,
            whose compiled steps leave the interpreter free).
    """

    def __init__(self, out, inputs, labels, layers=None,
                 epochs: Iterable[int] | str | None = None,
                 *, batch_size: int = 4096, **options):
        super().__init__()
        self.inputs = np.asarray(inputs)
        self.core = _Core(out, self.inputs, labels, **options)
        self.layer_spec = layers
        self.epochs = epoch_choice(epochs)
        self.batch_size = int(batch_size)
        self._probe = None
        self._names: list[str] = []
        self._buffers: tuple[dict, dict] = ({}, {})
        self._turn = 0
        self._first = None  # epoch 0's variable values, while its record waits for the probe
        # float32, or float64 when the recorder keeps float64 (it casts float16 itself)
        self._buffer_dtype = np.result_type(np.float32, self.core.dtype)

    def on_train_begin(self, logs=None):
        if self.core._epochs or self._first is not None:  # a second fit() continues
            return
        if self._probe is None:
            self._probe, self._names = self._build_probe()
        if isinstance(self._probe, _JaxProbe):  # it compiles while the first epoch trains:
            self._first = self._probe.values(copy=True)  # epoch 0 is recorded after it
        else:
            self.record(0)

    def on_epoch_end(self, epoch, logs=None):
        self._record_first()
        done = epoch + 1
        if is_chosen(self.epochs, done) or (self.epochs is None
                                            and done == self.params.get("epochs")):
            self.record(done)

    def on_train_end(self, logs=None):
        self._record_first()
        self.core.close()

    def _record_first(self) -> None:
        """Epoch 0's record, from the values the variables had before training."""
        first, self._first = self._first, None
        if first is not None:
            self.record(0, first)

    def record(self, epoch: int, values=None) -> None:
        """Run the probe inputs through the model and record every chosen layer at ``epoch``
        (with the variables' current values, or ``values`` from ``_JaxProbe.values``)."""
        if values is None:
            self._record_first()
        if self._probe is None:
            self._probe, self._names = self._build_probe()
        # Two sets of buffers in turn, as the PyTorch recorder: the record in flight is written
        # from one while this one fills the other (or the recorder's free slot, as the buffer).
        self._turn = 1 - self._turn
        into = self._buffers[self._turn]
        slots = self.core._free_slot()  # filled in place of the buffers, where they fit
        n = len(self.inputs)
        for i, size, batch in self._batches():
            outs = self._probe(batch) if values is None else self._probe(batch, values)
            for k, (name, out) in enumerate(zip(self._names, outs, strict=True)):
                out = np.asarray(out)
                if i == 0:
                    shape = (n, *out.shape[1:])
                    view = slot_view(slots, k, shape, self._buffer_dtype)
                    if view is not None:
                        into[name] = view
                    elif name not in into or into[name].shape != shape:
                        into[name] = np.empty(shape, self._buffer_dtype)
                into[name][i:i + size] = out[:n - i]
        self.core._record(epoch, dict(into), copy=False)

    def _batches(self):
        """(start, size, inputs) of each probe batch: equal batches of at most batch_size, the
        last one padded with copies of its last input (one shape: one compilation)."""
        n = len(self.inputs)
        size = -(-n // -(-n // self.batch_size))
        for i in range(0, n, size):
            batch = self.inputs[i:i + size]
            if len(batch) < size:
                batch = np.concatenate([batch, np.repeat(batch[-1:], size - len(batch), axis=0)])
            yield i, size, batch

    def _chosen(self) -> list:
        if self.layer_spec is None:
            return default_layers(self.model)
        chosen = []
        for item in self.layer_spec:
            if isinstance(item, str):
                try:
                    item = self.model.get_layer(item)
                except ValueError:
                    names = ", ".join(layer.name for layer in self.model.layers)
                    raise InfoplaneError(f"the model has no layer {item!r}; its layers are: "
                                         f"{names}") from None
            chosen.append(item)
        return chosen

    def _build_probe(self):
        """A function inputs -> [activations of each chosen layer], in inference mode."""
        chosen = self._chosen()
        if not chosen:
            raise InfoplaneError("no layers to record: the model has no layers with weights; "
                                 "pass layers=[...]")
        try:
            sub = keras.Model(inputs=self.model.inputs, outputs=[layer.output for layer in chosen])
        except (AttributeError, ValueError, TypeError):
            raise InfoplaneError("cannot read the chosen layers' outputs from this model (a "
                                 "subclassed keras.Model?); build it as a keras.Sequential or "
                                 "functionally, from keras.Input") from None

        if keras.backend.backend() == "jax":
            return _JaxProbe(sub, next(self._batches())[2]), [layer.name for layer in chosen]

        def predict(x):
            outs = sub.predict_on_batch(x)
            return list(outs) if isinstance(outs, (list, tuple)) else [outs]

        return predict, [layer.name for layer in chosen]


class _JaxProbe:
    """On the JAX backend, ``sub.predict_on_batch`` as one compiled stateless call, without
    what predict_on_batch adds around it (its state written back into the variables, a copy
    of every output: the Keras CNN of ``benchmarks/bench_models.py``'s probe pass took 11.6 ms
    this way against 15.5 ms). It is traced here, and compiled by a thread while training
    starts (XLA's compilation, 70-80 ms for the toy MLP, mostly leaves the interpreter to the
    training loop); the first call waits for it.
    """

    def __init__(self, sub, batch: np.ndarray):
        import jax

        self.sub = sub
        call = jax.jit(lambda trainable, other, x: sub.stateless_call(trainable, other, x,
                                                                      training=False)[0])
        lowered = call.lower(*self.values(), batch)
        self._compiled = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._compile, args=(lowered,), daemon=True,
                                        name="infoplane-keras-probe")
        self._thread.start()

    def _compile(self, lowered) -> None:
        try:
            self._compiled = lowered.compile()
        except BaseException as err:  # noqa: BLE001 - raised by the first call
            self._error = err

    def values(self, copy: bool = False) -> tuple[list, list]:
        """The variables' values (trainable, other); copies, for values kept while training
        goes on (Keras's JAX trainer donates the old values' memory to each step)."""
        def take(variables):
            return [np.array(v.value) if copy else v.value for v in variables]

        return take(self.sub.trainable_variables), take(self.sub.non_trainable_variables)

    def __call__(self, x: np.ndarray, values: tuple[list, list] | None = None) -> list:
        if self._compiled is None:
            self._thread.join()
            if self._error is not None:
                raise self._error
        outs = self._compiled(*(values if values is not None else self.values()), x)
        return list(outs) if isinstance(outs, (list, tuple)) else [outs]
