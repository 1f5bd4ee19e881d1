"""The README's examples, and those of the guide it links to for your own network
(docs/guide/your-network.md), run as written and do what they say: their Python examples and
the README's shell commands (the fast ones run, the rest listed in ``SKIPPED`` with the
reason)."""

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from infoplane.runs import read_information, read_run

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
YOUR_NETWORK = ROOT / "docs" / "guide" / "your-network.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def section_blocks(heading: str, path: Path = README) -> list[str]:
    """The ```python blocks of the section of ``path`` under ``## heading``."""
    text = path.read_text()
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return python_blocks(text[start:end if end > 0 else None])


@pytest.mark.slow
def test_what_you_can_do_example_runs(tmp_path, monkeypatch):
    (block,) = section_blocks("What you can do with it")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    info = namespace["info"]
    assert info.plane.I_XT.shape == (10, 254, 6)  # the README's "254 log-spaced epochs"
    assert (tmp_path / "runs" / "tanh" / "plane.png").is_file()
    assert namespace["r"].unit == "bits" and float(namespace["r"]) > 0


@pytest.mark.slow
def test_readme_own_network_example_runs(tmp_path, monkeypatch, capsys):
    (block,) = section_blocks("Your own network")
    monkeypatch.chdir(tmp_path)
    exec(compile(block, str(README), "exec"), {})  # noqa: S102
    assert "('hidden (8)', 'out (2)') (2, 7, 2)" in capsys.readouterr().out  # its comment
    assert read_run(tmp_path / "runs" / "jax").complete


@pytest.mark.slow
def test_your_network_guide_examples_run(tmp_path, monkeypatch, capsys):
    blocks = python_blocks(YOUR_NETWORK.read_text())
    assert len(blocks) == 5  # plain JAX, Flax NNX, Equinox, Keras, PyTorch
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    namespace: dict = {}
    for block in blocks:
        if "import torch" in block and importlib.util.find_spec("torch") is None:
            continue  # torch is optional: its example runs where it is installed
        exec(compile(block, str(YOUR_NETWORK), "exec"), namespace)  # noqa: S102
    printed = capsys.readouterr().out
    assert "('hidden (8)', 'out (2)') (2, 7, 2)" in printed  # what the guide's comment says
    runs = ["jax", "flax", "eqx", "keras"] + (["torch"] if "Recorder" in namespace and
                                              importlib.util.find_spec("torch") else [])
    for name in runs:
        info = read_run(tmp_path / "runs" / name)
        assert np.isfinite(info.plane.I_XT).all() and np.isfinite(info.plane.I_TY).all(), name
        assert info.complete, name
    keras_info = read_information(tmp_path / "runs" / "keras")
    np.testing.assert_array_equal(keras_info.epochs, [0, 5, 10, 15, 20])
    for name in ("flax", "eqx"):  # the adapters train: the loss falls
        loss = read_run(tmp_path / "runs" / name).history.train_loss
        assert (loss[:, -1] < loss[:, 0]).all(), name


@pytest.mark.slow
def test_getting_started_guide_runs(tmp_path, monkeypatch):
    path = ROOT / "docs" / "guide" / "getting-started.md"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in python_blocks(path.read_text()):
        exec(compile(block, str(path), "exec"), namespace)  # noqa: S102
    # what its comments say: 2 log2(sqrt(5)) = 2.32 bits within the copula's 0.1 bit here
    assert namespace["r"].unit == "bits" and abs(float(namespace["r"]) - 2.32) < 0.1
    assert namespace["plane"].I_XT.shape == (1, 3, 1)
    assert namespace["kde"].I_XT.shape == (2, 5, 2)  # 2 seeds, 5 logged epochs, 2 layers
    assert (tmp_path / "runs" / "first" / "plane.png").is_file()


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


# ---------------------------------------------------------------- the shell examples

# Commands of the README's ```bash blocks that are not run here, by their first words, and why.
# A command in neither this list nor the run fails test_every_shell_example_is_classified.
SKIPPED = {
    "pip install . && infoplane reproduce tishby2017":
        "installs the package, then the 20-seed main job (about a minute); the same study "
        "runs at its quick scale in tests/test_study_tishby2017.py",
    "pip install .[dev] && python -m pytest -q": "installs, then the whole test suite",
    "infoplane plane runs/relu --estimator kde_upper":
        "1728 exact KDE estimates of n = 4096 (about 45 s on two cores); the KDE plane of a "
        "run is tested on small runs in tests/test_plane.py",
    "infoplane reproduce saxe2018_activations --quick":
        "about 20 s; the same quick study runs in tests/test_study_saxe2018_activations.py",
}


def shell_commands(text: str | None = None) -> list[list[str]]:
    """The commands of the README's ```bash blocks, each as its words (comments dropped,
    continuation lines joined)."""
    text = README.read_text() if text is None else text
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append(words)
    return commands


def skip_reason(words: list[str]) -> str | None:
    line = " ".join(words)  # the words after the shell removed the quotes
    return next((why for start, why in SKIPPED.items() if line.startswith(start)), None)


def unquoted_globs(line: str) -> list[str]:
    """Characters zsh would expand as a file pattern ([, *, ?) outside quotes and comments:
    zsh stops with "no matches found" where bash passes the word on."""
    found, quote = [], None
    for i, c in enumerate(line):
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            break
        elif c in "[*?":
            found.append(c)
    return found


def test_unquoted_glob_is_found():
    assert unquoted_globs("infoplane train --set record_layers=[0,1]") == ["["]
    assert unquoted_globs("infoplane train --set 'record_layers=[0,1]'  # [x]") == []


def test_shell_examples_quote_their_brackets():
    text = README.read_text()
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            assert not unquoted_globs(line), f"quote this for zsh: {line.strip()}"


def test_every_shell_example_is_classified():
    commands = shell_commands()
    assert len(commands) == 7, [shlex.join(c) for c in commands]
    run = [c for c in commands if skip_reason(c) is None]
    assert [c[:2] for c in run] == [["infoplane", "train"], ["infoplane", "plot"],
                                    ["infoplane", "plane"]]
    for start in SKIPPED:
        assert any(" ".join(c).startswith(start) for c in commands), \
            f"SKIPPED lists a command the README no longer has: {start}"


def _infoplane(words: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "infoplane.cli", *words[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.subprocess
@pytest.mark.slow
def test_shell_examples_run(tmp_path):
    """The README's train, plot and plane commands as written: at most about a minute (the
    train command 27 s and the rest 10 s at load average 5; 93 s in all at load average 10)."""
    rng = np.random.default_rng(0)  # "anyone's activations": one layer, 3 epochs x 200 inputs
    np.savez(tmp_path / "acts.npz", dense=rng.normal(size=(3, 200, 4)).astype(np.float32))
    np.savez(tmp_path / "labels.npz", labels=rng.integers(0, 2, 200))
    for words in shell_commands():
        if skip_reason(words) is None:
            done = _infoplane(words, tmp_path)
            assert done.returncode == 0, (shlex.join(words), done.stderr[-2000:])
    assert (tmp_path / "runs" / "relu" / "plane.png").is_file()
    info = read_information(tmp_path / "runs" / "relu")
    assert info.I_XT.shape[0] == 8 and info.I_XT.shape[2] == 6  # --seeds 8, 6 layers
    assert (tmp_path / "runs" / "relu" / "activations").is_dir()  # record_layers


@pytest.mark.slow
@pytest.mark.subprocess
def test_bad_input_is_the_line_the_readme_shows(tmp_path):
    shown = re.search(r"\(`(infoplane: error: unknown activation 'swish'[^`]*?)\.\.\.`\)",
                      README.read_text().replace("\n", " "))
    assert shown, "the README no longer shows the 'swish' error"
    done = _infoplane(["infoplane", "train", "--activation", "swish"], tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and done.stderr.startswith(shown.group(1))
