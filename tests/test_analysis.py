"""Tests of infoplane.analysis against values computed by hand: the checks of record arrays,
compression, run summaries, smoothing and the gradient-SNR transition."""

import numpy as np
import pytest

from infoplane import InfoplaneError, InformationPlane, RunResult, TrainingHistory, analysis
from infoplane.estimators.bins import Bins

SEEDS, LAYERS = 3, 4
EPOCHS = np.unique(np.logspace(0, np.log2(500), 60, base=2).astype(int)) - 1  # starts at 0

# Two seeds, four logged epochs, two layers. Seed means of I_XT by epoch: [2, 5], [4, 7],
# [2, 5], [1, 3]: both layers peak at epoch 10 and end at [1, 3].
HAND_EPOCHS = np.array([0, 10, 100, 1000])
HAND_I_XT = np.array([[[1, 5], [3, 6], [2, 4], [1, 3]],
                      [[3, 5], [5, 8], [2, 6], [1, 3]]], dtype=float)
HAND_I_TY = np.array([[[0, 0], [0.2, 0.4], [0.5, 0.6], [0.6, 1.0]],
                      [[0, 0], [0.2, 0.2], [0.3, 0.4], [0.8, 0.8]]])


def _gradients():
    """Gradient statistics [seed, logged_epoch, layer] whose SNR falls from 10 to 0.1 at
    epoch 100: a crossing of 1 there."""
    snr = np.where(EPOCHS < 100, 10.0, 0.1)[None, :, None] * np.ones((SEEDS, 1, LAYERS))
    grad_std = 0.05 * np.ones((SEEDS, EPOCHS.size, LAYERS))
    return {"grad_mean": snr * grad_std, "grad_std": grad_std}


def test_compression_by_hand():
    c = analysis.compression(HAND_I_XT, HAND_EPOCHS)
    np.testing.assert_array_equal(c["peak"], [4, 7])
    np.testing.assert_array_equal(c["peak_epoch"], [10, 10])
    np.testing.assert_array_equal(c["final"], [1, 3])
    np.testing.assert_array_equal(c["compression"], [3, 4])
    assert "since" not in c
    # Without epochs, the peak is named by its index among the logged epochs.
    np.testing.assert_array_equal(analysis.compression(HAND_I_XT)["peak_epoch"], [1, 1])


def test_compression_since_an_epoch_and_a_layer_that_gains():
    # after=50: the first logged epoch at or after it is 100, where the means are [2, 5].
    np.testing.assert_array_equal(
        analysis.compression(HAND_I_XT, HAND_EPOCHS, after=50)["since"], [1, 2])
    # after beyond the last logged epoch: the last one, so nothing since.
    np.testing.assert_array_equal(
        analysis.compression(HAND_I_XT, HAND_EPOCHS, after=5000)["since"], [0, 0])
    # One run (no seed axis) of a layer whose I(X;T) only grows: peak at the end, no
    # compression, and a negative fall since the start.
    growing = np.array([[0.0], [1.0], [2.0]])
    c = analysis.compression(growing, np.array([0, 1, 2]), after=0)
    assert c["peak_epoch"][0] == 2 and c["compression"][0] == 0 and c["since"][0] == -2


def test_run_summary_by_hand():
    train_acc = np.array([[0.5, 0.6, 0.8, 0.9], [0.5, 0.6, 0.7, 0.7]])
    no_weights = np.zeros((2, 4, 0))
    history = TrainingHistory(
        epochs=HAND_EPOCHS, train_loss=1 - train_acc, test_loss=1 - train_acc,
        train_acc=train_acc, test_acc=np.array([[0.5, 0.5, 0.6, 0.6], [0.5, 0.6, 0.7, 0.8]]),
        grad_mean=no_weights, grad_std=no_weights, weight_norm=no_weights)
    s = analysis.run_summary(RunResult(InformationPlane(HAND_I_XT, HAND_I_TY, HAND_EPOCHS),
                                       history))
    assert s["train_acc"] == pytest.approx(0.8, abs=1e-15)
    assert s["test_acc"] == pytest.approx(0.7, abs=1e-15)
    assert s["test_acc_std"] == pytest.approx(0.1, abs=1e-15)  # of 0.6 and 0.8, over seeds
    np.testing.assert_array_equal(s["final_I_XT"], [1, 3])
    np.testing.assert_allclose(s["final_I_TY"], [0.7, 0.9], atol=1e-15)
    np.testing.assert_array_equal(s["compression_bits"], [3, 4])
    assert s["last_hidden_compression_bits"] == 3.0  # the layer before the output


def test_smooth_by_hand():
    spike = np.array([0.0, 0.0, 3.0, 0.0, 0.0])
    np.testing.assert_allclose(analysis.smooth(spike, 3), [0, 1, 1, 1, 0])
    # An even window reaches one further back than forward; the ends repeat the edge value.
    np.testing.assert_allclose(analysis.smooth(spike, 4), [0, 0.75, 0.75, 0.75, 0.75])
    np.testing.assert_array_equal(analysis.smooth(spike, 1), spike)  # window 1: unchanged


def test_plane_runs_and_nearest_logged_epoch():
    ixt, ity, e = analysis.plane_runs(HAND_I_XT, HAND_I_TY, HAND_EPOCHS, mean_over_seeds=True)
    assert ixt.shape == ity.shape == (1, 4, 2)
    np.testing.assert_array_equal(ixt[0, :, 0], [2, 4, 2, 1])
    ixt, _, _ = analysis.plane_runs(HAND_I_XT[0], HAND_I_TY[0], HAND_EPOCHS,
                                    mean_over_seeds=False)
    assert ixt.shape == (1, 4, 2)  # one run: the seed axis added
    with pytest.raises(InfoplaneError, match="shapes do not match"):
        analysis.plane_runs(HAND_I_XT, HAND_I_TY[:, :, :1], HAND_EPOCHS, mean_over_seeds=True)
    # Epoch 40 is nearer 10 than 100 in epochs, but nearer 100 on the log(epoch + 1) scale.
    assert analysis.nearest_logged_epoch(HAND_EPOCHS, 40) == 2
    assert analysis.nearest_logged_epoch(HAND_EPOCHS, 0) == 0
    with pytest.raises(InfoplaneError, match="mark_epoch must be a non-negative epoch"):
        analysis.nearest_logged_epoch(HAND_EPOCHS, -1, "mark_epoch")


def test_detect_snr_transition_finds_a_known_crossing():
    d = _gradients()
    rng = np.random.default_rng(1)
    noisy = d["grad_mean"] * np.exp(rng.normal(0, 0.3, d["grad_mean"].shape))
    found = analysis.detect_snr_transition(EPOCHS, noisy, d["grad_std"])
    i_true = int(np.argmax(EPOCHS >= 100))  # the first logged epoch with SNR 0.1
    i_found = int(np.flatnonzero(EPOCHS == found)[0])
    assert abs(i_found - i_true) <= 1  # within one logged epoch
    # Without a seed axis, and without smoothing, a clean step is found exactly.
    assert analysis.detect_snr_transition(EPOCHS, d["grad_mean"][0], d["grad_std"][0],
                                          window=1) == EPOCHS[i_true]


def test_detect_snr_transition_midpoint_of_a_smooth_fall():
    # log SNR falls as a logistic in log(epoch + 1) centred on epoch 99; the range of
    # log(epoch + 1) is symmetric about it, so peak and trough are symmetric and the
    # geometric midpoint is at the centre.
    epochs = np.unique(np.round(np.logspace(0, 4, 200)).astype(int)) - 1
    u = np.log1p(epochs) - np.log(100)
    log_snr = 2.0 - 4.0 / (1 + np.exp(-u / 0.3))
    grad_std = np.full((epochs.size, 2), 0.1)
    grad_mean = grad_std * np.exp(log_snr)[:, None]
    found = analysis.detect_snr_transition(epochs, grad_mean, grad_std, method="midpoint")
    i_true = int(np.argmin(np.abs(u)))
    assert abs(int(np.flatnonzero(epochs == found)[0]) - i_true) <= 1


def test_detect_snr_transition_explains_when_there_is_none():
    grad_std = np.full((EPOCHS.size, 3), 1.0)
    with pytest.raises(InfoplaneError, match="below 1 throughout.*midpoint"):
        analysis.detect_snr_transition(EPOCHS, 0.5 * grad_std, grad_std)
    with pytest.raises(InfoplaneError, match="still at or above"):
        analysis.detect_snr_transition(EPOCHS, 2 * grad_std, grad_std)
    with pytest.raises(InfoplaneError, match="method"):
        analysis.detect_snr_transition(EPOCHS, grad_std, grad_std, method="knee")
    with pytest.raises(InfoplaneError, match="logged epochs"):
        analysis.detect_snr_transition(EPOCHS[:-2], grad_std, grad_std)


def test_find_snr_transition_falls_back_to_the_midpoint_then_explains():
    d = _gradients()
    assert analysis.find_snr_transition(EPOCHS, d["grad_mean"], d["grad_std"])[1] == \
        "SNR transition"
    # Scaled by 1/100, the SNR falls from 0.1 to 0.001: never above 1, but it drops.
    epoch, how = analysis.find_snr_transition(EPOCHS, d["grad_mean"] / 100, d["grad_std"])
    assert how == "SNR drop midpoint" and epoch in EPOCHS
    flat = np.ones((EPOCHS.size, 2))
    epoch, why = analysis.find_snr_transition(EPOCHS, flat, flat)
    assert epoch is None and "does not fall" in why


def test_total_correlation_by_hand():
    # Edges [-1, 0, 1]: -0.5 -> bin 1, 0.5 -> bin 2. Four inputs, X uniform over them.
    bins = Bins("fixed", 3, -1.0, 1.0)
    a = np.array([-0.5, -0.5, 0.5, 0.5], dtype=np.float32)
    b = np.array([-0.5, 0.5, -0.5, 0.5], dtype=np.float32)
    copies = analysis.total_correlation(np.stack([a, a, a], axis=1), bins)
    # Three copies of a 1-bit unit: 3 bits of unit entropy, 1 bit jointly, TC = 2 bits.
    assert copies["sum_unit_entropies"] == pytest.approx(3.0)
    assert copies["joint_entropy"] == pytest.approx(1.0)
    assert copies["total_correlation"] == pytest.approx(2.0)
    # Two independent fair bits: TC = 0.
    assert analysis.total_correlation(np.stack([a, b], 1), bins)["total_correlation"] == \
        pytest.approx(0.0, abs=1e-12)


def test_total_correlation_matches_the_binning_reference_on_leading_axes():
    from infoplane.estimators.binning import binned_information_reference, rows_entropy_reference

    rng = np.random.default_rng(3)
    acts = np.tanh(rng.normal(size=(2, 3, 256, 4)) * [0.3, 1.0, 2.0, 0.1]).astype(np.float32)
    bins = Bins()
    tc = analysis.total_correlation(acts, bins)
    assert tc["total_correlation"].shape == (2, 3)
    labels = rng.integers(0, 2, 256)
    for s in range(2):
        for e in range(3):
            joint, _ = binned_information_reference(acts[s, e], labels, bins.edges())
            units = sum(rows_entropy_reference(np.digitize(acts[s, e][:, [j]], bins.edges()))
                        for j in range(4))
            # Plug-in entropies of the same codes: equal to float rounding.
            assert tc["joint_entropy"][s, e] == pytest.approx(joint, abs=1e-9)
            assert tc["total_correlation"][s, e] == pytest.approx(units - joint, abs=1e-9)
    assert np.all(tc["total_correlation"] >= -1e-12)


def test_total_correlation_layer_rule_and_bad_input():
    x = np.array([[0.0, 10.0], [1.0, 11.0], [2.0, 12.0], [3.0, 13.0]])
    # "layer" edges over the layer's own range 0..13: both units are 2 bins each -> correlated.
    tc = analysis.total_correlation(x, Bins("layer", 3))
    assert tc["total_correlation"] == pytest.approx(
        tc["sum_unit_entropies"] - tc["joint_entropy"])
    with pytest.raises(InfoplaneError, match=r"\[\.\.\., n, units\]"):
        analysis.total_correlation(np.zeros(5))
    with pytest.raises(InfoplaneError, match="'fixed' or 'layer'"):
        analysis.total_correlation(x, Bins("quantile", 4))


def test_seed_interval_by_hand():
    r = analysis.seed_interval([1.0, 2.0, 3.0])
    # std (ddof 1) = 1, t_{0.975, 2} = 4.302653: half width 4.302653 / sqrt(3) = 2.484138.
    assert r["mean"] == pytest.approx(2.0)
    assert r["high"] - r["mean"] == pytest.approx(2.484138, abs=1e-6)
    assert r["low"] == pytest.approx(2.0 - 2.484138, abs=1e-6)
    one = analysis.seed_interval([[4.0, 5.0]])
    np.testing.assert_allclose(one["low"], [4.0, 5.0])
    assert one["seeds"] == 1
    with pytest.raises(InfoplaneError, match="level"):
        analysis.seed_interval([1.0, 2.0], level=1.5)
