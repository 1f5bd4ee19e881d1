"""Record a PyTorch model's layer activations into an infoplane run folder, with forward hooks.

::

    from infoplane.integrations.torch import Recorder
    rec = Recorder(model, "runs/torch", x_probe, y_probe)
    rec.record(0)
    for epoch in range(1, epochs + 1):
        train_one_epoch(model)
        rec.record(epoch)
    rec.close()

``record(epoch)`` runs the probe inputs through the model in eval mode (dropout off, batch norm
with its running statistics) under ``torch.inference_mode`` (no autograd bookkeeping), in
batches, collecting the output of every chosen module through a forward hook, then puts the
model back in the mode it was in. The outputs are joined on the CPU and handed to the core
recorder without a further copy.
torch is an optional extra (``pip install "infoplane[torch]"``), never required. On Linux
that installs PyTorch's default build, with several GB of CUDA libraries; without a GPU, install
the CPU build first (``CPU_INSTALL``), then the extra.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .._errors import InfoplaneError
from ._arrays import slot_view
from .recorder import Recorder as _Core
from .recorder import epoch_choice, is_chosen

CPU_INSTALL = "pip install torch --index-url https://download.pytorch.org/whl/cpu"

try:
    import torch
except ImportError:  # pragma: no cover - exercised where torch is absent
    raise InfoplaneError(
        'infoplane.integrations.torch needs PyTorch; install it with pip install '
        f'"infoplane[torch]" (on a machine without a GPU, first {CPU_INSTALL}: the default '
        "build brings several GB of CUDA libraries)") from None


def default_modules(model: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    """Every leaf module with parameters and every activation module, in registration order."""
    chosen = []
    for name, module in model.named_modules():
        if next(module.children(), None) is not None:
            continue
        has_params = next(module.parameters(recurse=False), None) is not None
        is_activation = type(module).__module__ == "torch.nn.modules.activation"
        if has_params or is_activation:
            chosen.append((name, module))
    return chosen


def layer_name(path: str, module: torch.nn.Module) -> str:
    """A recorded module's name: its path in ``model.named_modules()``, with an unnamed last
    part (an index in a ``Sequential``: "3") written as its type and that index
    ("Conv1d_3", "features.ReLU_4"), so that figures and messages say what the layer is and
    which module it is; the model itself (path "") is its type."""
    head, _, last = path.rpartition(".")
    if last and not last.isdigit():
        return path
    typed = f"{type(module).__name__}_{last}" if last else type(module).__name__
    return f"{head}.{typed}" if head else typed


class Recorder:
    """Record the outputs of chosen modules of ``model`` on probe inputs.

    Args:
        model: a ``torch.nn.Module``.
        out: the run folder.
        inputs: (n, ...) probe inputs (a tensor or array; moved to the model's device).
        labels: (n,) integer classes or (n, K) one-hot rows.
        layers: module names (as in ``model.named_modules()``) or modules; default
            ``default_modules(model)``. They are recorded under ``layer_name``: a module of a
            ``Sequential`` as its type and index ("Conv1d_0").
        batch_size: probe inputs per forward pass (default: all of them, up to 4096).
        epochs: the epochs that ``record`` records (others it skips), or "all"; default
            log-spaced (every epoch up to 10, then ``PER_DECADE`` a decade: ``log_spaced``).
            Call ``record(epoch)`` after every epoch either way.
        **options: ``resume``, ``overwrite``, ``dtype``, ``bins``, ``store_inputs``,
            ``writer`` of :class:`infoplane.Recorder`.

    Small records are written by a writer process of its own, large ones by a thread
    (``writer="auto"``, see ``infoplane.integrations.recorder.AUTO_PROCESS_BYTES``): a PyTorch
    training loop runs Python at every step, and a writer thread's many short calls for a
    small record would take turns with it for the interpreter (``benchmarks/bench_models.py
    --part recorders``: the toy MLP's cost 27% with a thread, 16% with the process).
    """

    def __init__(self, model, out, inputs, labels, layers=None, *, batch_size: int = 4096,
                 epochs: Iterable[int] | str | None = None, **options):
        if not isinstance(model, torch.nn.Module):
            raise InfoplaneError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self.model = model
        self.inputs = inputs if torch.is_tensor(inputs) else torch.as_tensor(np.asarray(inputs))
        options.setdefault("writer", "auto")  # see the class docstring
        self.core = _Core(out, self.inputs, labels, **options)
        self.modules = self._resolve(layers)
        self.batch_size = int(batch_size)
        self.epochs = epoch_choice(epochs)
        self._buffers: tuple[dict, dict] = ({}, {})
        self._turn = 0
        # float32, or float64 when the recorder keeps float64 (it casts float16 itself)
        self._buffer_dtype = np.result_type(np.float32, self.core.dtype)

    def _resolve(self, layers) -> list[tuple[str, torch.nn.Module]]:
        if layers is None:
            chosen = default_modules(self.model)
        else:
            by_name = dict(self.model.named_modules())
            by_id = {id(m): n for n, m in by_name.items()}
            chosen = []
            for item in layers:
                if isinstance(item, str):
                    if item not in by_name:
                        raise InfoplaneError(f"the model has no module {item!r}; its modules "
                                             f"are: {', '.join(n for n in by_name if n)}")
                    chosen.append((item, by_name[item]))
                elif id(item) in by_id:
                    chosen.append((by_id[id(item)], item))
                else:
                    raise InfoplaneError(f"{type(item).__name__} is not a module of the model")
        if not chosen:
            raise InfoplaneError("no modules to record; pass layers=[names]")
        return [(layer_name(name, module), module) for name, module in chosen]

    def activations(self) -> dict[str, np.ndarray]:
        """The chosen modules' outputs on all probe inputs: ``{name: (n, ...) array}``."""
        return self._forward(None)

    def record(self, epoch: int) -> None:
        """Record every chosen module's output at ``epoch`` (0 = before training), if
        ``epoch`` is one of the recorder's ``epochs``."""
        if not is_chosen(self.epochs, epoch):
            return
        # Two sets of buffers in turn: the record in flight is written from one while the next
        # fills the other; the one before was written (record waits for it) and is reused.
        self._turn = 1 - self._turn
        self.core._record(epoch, self._forward(self._buffers[self._turn]), copy=False)

    def _forward(self, into: dict[str, np.ndarray] | None) -> dict[str, np.ndarray]:
        """Run the probe inputs through the model in eval mode, each chosen module's output
        copied (on the CPU, as float32 or float64) into ``into[name]``: the recorder's free
        slot where it fits, else an (n, ...) array made at the first call and reused while the
        shape holds (``into=None``: new arrays, for the caller to keep)."""
        n, start, calls = len(self.inputs), 0, {name: 0 for name, _ in self.modules}
        slots = self.core._free_slot() if into is not None else None  # filled where they fit
        index = {name: k for k, (name, _) in enumerate(self.modules)}
        into = {} if into is None else into

        def hook_for(name):
            def hook(module, args, output):
                if not torch.is_tensor(output):
                    raise InfoplaneError(f"module {name!r} returns {type(output).__name__}, "
                                         "not a tensor; record another module")
                rows = min(self.batch_size, n - start)
                if output.ndim == 0 or output.shape[0] != rows:
                    raise InfoplaneError(f"module {name!r} gives an output of shape "
                                         f"{tuple(output.shape)} for a batch of {rows} inputs; "
                                         "record a module whose first axis is the batch")
                shape = (n, *output.shape[1:])
                view = (slot_view(slots, index[name], shape, self._buffer_dtype)
                        if calls[name] == 0 else None)
                if view is not None:
                    into[name] = view
                elif calls[name] == 0 and (name not in into or into[name].shape != shape):
                    into[name] = np.empty(shape, self._buffer_dtype)
                elif into[name].shape != shape:
                    raise InfoplaneError(f"module {name!r} gives outputs of shape "
                                         f"{tuple(output.shape[1:])} and "
                                         f"{into[name].shape[1:]} per example in one pass; "
                                         "record a module of fixed shape per example")
                # a copy now: a later in-place module (ReLU(inplace=True)) would change it
                torch.from_numpy(into[name])[start:start + len(output)].copy_(output.detach())
                calls[name] += 1
            return hook

        handles = [m.register_forward_hook(hook_for(name)) for name, m in self.modules]
        was_training = self.model.training
        device = next(self.model.parameters(), torch.empty(0)).device
        batches = range(0, n, self.batch_size)
        try:
            self.model.eval()
            with torch.inference_mode():
                for start in batches:  # noqa: B007 - the hooks read it
                    self.model(self.inputs[start:start + self.batch_size].to(device))
        finally:
            for h in handles:
                h.remove()
            self.model.train(was_training)
        for name, _ in self.modules:
            if calls[name] != len(batches):
                raise InfoplaneError(f"module {name!r} ran {calls[name]} times for "
                                     f"{len(batches)} batches (is it used twice in forward?); "
                                     "record a module that runs once")
        return {name: into[name] for name, _ in self.modules}

    def close(self) -> None:
        """Mark the run complete."""
        self.core.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.core.__exit__(exc_type, exc, tb)
