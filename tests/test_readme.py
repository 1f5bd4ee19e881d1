"""The README's "Your own network" examples run as written and do what the README says."""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from infoplane.runs import read_information

README = Path(__file__).resolve().parents[1] / "README.md"


def section_blocks(heading: str) -> list[str]:
    """The ```python blocks of the README section under ``## heading``."""
    text = README.read_text()
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    section = text[start:end if end > 0 else None]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_what_you_can_do_example_runs(tmp_path, monkeypatch):
    (block,) = section_blocks("What you can do with it")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    info = namespace["info"]
    assert info["I_XT"].shape == (10, 254, 6)  # the README's "254 log-spaced epochs"
    assert (tmp_path / "runs" / "tanh" / "plane.png").is_file()
    assert namespace["r"].unit == "bits" and float(namespace["r"]) > 0


def test_your_own_network_examples_run(tmp_path, monkeypatch, capsys):
    blocks = section_blocks("Your own network")
    assert len(blocks) == 5  # plain JAX, Flax NNX, Equinox, Keras, PyTorch
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    namespace: dict = {}
    for block in blocks:
        if "import torch" in block and importlib.util.find_spec("torch") is None:
            continue  # torch is optional: its example runs where it is installed
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    printed = capsys.readouterr().out
    assert "['hidden (8)' 'out (2)'] (2, 7, 2)" in printed  # what the README's comment says
    runs = ["jax", "flax", "eqx", "keras"] + (["torch"] if "Recorder" in namespace and
                                              importlib.util.find_spec("torch") else [])
    for name in runs:
        info = read_information(tmp_path / "runs" / name)
        assert np.isfinite(info["I_XT"]).all() and np.isfinite(info["I_TY"]).all(), name
        assert bool(info["complete"]), name
    keras_info = read_information(tmp_path / "runs" / "keras")
    np.testing.assert_array_equal(keras_info["epochs"], [0, 5, 10, 15, 20])
    for name in ("flax", "eqx"):  # the adapters train: the loss falls
        info = read_information(tmp_path / "runs" / name)
        assert (info["train_loss"][:, -1] < info["train_loss"][:, 0]).all(), name


@pytest.mark.parametrize("adapter", ["flax", "equinox"])
def test_adapter_parameters_are_the_modules_own(adapter):
    """The Model an adapter builds computes what the module computes."""
    import jax
    import jax.numpy as jnp

    x = jnp.linspace(-1, 1, 36).reshape(3, 12)
    if adapter == "flax":
        from flax import nnx

        from infoplane.integrations.flax import from_nnx

        make = lambda rngs: nnx.Linear(12, 2, rngs=rngs)  # noqa: E731
        model = from_nnx(make, lambda m, v, key=None, train=False: (m(v), {"out": m(v)}))
        expected = make(nnx.Rngs(jax.random.key(7)))(x)
    else:
        import equinox as eqx

        from infoplane.integrations.equinox import from_equinox

        make = lambda key: eqx.nn.Linear(12, 2, key=key)  # noqa: E731
        model = from_equinox(make, lambda m, v, key=None, train=False:
                             (jax.vmap(m)(v), {"out": jax.vmap(m)(v)}))
        expected = jax.vmap(make(jax.random.key(7)))(x)
    logits, layers = model.apply(model.init(jax.random.key(7), x), x)
    np.testing.assert_allclose(logits, expected, atol=1e-6)
    assert list(layers) == ["out"]
