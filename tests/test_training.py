import json
import os
import signal
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from infoplane import Bins, InfoplaneError
from infoplane.data import Dataset, split, tishby12
from infoplane.estimators import binned_information
from infoplane.training.config import RunConfig, preset
from infoplane.training.loop import TrainingDiverged, train
from infoplane.training.measure import measure_outputs, probe_rows
from infoplane.training.models import forward, forward_features, group_logits, init_mlp
from infoplane.training.program import build_program
from infoplane.training.schedules import Schedule, logged_epochs, plan_chunks


def _numpy_adam_step(params, x, y, lr, b1=0.9, b2=0.999, eps=1e-8):
    """One Adam step on mean softmax cross-entropy of a tanh MLP, by hand (first step: t=1)."""
    hs = [x]
    for w, b in params[:-1]:
        hs.append(np.tanh(hs[-1] @ w + b))
    z = hs[-1] @ params[-1][0] + params[-1][1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    delta = (p - np.eye(z.shape[1])[y]) / len(y)  # d loss / d logits
    grads = []
    for li in range(len(params) - 1, -1, -1):
        w, _ = params[li]
        grads.append((hs[li].T @ delta, delta.sum(axis=0)))
        if li:
            delta = (delta @ w.T) * (1 - hs[li] ** 2)
    grads = grads[::-1]
    new = []
    for (w, b), (gw, gb) in zip(params, grads, strict=True):
        upd = []
        for v, g in ((w, gw), (b, gb)):
            m_hat = (1 - b1) * g / (1 - b1)
            v_hat = (1 - b2) * g**2 / (1 - b2)
            upd.append(v - lr * m_hat / (np.sqrt(v_hat) + eps))
        new.append(tuple(upd))
    return new


def test_one_training_step_matches_numpy():
    rng = np.random.default_rng(0)
    data = Dataset(rng.normal(size=(64, 5)).astype(np.float32),
                   rng.integers(0, 3, 64).astype(np.int32), 3)
    rows = split(data, "idnns", 1.0)
    config = RunConfig(hidden=(4,), activation="tanh", optimiser="adam", learning_rate=0.01,
                       batch_size=64, batch_order="fixed")
    init, chunk, unravel, _ = build_program(config, data, rows, group=None)
    state = init(jax.random.key_data(jax.random.key(3))[None])
    before = [(np.asarray(l.w), np.asarray(l.b)) for l in unravel(state.params[0])]
    sched = Schedule(jnp.array([0]), jnp.array([1]), jnp.array([True]))
    state, _ = chunk(state, sched)
    after = unravel(state.params[0])
    expected = _numpy_adam_step(before, data.x.astype(np.float64), data.y, 0.01)
    for layer, (w, b) in zip(after, expected, strict=True):
        # float32 forward/backward against float64: 1e-5 absolute on parameters of size ~1
        np.testing.assert_allclose(np.asarray(layer.w), w, atol=1e-5)
        np.testing.assert_allclose(np.asarray(layer.b), b, atol=1e-5)


def test_plan_chunks_covers_every_epoch_once():
    logged = logged_epochs("idnns", 8000)
    chunks = plan_chunks(logged, 8000, 8, 250)
    got = np.concatenate([c.epochs[c.valid] for c in chunks])
    np.testing.assert_array_equal(got, logged)
    assert sum(int(c.lengths[c.valid].sum()) for c in chunks) == 8000
    assert all(c.epochs.shape == (8,) for c in chunks)


SHORT = preset("tishby2017").replace(seeds=3, epochs=300, schedule="every", schedule_value=25,
                                     chunk_logs=4, chunk_epochs=100, learning_rate=0.01)


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("short") / "run"
    return out, train(SHORT, out, progress=False)


@pytest.mark.slow
def test_short_tanh_run_learns_and_saturates_first_layer(short_run):
    _, info = short_run
    assert info.plane.I_XT.shape == (3, len(info.plane.epochs), 6)
    acc = info.history.train_acc.mean(axis=0)
    assert acc[-1] > acc[0] + 0.2
    # The 10-unit tanh layer separates nearly all 4096 inputs from the start.
    assert info.plane.I_XT[:, -1, 0].mean() >= 11.0
    h_y = float(info.plane.H_Y)
    assert h_y == pytest.approx(0.99916, abs=1e-5)
    ixt, ity = info.plane.I_XT, info.plane.I_TY
    # 0 <= I(T;Y) <= I(X;T) <= log2 N and I(T;Y) <= H(Y), every seed, epoch and layer.
    eps = 1e-4
    assert np.all(ity >= -eps) and np.all(ity <= ixt + eps)
    assert np.all(ixt <= 12 + eps) and np.all(ity <= h_y + eps)
    assert np.all(info.history.grad_mean[:, 1:] > 0) and np.all(info.history.grad_std[:, 1:] > 0)
    assert np.isfinite(info.history.train_loss).all()


@pytest.mark.slow
def test_run_directory_contents(short_run):
    out, info = short_run
    cfg = json.loads((out / "config.json").read_text())
    assert RunConfig.from_dict(cfg["config"]) == SHORT
    assert "jax" in cfg["versions"] and cfg["logged_epochs"] == info.plane.epochs.tolist()
    saved = np.load(out / "information.npz")
    np.testing.assert_array_equal(saved["I_XT"], info.plane.I_XT)
    assert bool(saved["complete"])


@pytest.mark.slow
@pytest.mark.subprocess
def test_resume_after_kill_equals_uninterrupted(short_run, tmp_path):
    _, reference = short_run
    out = tmp_path / "killed"
    # Train in a child process and kill it hard once two chunks are saved.
    code = textwrap.dedent(f"""
        from infoplane.training.config import RunConfig
        from infoplane.training.loop import train
        import json
        cfg = RunConfig.from_dict(json.loads({json.dumps(json.dumps(SHORT.to_dict()))}))
        train(cfg, {str(out)!r}, progress=False)
    """)
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    try:
        import time

        deadline = time.time() + 240
        while time.time() < deadline and proc.poll() is None:
            ck = out / "checkpoint.npz"
            if ck.exists() and int(np.load(ck)["next_chunk"]) >= 2:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    partial = np.load(out / "information.npz")
    assert not bool(partial["complete"]) and 0 < partial["I_XT"].shape[1] < len(
        reference.plane.epochs)
    with pytest.raises(InfoplaneError, match="already exists"):
        train(SHORT, out, progress=False)
    resumed = train(SHORT, out, resume=True, progress=False)
    assert resumed.plane == reference.plane and resumed.history == reference.history


@pytest.mark.slow
def test_nan_loss_stops_with_message_and_keeps_records(tmp_path):
    # Linear units and a huge step: the logits overflow to inf within a few steps.
    cfg = preset("tiny").replace(activation="linear", learning_rate=1e12, optimiser="sgd",
                                 epochs=40,
                                 schedule="every", schedule_value=5, chunk_logs=2,
                                 chunk_epochs=10)
    out = tmp_path / "nan"
    with pytest.raises(TrainingDiverged, match="NaN"):
        train(cfg, out, progress=False)
    kept = np.load(out / "information.npz")
    assert kept["I_XT"].shape[1] >= 1 and not bool(kept["complete"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"activation": "swish"}, "unknown activation 'swish'; valid activations are"),
        ({"optimiser": "lbfgs"}, "unknown optimiser 'lbfgs'; valid optimisers are: adam"),
        ({"schedule": "sometimes"}, "unknown schedule"),
        ({"hidden": (10, 0)}, "hidden width 1 must be a positive integer"),
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"batch_size": -5}, "batch_size must be a positive integer"),
        ({"learning_rate": float("nan")}, "learning_rate must be a finite positive number"),
        ({"record_layers": (9,)}, "layer 9 does not exist"),
    ],
)
def test_bad_configuration_is_a_clear_error(changes, message):
    with pytest.raises(InfoplaneError, match=message):
        train(preset("tiny").replace(**changes), None, progress=False)


def test_generated_data_used_when_dataset_is_tishby12():
    d = tishby12()
    assert d.name == "tishby12"


@pytest.mark.slow
def test_group_logits_equal_each_network_alone():
    """The feature-major group forward pass is the plain forward pass of each network."""
    keys = jax.random.split(jax.random.key(3), 3)
    nets = [init_mlp(k, (12, 6, 3, 2), "glorot_normal") for k in keys]
    stacked = jax.tree.map(lambda *a: jnp.stack(a), *nets)
    x = jax.random.normal(jax.random.key(4), (5, 12))
    out = group_logits(stacked, x, jnp.tanh)  # (S, C, B)
    own = group_logits(stacked, jnp.stack([x, 2 * x, -x]), jnp.tanh)
    for s, (net, scale) in enumerate(zip(nets, (1, 2, -1), strict=True)):
        # float32 products of length <= 12: 1e-5 is a few ulps of values of order 1.
        np.testing.assert_allclose(out[s].T, forward(net, x, jnp.tanh)[0], atol=1e-5)
        np.testing.assert_allclose(own[s].T, forward(net, scale * x, jnp.tanh)[0], atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("shuffle", [False, True])
def test_group_size_does_not_change_training(shuffle):
    """Seeds trained in one group of 4 and in groups of 1 give the same networks: each seed
    has its own random stream (dropout, noise, shuffling), so grouping is only a layout."""
    data = tishby12()
    rows = split(data, "random", 0.8, seed=0)
    keys = jax.random.key_data(jax.vmap(jax.random.key)(jnp.arange(4)))
    sched = Schedule(jnp.array([0, 3]), jnp.array([3, 2]), jnp.array([True] * 2))
    out = []
    config = RunConfig(hidden=(6, 3), activation="tanh", optimiser="adam", learning_rate=0.01,
                       batch_size=512, batch_order="shuffle" if shuffle else "fixed",
                       dropout=0.1, unit_noise=0.05)
    for group in (4, 1):
        init, chunk, _, _ = build_program(config, data, rows, group=group)
        state, rec = chunk(init(keys), sched)
        out.append((np.asarray(state.params), {k: np.asarray(v) for k, v in rec.items()}))
    # 5 epochs of Adam at lr 0.01 from identical starts: 1e-4 absolute on parameters and on
    # losses leaves room for float32 summation-order differences only.
    np.testing.assert_allclose(out[0][0], out[1][0], atol=1e-4)
    for key in ("train_loss", "test_acc", "grad_mean"):
        np.testing.assert_allclose(out[0][1][key], out[1][1][key], atol=1e-4, rtol=1e-4)


def test_feature_major_forward_equals_the_plain_forward():
    params = init_mlp(jax.random.key(3), (12, 10, 7, 2))
    x = jnp.asarray(tishby12().x[:300])
    logits, hidden = forward(params, x, jnp.tanh)
    logits_t, hidden_t = forward_features(params, x, jnp.tanh)
    # the same float32 products of length <= 12 in another order: a few ulps of values ~1
    np.testing.assert_allclose(logits_t.T, logits, atol=1e-5)
    for h, h_t in zip(hidden, hidden_t, strict=True):
        np.testing.assert_allclose(h_t.T, h, atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("rule", ["fixed", "layer", "quantile"])
def test_the_measurement_is_the_same_from_either_layout(rule):
    """measure_outputs of the same layers laid out (n, width) or feature-major (width, n)
    records the same numbers: binning is element-wise, the quantile rule per unit."""
    data = tishby12()
    rows = split(data, "idnns", 0.8)
    config = RunConfig(hidden=(10, 3), record_layers=(1,), record_dtype="float32",
                       bin_rule=rule)
    params = init_mlp(jax.random.key(5), (12, 10, 3, 2))
    probe = probe_rows(data, rows, bracket=True)
    logits, hidden = forward(params, probe.x, jnp.tanh)
    layers = (*hidden, jax.nn.softmax(logits))
    plain = measure_outputs(logits, layers, probe, config)
    major = measure_outputs(logits, tuple(h.T for h in layers), probe, config,
                            feature_major=True)
    assert plain.keys() == major.keys()
    for key in plain:
        np.testing.assert_array_equal(major[key], plain[key], err_msg=key)


@pytest.mark.slow
def test_measurement_records_the_output_layer_as_softmax_of_the_logits():
    """The layers of the plane are the hidden layers and softmax(logits), binned with the
    run's bins; losses are cross-entropies in bits on the masked rows."""
    data = tishby12()
    rows = split(data, "idnns", 0.8)
    config = RunConfig(hidden=(10, 7), record_layers=(0, 2), record_dtype="float32")
    params = init_mlp(jax.random.key(5), (12, 10, 7, 2))
    probe = probe_rows(data, rows)
    logits, hidden = forward(params, probe.x, jnp.tanh)
    rec = measure_outputs(logits, (*hidden, jax.nn.softmax(logits)), probe, config)
    probs = np.asarray(jax.nn.softmax(logits))
    np.testing.assert_array_equal(rec["act_2"], probs)
    np.testing.assert_array_equal(rec["act_0"], hidden[0])
    ixt, ity = binned_information(probs, probe.y, Bins.idnns(), 2)
    assert float(rec["I_XT"][2]) == float(ixt) and float(rec["I_TY"][2]) == float(ity)
    # Cross-entropy by hand in float64 on the test rows; float32 logits of order 1: 1e-5.
    z = np.asarray(logits, dtype=np.float64)[rows.test]
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    nll_bits = -log_p[np.arange(len(z)), data.y[rows.test]] / np.log(2)
    assert float(rec["test_loss"]) == pytest.approx(nll_bits.mean(), abs=1e-5)
