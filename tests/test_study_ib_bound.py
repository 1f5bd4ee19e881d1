import json

import numpy as np
import pytest

from infoplane.cli import main
from infoplane.ib import deterministic_ib_bound
from infoplane.studies.ib_bound import (
    bin_symbols,
    channel_information,
    curve_value,
    flip_labels,
    largest_violation,
)


@pytest.mark.slow
def test_reproduce_quick(tmp_path):
    out = tmp_path / "ib"
    assert main(["reproduce", "ib_bound", "--quick", "--epochs", "40", "--out", str(out),
                 "--no-progress"]) == 0
    for name in ("ib_bound_plane.png", "ib_bound_plane.pdf", "results.json",
                 "noisy_labels.npz", "runs/noisy/information.npz"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    assert results["claims"] and all("agree" in c for c in results["claims"])
    n = results["numbers"]
    # Exact for binned T under the channel: never above the curve (beyond rounding).
    assert n["violation_channel"]["bits"] <= 1e-9
    # The channel evaluation with one-hot sampled labels reproduces training's plug-in (to
    # 1e-3 bits: an activation within float32 rounding of a bin edge may fall either side).
    assert n["plugin_matches_recorded"] < 1e-3
    assert abs(n["I_XY_channel"] - 0.5305) < 5e-4


def test_flip_labels_is_seeded_and_flips_the_expected_fraction():
    y = np.zeros(20000, dtype=np.int32)
    a, b = flip_labels(y, 0.1, 2, seed=3), flip_labels(y, 0.1, 2, seed=3)
    np.testing.assert_array_equal(a, b)
    # binomial(20000, 0.1): std 42 flips, so 0.1 +- 0.006 is 3 standard deviations
    assert abs(a.mean() - 0.1) < 0.006
    k = flip_labels(np.zeros(1000, dtype=np.int32), 1.0, 4, seed=0)
    assert set(np.unique(k)) == {1, 2, 3}


def test_bin_symbols_groups_equal_bin_vectors():
    edges = np.linspace(-1, 1, 3)  # bins (-inf,-1), [-1,0), [0,1), [1,inf)
    act = np.array([[-0.5, 0.2], [-0.4, 0.9], [0.5, 0.2], [1.0, 1.0]])
    s = bin_symbols(act, edges)
    assert s[0] == s[1] and len(set(s)) == 3


def test_channel_information_by_hand():
    # 4 inputs, T merges {0, 1} and {2, 3}; p(y=1|x) = 0.9, 0.9, 0.1, 0.1 (flip 0.1 of y=1,1,0,0)
    p = np.array([[0.1, 0.9], [0.1, 0.9], [0.9, 0.1], [0.9, 0.1]])
    h2 = -(0.1 * np.log2(0.1) + 0.9 * np.log2(0.9))
    ixt, ity = channel_information(np.array([0, 0, 1, 1]), p)
    assert ixt == pytest.approx(1.0) and ity == pytest.approx(1.0 - h2, abs=1e-12)
    # merging inputs of different p(y|x) loses information: T constant gives 0
    assert channel_information(np.zeros(4, dtype=int), p) == pytest.approx((0.0, 0.0))
    # one-hot labels: the plug-in I(T;Y) of a deterministic label
    ixt, ity = channel_information(np.arange(4), np.eye(2)[[1, 1, 0, 0]])
    assert (ixt, ity) == pytest.approx((2.0, 1.0))


def test_curve_value_and_violation():
    r, ty = np.array([0.5, 1.0]), np.array([0.4, 0.5])
    np.testing.assert_allclose(curve_value(r, ty, 0.5, np.array([0.0, 0.25, 0.75, 5.0])),
                               [0.0, 0.2, 0.45, 0.5])
    ixt = np.array([[[0.25, 3.0]]])
    ity = np.array([[[0.1, 0.6]]])
    v = largest_violation(ixt, ity, lambda x: curve_value(r, ty, 0.5, x))
    assert v["bits"] == pytest.approx(0.1) and v["layer"] == 1
    v = largest_violation(ixt, ity, lambda x: deterministic_ib_bound(1.0, x))
    assert v["bits"] == pytest.approx(-0.15)
