"""Quantisation-aware training (``RunConfig.quantize_bits``) and the exact plane it gives."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import infoplane as ip
from infoplane import InfoplaneError, RunConfig
from infoplane.cli import main
from infoplane.estimators.exact import exact_information, exact_information_reference
from infoplane.runs import read_activations, read_information, read_npz
from infoplane.training import quantise, quantise_weights


def test_quantise_matches_a_hand_table():
    # 2 bits on [0, 3]: scale 1, levels 0, 1, 2, 3; round half to even (1.5 -> 2, 2.5 -> 2);
    # values outside the range clip to its ends.
    x = jnp.array([0.4, 0.6, 1.5, 2.5, 3.7, -1.0])
    np.testing.assert_array_equal(quantise(x, 2, 0.0, 3.0), [0.0, 1.0, 2.0, 2.0, 3.0, 0.0])
    # 2 bits on [-1, 1]: scale 2/3, the zero level round(1.5) = 2 nudges the range to
    # [-4/3, 2/3], levels -4/3, -2/3, 0, 2/3 (TensorFlow's fake_quant does the same).
    q = quantise(jnp.array([-1.2, -0.5, 0.0, 0.2, 0.5, 1.0]), 2, -1.0, 1.0)
    np.testing.assert_allclose(q, [-4 / 3, -2 / 3, 0.0, 0.0, 2 / 3, 2 / 3], rtol=1e-6)


@pytest.mark.parametrize("bits", [2, 5, 8])
def test_quantise_takes_at_most_2_to_the_bits_values_and_keeps_zero(bits):
    x = jax.nn.relu(jax.random.normal(jax.random.key(bits), (4000,)) * 3.0)
    q = np.asarray(quantise(x, bits))  # the batch's own range
    assert len(np.unique(q)) <= 2**bits
    assert np.all(q[np.asarray(x) == 0] == 0)  # ReLU zeros stay exactly zero
    # Quantisation error at most half a level inside the range.
    scale = float(x.max()) / (2**bits - 1)
    assert np.max(np.abs(q - np.asarray(x))) <= scale / 2 + 1e-6


def test_the_gradient_is_straight_through_inside_the_range_and_flat_outside():
    x = jnp.array([-2.0, -0.5, 0.1, 0.7, 2.0])
    g = jax.grad(lambda v: jnp.sum(quantise(v, 4, -1.0, 1.0) * jnp.arange(1.0, 6.0)))(x)
    np.testing.assert_array_equal(g, [0.0, 2.0, 3.0, 4.0, 0.0])


def test_weights_are_quantised_per_tensor_and_biases_left_alone():
    params = {"w": jax.random.normal(jax.random.key(0), (30, 20)), "b": jnp.linspace(0, 1, 20)}
    q = quantise_weights(params, 3)
    assert len(np.unique(np.asarray(q["w"]))) <= 8
    np.testing.assert_array_equal(q["b"], params["b"])


@pytest.mark.parametrize("bits", [1, 17, 8.0, True, "8"])
def test_quantize_bits_out_of_range_is_one_usage_error(bits):
    with pytest.raises(InfoplaneError, match="quantize_bits must be an integer from 2 to 16") as e:
        RunConfig(quantize_bits=bits).validate()
    assert e.value.usage


@pytest.mark.parametrize("change", [{"unit_noise": 0.1}, {"noise_eval": True}])
def test_quantize_bits_with_noise_is_one_usage_error(change):
    with pytest.raises(InfoplaneError, match="cannot be combined with") as e:
        RunConfig(quantize_bits=8, **change).validate()
    assert e.value.usage


def test_the_command_line_says_one_line_and_exits_2(tmp_path, capsys):
    code = main(["train", "--preset", "tiny", "--set", "quantize_bits=20", "--out",
                 str(tmp_path / "r"), "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "quantize_bits" in err[0]
    code = main(["train", "--preset", "tiny", "--set", "quantize_bits=8", "--set",
                 "unit_noise=0.1", "--out", str(tmp_path / "r"), "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "unit_noise" in err[0]


def test_exact_information_matches_numpy_on_a_hand_table():
    # Four rows, two of them equal: H(T) = 1.5 bits; labels split {0, 0 | 1, 1} with T's
    # partition {a, a}, {b}, {c}: H(T|Y) = 0.5 * 0 + 0.5 * 1 = 0.5, so I(T;Y) = 1 bit.
    t = jnp.array([[0.5, -0.0], [0.5, 0.0], [0.25, 1.0], [0.5, 1.0]])
    y = jnp.array([0, 0, 1, 1])
    h, ity = exact_information(t, y, 2)
    assert float(h) == pytest.approx(1.5, abs=1e-6)
    assert float(ity) == pytest.approx(1.0, abs=1e-6)
    assert exact_information_reference(np.asarray(t), np.asarray(y)) == pytest.approx((1.5, 1.0))


@pytest.fixture(scope="module")
def quantised_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("quantised") / "run"
    config = RunConfig(hidden=(6, 4), activation="relu", seeds=2, epochs=40, schedule="every",
                       schedule_value=20, quantize_bits=3, learning_rate=1e-2, batch_size=256,
                       record_layers=(0, 1, 2), record_dtype="float32")
    ip.train(config, out, progress=False)
    return out, config


@pytest.mark.slow
def test_recorded_activations_take_at_most_2_to_the_bits_values_per_unit(quantised_run):
    out, config = quantised_run
    _, layers = read_activations(out)
    for layer in layers:  # [seed, epoch, n, units]
        counts = [len(np.unique(layer[s, e, :, j])) for s in range(layer.shape[0])
                  for e in range(layer.shape[1]) for j in range(layer.shape[3])]
        assert max(counts) <= 2**config.quantize_bits
        assert max(counts) > 2  # the units do vary: the test could fail


@pytest.mark.slow
def test_the_plane_equals_a_numpy_plug_in_entropy_of_the_recorded_activations(quantised_run):
    out, _ = quantised_run
    info = read_information(out)
    _, layers = read_activations(out)
    labels = ip.tishby12().y
    for li, layer in enumerate(layers):
        for s in range(layer.shape[0]):
            for e in range(layer.shape[1]):
                h, ity = exact_information_reference(layer[s, e], labels)
                # The same partition of the rows; the compiled sums run in float32.
                assert info.I_XT[s, e, li] == pytest.approx(h, abs=2e-5)
                assert info.I_TY[s, e, li] == pytest.approx(ity, abs=2e-5)
    assert info.I_XT.min() < 11.9  # not every point at log2 n: the test could fail
    prov = read_npz(out / "information.npz")["provenance"]
    assert '"method": "exact"' in str(prov) and "log2 n" in str(prov)


@pytest.mark.slow
def test_a_quantised_cnn_takes_at_most_2_to_the_bits_values_per_unit():
    from infoplane.training.cnn import cnn

    net = cnn((12,), 2, channels=(3,), kernel_size=3, hidden=(4,), quantize_bits=4,
              activation=jnp.tanh, activation_name="tanh")
    x = ip.tishby12().x[:512]
    params = net.init(jax.random.key(1), x[:2])
    _, layers = net.apply(params, jnp.asarray(x))
    for name, a in layers.items():
        a = np.asarray(a)
        assert max(len(np.unique(a[:, j])) for j in range(a.shape[1])) <= 16, name


def _own_model(quantised: bool):
    def init(key, x):
        k1, k2 = jax.random.split(key)
        return {"w1": jax.random.normal(k1, (12, 5)) / 3.0, "b1": jnp.zeros(5),
                "w2": jax.random.normal(k2, (5, 2)) / 2.0, "b2": jnp.zeros(2)}

    def apply(params, x, *, key=None, train=False):
        if quantised:
            params = quantise_weights(params, 4)
        h = jnp.tanh(x @ params["w1"] + params["b1"])
        h = quantise(h, 4, -1.0, 1.0) if quantised else h
        logits = h @ params["w2"] + params["b2"]
        out = jax.nn.softmax(logits)
        return logits, {"hidden": h, "out": quantise(out, 4, 0.0, 1.0) if quantised else out}

    return ip.Model(init, apply, name="own")


@pytest.mark.slow
def test_a_model_of_ones_own_must_quantise_its_layers():
    from infoplane.training.network import make_network

    config = RunConfig(quantize_bits=4)
    data = ip.tishby12()
    assert make_network(config, data, _own_model(True)).layer_names == ("hidden (5)", "out (2)")
    with pytest.raises(InfoplaneError, match=r"layer hidden \(5\) .* quantise every"):
        make_network(config, data, _own_model(False))


@pytest.mark.slow
def test_a_model_of_ones_own_quantised_with_the_helper_gets_the_exact_plane(tmp_path):
    config = RunConfig(seeds=1, epochs=2, schedule="every", schedule_value=1, quantize_bits=4)
    info = ip.train(config, tmp_path / "own", model=_own_model(True), progress=False)
    assert info.plane.I_XT.shape == (1, 2, 2) and info.plane.I_XT.max() <= 12.0
    with pytest.raises(InfoplaneError, match=r"quantise every recorded layer"):
        ip.train(config, tmp_path / "float", model=_own_model(False), progress=False)


@pytest.mark.slow
def test_the_exact_method_from_recorded_activations_matches_training(quantised_run):
    out, _ = quantised_run
    plane = ip.plane_from_run(out, method="exact")
    info = read_information(out)
    np.testing.assert_allclose(plane.I_XT, info.I_XT, atol=1e-6)
    np.testing.assert_allclose(plane.I_TY, info.I_TY, atol=1e-6)
    assert plane.method == "exact" and len(plane.warnings) == 0
