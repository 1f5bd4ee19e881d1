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
torch is an optional extra (``pip install "infoplane[torch]"``), never required.
"""

from __future__ import annotations

import numpy as np

from .._errors import InfoplaneError

try:
    import torch
except ImportError:  # pragma: no cover - exercised where torch is absent
    raise InfoplaneError(
        'infoplane.integrations.torch needs PyTorch; install it with pip install "infoplane[torch]"'
    ) from None

from .recorder import Recorder as _Core


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


class Recorder:
    """Record the outputs of chosen modules of ``model`` on probe inputs.

    Args:
        model: a ``torch.nn.Module``.
        out: the run folder.
        inputs: (n, ...) probe inputs (a tensor or array; moved to the model's device).
        labels: (n,) integer classes or (n, K) one-hot rows.
        layers: module names (as in ``model.named_modules()``) or modules; default
            ``default_modules(model)``.
        batch_size: probe inputs per forward pass (default: all of them, up to 4096).
        **options: ``resume``, ``overwrite``, ``dtype``, ``bins``, ``store_inputs`` of
            :class:`infoplane.Recorder`.
    """

    def __init__(self, model, out, inputs, labels, layers=None, *, batch_size: int = 4096,
                 **options):
        if not isinstance(model, torch.nn.Module):
            raise InfoplaneError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self.model = model
        self.inputs = inputs if torch.is_tensor(inputs) else torch.as_tensor(np.asarray(inputs))
        self.core = _Core(out, self.inputs, labels, **options)
        self.modules = self._resolve(layers)
        self.batch_size = int(batch_size)

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
        return chosen

    def activations(self) -> dict[str, np.ndarray]:
        """The chosen modules' outputs on all probe inputs: ``{name: (n, ...) array}``."""
        captured: dict[str, list] = {name: [] for name, _ in self.modules}

        def hook_for(name):
            def hook(module, args, output):
                if not torch.is_tensor(output):
                    raise InfoplaneError(f"module {name!r} returns {type(output).__name__}, "
                                         "not a tensor; record another module")
                # a copy now: a later in-place module (ReLU(inplace=True)) would change it
                captured[name].append(output.detach().to("cpu", torch.float32, copy=True))
            return hook

        handles = [m.register_forward_hook(hook_for(n)) for n, m in self.modules]
        was_training = self.model.training
        device = next(self.model.parameters(), torch.empty(0)).device
        batches = range(0, len(self.inputs), self.batch_size)
        try:
            self.model.eval()
            with torch.inference_mode():
                for i in batches:
                    self.model(self.inputs[i:i + self.batch_size].to(device))
        finally:
            for h in handles:
                h.remove()
            self.model.train(was_training)
        for name, parts in captured.items():
            if len(parts) != len(batches):
                raise InfoplaneError(f"module {name!r} ran {len(parts)} times for "
                                     f"{len(batches)} batches (is it used twice in forward?); "
                                     "record a module that runs once")
        return {name: (parts[0] if len(parts) == 1 else torch.cat(parts)).numpy()
                for name, parts in captured.items()}

    def record(self, epoch: int) -> None:
        """Record every chosen module's output at ``epoch`` (0 = before training)."""
        self.core._record(epoch, self.activations(), copy=False)

    def close(self) -> None:
        """Mark the run complete."""
        self.core.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.core.__exit__(exc_type, exc, tb)
