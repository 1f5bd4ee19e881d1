import json

import numpy as np
import pytest

from infoplane.cli import main
from infoplane.studies._online_drift_stream import Stream, draw, sample


def test_rule_stream_flips_every_label_at_half_a_turn():
    # u = R(-pi) x = -x, so y(pi) = [-x1 > 0.5 sin(-2 x2)] = not y(0) except on the boundary.
    x0, y0 = sample("rule", np.zeros(2000), np.random.default_rng(1))
    _, y1 = sample("rule", np.full(2000, np.pi), np.random.default_rng(1))
    assert np.mean(y0 != y1) > 0.999
    # The wavy boundary splits N(0, I) about evenly (the rule is odd in x).
    assert 0.45 < y0.mean() < 0.55


def test_inputs_stream_moves_round_a_fixed_ring_rule():
    rng = np.random.default_rng(2)
    for theta, centre in ((0.0, (2, 0)), (np.pi / 2, (0, 2)), (np.pi, (-2, 0))):
        x, y = sample("inputs", np.full(4000, theta), rng)
        np.testing.assert_allclose(x.mean(axis=0), centre, atol=0.05)  # 0.6 / sqrt(4000) x 5
        np.testing.assert_array_equal(y, (np.hypot(x[:, 0], x[:, 1]) > 2).astype(np.int32))
        # The ring passes through the centre: about half of each class (binomial sd 0.008).
        assert 0.4 < y.mean() < 0.6


def test_draw_shapes_and_angles():
    s = Stream(warmup=3, stretches=2, stretch=4, retrain_every=1, window=1, n_eval=8)
    d = draw("rule", s, 5, np.array([0, 1]))
    assert d["x"].shape == (2, 3 + 2 * 4, 5, 2) and d["y"].shape == (2, 11, 5)
    assert d["x_eval"].shape == (2, 3, 8, 2)
    np.testing.assert_allclose(d["theta"], [0.0, np.pi / 2, np.pi])
    with pytest.raises(ValueError, match="unknown stream"):
        sample("spiral", np.zeros(3), np.random.default_rng(0))


@pytest.mark.slow
def test_reproduce_online_drift_quick(tmp_path):
    out = tmp_path / "od"
    assert main(["reproduce", "online_drift", "--quick", "--out", str(out),
                 "--no-progress"]) == 0
    for name in ("online_drift_accuracy.png", "online_drift_accuracy.pdf",
                 "online_drift_plane.png", "results.json", "runs/rule/stream.npz",
                 "runs/inputs/stream.npz"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    assert results["numbers"]["protocol"]["kind"].startswith("a smoke test")
    assert len(results["claims"]) == 6
    assert all({"claim", "rule", "ours", "agree"} <= set(c) for c in results["claims"])
    saved = np.load(out / "runs/rule/stream.npz")
    # Frozen and online are the same network at the end of the warm-up (checkpoint 0).
    np.testing.assert_array_equal(saved["acc"][0, :, 0], saved["acc"][1, :, 0])
    # Binned information of 1024 samples: 0 <= I(T;Y) <= I(X;T) <= log2 1024 = 10 bits.
    assert np.all(saved["I_XT"] <= 10.0 + 1e-5) and np.all(saved["I_TY"] >= -1e-5)
    assert np.all(saved["I_TY"] <= saved["I_XT"] + 1e-5)
    # Resuming reads the saved streams instead of recomputing them.
    assert main(["reproduce", "online_drift", "--quick", "--out", str(out), "--resume",
                 "--no-progress"]) == 0
