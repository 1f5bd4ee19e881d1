"""Any model: the Model interface, the built-in convolutional networks, and training them many
seeds at once on the vmapped path."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import infoplane as ip
from infoplane import InfoplaneError, Model
from infoplane.data import Dataset
from infoplane.runs import read_activations, read_config
from infoplane.training.cnn import cnn
from infoplane.training.model import check_model
from infoplane.training.models import forward, init_mlp


def conv1d_same_numpy(x, w, b):
    """Cross-correlation with zero 'same' padding, written out: x (C_in, L), w (C_out, C_in, K)
    with K odd, b (C_out,) -> (C_out, L)."""
    c_out, _, k = w.shape
    pad = np.pad(x, ((0, 0), (k // 2, k // 2)))
    out = np.zeros((c_out, x.shape[1]))
    for o in range(c_out):
        for t in range(x.shape[1]):
            out[o, t] = np.sum(w[o] * pad[:, t:t + k]) + b[o]
    return out


@pytest.mark.slow
def test_cnn1d_layers_match_a_numpy_convolution_and_pooling():
    model = cnn((10,), 3, channels=(4,), kernel_size=3, pool=2, hidden=(), activation=jnp.tanh)
    x = np.random.default_rng(0).normal(size=(5, 10)).astype(np.float32)
    params = model.init(jax.random.key(1), x)
    logits, layers = model.apply(params, x)
    assert list(layers) == ["conv1", "out"] and logits.shape == (5, 3)
    w, b = np.asarray(params["conv"][0]["w"]), np.asarray(params["conv"][0]["b"])
    for i in range(5):
        h = np.tanh(conv1d_same_numpy(x[i][None], w, b))  # (4, 10)
        pooled = h.reshape(4, 5, 2).max(axis=2)  # windows of 2, stride 2
        # float32 convolution against a float64 loop: 1e-5 is ~100 float32 ulps at this size.
        np.testing.assert_allclose(layers["conv1"][i], pooled.reshape(-1), atol=1e-5)
    np.testing.assert_allclose(layers["out"], jax.nn.softmax(logits), atol=1e-6)


@pytest.mark.slow
def test_cnn2d_shapes_noise_and_dropout():
    model = cnn((8, 8), 10, channels=(3, 5), kernel_size=3, hidden=(7,), noise=0.5, dropout=0.5)
    x = jnp.ones((4, 64))
    names, widths = check_model(model, x, 10)
    assert names == ["conv1", "conv2", "dense1", "out"] and widths == [48, 20, 7, 10]
    params = model.init(jax.random.key(0), x)
    clean = model.apply(params, x, key=jax.random.key(1))[0]
    np.testing.assert_array_equal(clean, model.apply(params, x)[0])  # evaluation: no noise
    noisy = model.apply(params, x, key=jax.random.key(1), train=True)[0]
    assert float(jnp.abs(noisy - clean).max()) > 1e-3
    kept = cnn((8, 8), 10, channels=(3,), kernel_size=3, hidden=(), noise=0.5, noise_eval=True)
    p = kept.init(jax.random.key(0), x)
    assert float(jnp.abs(kept.apply(p, x, key=jax.random.key(2))[0]
                         - kept.apply(p, x, key=jax.random.key(3))[0]).max()) > 1e-3


def _mlp_model(widths):
    """The built-in MLP written as a Model of one's own."""
    def init(key, x):
        return init_mlp(key, widths, "idnns")

    def apply(params, x, *, key=None, train=False):
        logits, hidden = forward(params, x, jnp.tanh)
        layers = {f"h{i}": h for i, h in enumerate(hidden)}
        return logits, dict(layers, out=jax.nn.softmax(logits))

    return Model(init, apply, name="my_mlp")


@pytest.mark.slow
def test_a_model_of_ones_own_trains_like_the_builtin_mlp(tmp_path):
    """The vmapped path for any model and the grouped fast path of the MLP give the same
    networks: same initial parameters (same keys), same updates up to float32 rounding."""
    config = ip.preset("tiny").replace(hidden=(6, 4), epochs=30, schedule_value=10,
                                       record_layers=(0, 2))
    builtin = ip.train(config, tmp_path / "builtin", progress=False)
    own = ip.train(config, tmp_path / "own", progress=False, model=_mlp_model((12, 6, 4, 2)))
    # Float32 sums in another order (einsum over the group vs a matmul per seed) drift by a few
    # ulps per step; after 30 epochs the losses agree to 1e-5 bits.
    np.testing.assert_allclose(own.history.train_loss, builtin.history.train_loss, atol=1e-5)
    # Binned values change only if an activation crosses a bin edge: at most one such input
    # (1/4096 of the mass, ~0.003 bits) in this short run.
    np.testing.assert_allclose(own.plane.I_XT, builtin.plane.I_XT, atol=0.01)
    assert list(own.plane.layer_names) == ["h0 (6)", "h1 (4)", "out (2)"]
    assert list(own.history.weight_names) == ["0.w", "1.w", "2.w"]
    assert read_config(tmp_path / "own")["user_model"] == "my_mlp"
    _, acts = read_activations(tmp_path / "own")
    assert [a.shape[-1] for a in acts] == [6, 2]
    resumed = ip.train(config, tmp_path / "own", resume=True, progress=False,
                       model=_mlp_model((12, 6, 4, 2)))
    np.testing.assert_array_equal(resumed.plane.I_XT, own.plane.I_XT)


@pytest.mark.slow
def test_cnn_preset_trains_and_records_every_layer(tmp_path):
    rng = np.random.default_rng(0)
    data = Dataset(rng.normal(size=(120, 40)).astype(np.float32),
                   rng.integers(0, 10, 120).astype(np.int32), 10, "toy", (40,))
    config = ip.preset("mnist1d_cnn").replace(seeds=2, epochs=4, schedule="every",
                                              schedule_value=2, batch_size=40,
                                              record_layers=(0, 1, 2, 3), chunk_logs=2)
    info = ip.train(config, tmp_path / "cnn", progress=False, data=data)
    assert list(info.plane.layer_names) == ["conv1 (320)", "conv2 (320)", "dense1 (64)",
                                         "out (10)"]
    assert info.plane.I_XT.shape == (2, 3, 4) and np.isfinite(info.history.train_loss).all()
    assert info.history.grad_mean.shape == (2, 3, 4)  # conv kernels and dense matrices
    _, acts = read_activations(tmp_path / "cnn")
    assert [a.shape for a in acts][0] == (2, 3, 120, 320)
    # The plane of a 320-unit layer saturates at log2 n: the case compressed MI is for.
    assert info.plane.I_XT[:, :, 0].max() == pytest.approx(np.log2(120), abs=1e-5)


@pytest.mark.parametrize("apply, message", [
    (lambda p, x, key=None, train=False: x @ p, "must return \\(logits"),
    (lambda p, x, key=None, train=False: (x @ p, [x]), "must return \\(logits"),
    (lambda p, x, key=None, train=False: ((x @ p)[:, :1], {"h": x}), "logits must have shape"),
    (lambda p, x, key=None, train=False: (x @ p, {"h": x[0]}), "layer 'h' must be \\(n, ...\\)"),
    (lambda p, x, key=None, train=False: (x @ p, {}), "no layers"),
    (lambda p, x, key=None, train=False: (x @ p.T, {"h": x}), "failed on inputs of shape"),
])
def test_a_bad_model_is_one_clear_error(tmp_path, apply, message):
    model = Model(lambda key, x: jnp.ones((12, 2)), apply, name="bad")
    with pytest.raises(InfoplaneError, match=message):
        ip.train(ip.preset("tiny"), tmp_path / "bad", progress=False, model=model)
    assert not (tmp_path / "bad" / "information.npz").exists()


def test_model_errors_name_what_to_change(tmp_path):
    with pytest.raises(InfoplaneError, match="Model\\(init, apply\\)"):
        ip.train(ip.preset("tiny"), progress=False, model=lambda x: x)
    with pytest.raises(InfoplaneError, match="examples of 1 dimension"):
        ip.train(ip.preset("digits_cnn").replace(model="cnn1d", seeds=1, epochs=1),
                 progress=False)
    with pytest.raises(InfoplaneError, match="record_layers: layer 5 does not exist"):
        ip.train(ip.preset("tiny").replace(record_layers=(5,)), progress=False,
                 model=_mlp_model((12, 6, 4, 2)))
