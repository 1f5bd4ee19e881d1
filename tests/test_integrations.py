"""The Keras callback and the PyTorch hooks record what the model computes, into folders whose
binned plane equals a direct NumPy computation on the same activations."""

import os
import subprocess
import sys

import numpy as np
import pytest
from test_recorder import binned_plane_numpy

from infoplane import Bins
from infoplane.cli import main as cli_main
from infoplane.runs import read_activations, read_information, read_run

BINS = Bins("fixed", 30, -1.0, 1.0)


def toy(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    return x, (x[:, 0] - x[:, 1] > 0).astype(np.int64)


def check_folder_against_numpy(run, y):
    """`infoplane plane RUN --estimator binning` (with the IDNNs bins) equals NumPy on the
    stored activations, layer by layer and epoch by epoch, to 1e-5 bits (float32 sums of
    n terms round at ~1e-6 bits; one input changing bin moves ~1/n bits)."""
    assert cli_main(["plane", str(run), "--estimator", "binning", "--set", "rule=fixed",
                     "--n-bins", "30", "--set", "low=-1.0", "--set", "high=1.0"]) == 0
    plane = read_information(run / "information_binning.npz")
    _, acts = read_activations(run)
    edges = BINS.edges().astype(np.float32)
    for li, a in enumerate(acts):
        for e in range(a.shape[1]):
            ixt, ity = binned_plane_numpy(a[0, e].astype(np.float32), y, edges)
            assert plane.I_XT[0, e, li] == pytest.approx(ixt, abs=1e-5)
            assert plane.I_TY[0, e, li] == pytest.approx(ity, abs=1e-5)


# ---------------------------------------------------------------------------------- Keras

@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


@pytest.mark.slow
def test_keras_callback_records_epoch_zero_and_each_chosen_epoch(tmp_path, keras):
    from infoplane.integrations.keras import Recorder

    x, y = toy()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(6, activation="tanh"),
                              keras.layers.Dropout(0.2), keras.layers.Dense(4),
                              keras.layers.Activation("tanh"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = model.predict(x, verbose=0)
    rec = Recorder(tmp_path / "run", x, y, epochs=[1, 3], bins=BINS)
    model.fit(x, y, epochs=3, batch_size=64, verbose=0, callbacks=[rec])
    info = read_run(tmp_path / "run")
    np.testing.assert_array_equal(info.plane.epochs, [0, 1, 3])
    # Dense layers with weights and the Activation layer; not Dropout.
    assert [str(n) for n in info.plane.layer_names] == ["dense", "dense_1", "activation", "dense_2"]
    assert bool(info.complete)
    _, acts = read_activations(tmp_path / "run")
    # Inference mode: the last epoch's recorded outputs are the model's predictions.
    np.testing.assert_allclose(acts[-1][0, -1], model.predict(x, verbose=0), atol=1e-6)
    # Epoch 0 is the untrained model, although the probe (compiled while the first epoch
    # trains) records it after that epoch, from the values kept before it.
    np.testing.assert_allclose(acts[-1][0, 0], before, atol=1e-6)
    assert np.abs(acts[-1][0, 0] - acts[-1][0, -1]).max() > 1e-3  # and training moved it
    check_folder_against_numpy(tmp_path / "run", y)


@pytest.mark.slow
def test_keras_functional_model_and_named_layers(tmp_path, keras):
    from infoplane import InfoplaneError
    from infoplane.integrations.keras import Recorder

    x, y = toy()
    inp = keras.Input((8,))
    h = keras.layers.Dense(5, activation="tanh", name="h")(inp)
    out = keras.layers.Dense(2, activation="softmax", name="out")(h)
    model = keras.Model(inp, out)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[Recorder(tmp_path / "run", x, np.eye(2)[y], layers=["h"], bins=BINS)])
    info = read_run(tmp_path / "run")
    assert list(info.plane.layer_names) == ["h"] and info.plane.I_XT.shape == (1, 3, 1)
    bad = Recorder(tmp_path / "bad", x, y, layers=["nope"])
    with pytest.raises(InfoplaneError, match="no layer 'nope'; its layers are: .*h, out"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[bad])


@pytest.mark.slow
@pytest.mark.parametrize("probe", ["jitted", "predict_on_batch"])
def test_keras_probe_pads_the_last_batch_and_needs_a_graph(tmp_path, keras, probe,
                                                           monkeypatch):
    """Both probes: the jitted stateless call of the JAX backend, and predict_on_batch, which
    the other backends use (forced here on JAX)."""
    from infoplane import InfoplaneError
    from infoplane.integrations import keras as keras_integration
    from infoplane.integrations.keras import Recorder

    if probe == "predict_on_batch":  # what the recorder reads; Keras itself reads its own
        monkeypatch.setattr(keras_integration.keras.backend, "backend", lambda: "tensorflow")

    x, y = toy()  # 256 inputs in batches of 100: the last batch padded to one compiled shape
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.layers.Dense(5, activation="tanh"),  # built by fit()
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rec = Recorder(tmp_path / "run", x, y, batch_size=100, bins=BINS)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[rec])
    assert isinstance(rec._probe, keras_integration._JaxProbe) == (probe == "jitted")
    _, acts = read_activations(tmp_path / "run")
    assert acts[-1].shape == (1, 3, 256, 2)
    np.testing.assert_allclose(acts[-1][0, -1], model.predict(x, verbose=0), atol=1e-6)

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2, activation="softmax")

        def call(self, v):
            return self.dense(v)

    sub = Subclassed()
    sub.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(InfoplaneError, match="subclassed"):
        sub.fit(x, y, epochs=1, verbose=0, callbacks=[Recorder(tmp_path / "sub", x, y)])


# -------------------------------------------------------------------------------- PyTorch

@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.mark.slow
def test_torch_hooks_record_leaf_modules_and_restore_the_mode(tmp_path, torch):
    from infoplane.integrations.torch import Recorder

    x, y = toy()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 6), torch.nn.Tanh(), torch.nn.Dropout(0.5),
                                torch.nn.Linear(6, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    outputs = []  # the model's outputs at each recorded epoch, in one pass over all inputs
    with Recorder(model, tmp_path / "run", xt, yt, batch_size=100, bins=BINS) as rec:
        if os.name == "posix":  # "auto": a writer process for records this small, which
            assert rec.core.writer == "auto" and rec.core._writer.wait_ready()  # writes all
        for epoch in range(4):
            if epoch:
                model.train()
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(xt), yt).backward()
                opt.step()
            rec.record(epoch)
            assert model.training  # put back in the mode it was in
            model.eval()
            with torch.no_grad():
                outputs.append(model(xt).numpy())
            model.train()
    assert rec.core.writer == ("process" if os.name == "posix" else "thread")
    info = read_run(tmp_path / "run")
    # a Sequential's modules by type and index, not "0", "1", "3"; not Dropout
    assert [str(n) for n in info.plane.layer_names] == ["Linear_0", "Tanh_1", "Linear_3"]
    _, acts = read_activations(tmp_path / "run")
    # batches of 100 give what one pass gives, at every epoch: the writer's two slots, filled
    # by the hooks in turn, never mix one record into another
    np.testing.assert_allclose(acts[2][0], np.stack(outputs), atol=1e-6)
    check_folder_against_numpy(tmp_path / "run", y)


def test_torch_layer_names_keep_names_and_type_indices(torch):
    from infoplane.integrations.torch import layer_name

    nn = torch.nn
    assert layer_name("3", nn.Conv1d(1, 2, 3)) == "Conv1d_3"
    assert layer_name("features.0", nn.ReLU()) == "features.ReLU_0"
    assert layer_name("encoder.fc", nn.Linear(2, 2)) == "encoder.fc"
    assert layer_name("", nn.Linear(2, 2)) == "Linear"


def test_torch_outputs_are_taken_before_an_in_place_module_changes_them(tmp_path, torch):
    from infoplane.integrations.torch import Recorder

    x, y = toy()
    torch.manual_seed(0)
    linear = torch.nn.Linear(8, 4)
    model = torch.nn.Sequential(linear, torch.nn.ReLU(inplace=True), torch.nn.Linear(4, 2))
    with Recorder(model, tmp_path / "run", x, y, layers=[linear]) as rec:
        rec.record(0)
    _, acts = read_activations(tmp_path / "run")
    with torch.no_grad():
        expected = linear(torch.as_tensor(x)).numpy()
    assert (expected < 0).any()  # what the in-place ReLU would have zeroed
    np.testing.assert_allclose(acts[0][0, 0], expected, atol=1e-6)


def test_torch_bad_modules_are_one_error(tmp_path, torch):
    from infoplane import InfoplaneError
    from infoplane.integrations.torch import Recorder

    x, y = toy()
    model = torch.nn.Sequential(torch.nn.Linear(8, 2))
    with pytest.raises(InfoplaneError, match="no module 'fc'"):
        Recorder(model, tmp_path / "a", x, y, layers=["fc"])
    with pytest.raises(InfoplaneError, match="must be a torch.nn.Module"):
        Recorder(lambda v: v, tmp_path / "b", x, y)
    shared = torch.nn.Linear(8, 8)
    twice = torch.nn.Sequential(shared, torch.nn.Tanh(), shared)
    rec = Recorder(twice, tmp_path / "c", x, y, layers=[shared])
    with pytest.raises(InfoplaneError, match="used twice"):
        rec.record(0)

    class Pooled(torch.nn.Module):  # averages over the batch: no row per input
        def forward(self, v):
            return v.mean(dim=0, keepdim=True)

    pooled = Pooled()
    model = torch.nn.Sequential(torch.nn.Linear(8, 3), pooled)
    rec = Recorder(model, tmp_path / "d", x, y, layers=[pooled], batch_size=100)
    with pytest.raises(InfoplaneError, match="first axis is the batch"):
        rec.record(0)


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_integration_without_its_framework_says_how_to_install(framework):
    # A finder that refuses the framework, as on a machine where it is not installed.
    code = ("import sys\n"
            "class Missing:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            f"        if name.split('.')[0] == {framework!r}:\n"
            "            raise ImportError(name)\n"
            "sys.meta_path.insert(0, Missing())\n"
            "from infoplane import InfoplaneError\n"
            "try:\n"
            f"    import infoplane.integrations.{framework}\n"
            "except InfoplaneError as err:\n"
            "    print('ERR', err)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.startswith("ERR") and "install" in out


# ------------------------------------------------------------------ defaults safe at scale

def test_the_default_schedule_is_every_epoch_to_10_then_log_spaced():
    from infoplane.integrations.recorder import PER_DECADE, log_spaced

    chosen = [e for e in range(100_001) if log_spaced(e)]
    assert chosen[:12] == list(range(11)) + [11]
    # Per decade past 10, PER_DECADE epochs (10 ** (k / 20) rounded), each chosen once.
    for low in (10, 100, 1000, 10_000):
        assert sum(low < e <= 10 * low for e in chosen) == PER_DECADE
    ratios = np.diff(np.log10(chosen[20:]))
    assert ratios.max() < 1.5 / PER_DECADE  # no gaps: log-spaced to within rounding


def test_the_torch_recorder_records_log_spaced_epochs_unless_told(tmp_path, torch):
    from infoplane.integrations.torch import Recorder

    x, y = toy()
    model = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.Tanh())
    for epochs, expected in ((None, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14]),
                             ("all", list(range(15))), ([2, 14], [2, 14])):
        run = tmp_path / str(epochs)
        with Recorder(model, run, torch.as_tensor(x), y, epochs=epochs, writer="thread") as rec:
            for epoch in range(15):
                rec.record(epoch)
        np.testing.assert_array_equal(read_activations(run)[0], expected)
    with pytest.raises(Exception, match='epochs must be epoch numbers, "all" or None'):
        Recorder(model, tmp_path / "bad", torch.as_tensor(x), y, epochs="every")


@pytest.mark.parametrize(("units", "dtype"), [(255, "float32"), (256, "float16")])
def test_wide_layers_are_stored_in_float16_by_default(units, dtype, tmp_path):
    from infoplane import Recorder

    x, y = toy(n=64)
    rng = np.random.default_rng(0)
    with Recorder(tmp_path / "run", x, y, bins=BINS) as rec:
        rec.record(0, {"narrow": np.tanh(x), "wide": np.tanh(rng.normal(size=(64, units)))})
    _, acts = read_activations(tmp_path / "run")
    assert acts[0].dtype == acts[1].dtype == np.dtype(dtype)
    with Recorder(tmp_path / "run", x, y, resume=True) as rec:  # resumed as it was recorded
        assert rec.dtype == np.dtype(dtype)
