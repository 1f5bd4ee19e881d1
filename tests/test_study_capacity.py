import json

import numpy as np
import pytest

from infoplane.cli import main
from infoplane.studies import capacity
from infoplane.studies._capacity_approx import approximation_errors, loglog_slope


@pytest.mark.slow
def test_reproduce_quick(tmp_path):
    out = tmp_path / "cap"
    assert main(["reproduce", "capacity", "--quick", "--out", str(out), "--no-progress"]) == 0
    for name in ("capacity.png", "capacity.pdf", "capacity_approximation.png",
                 "capacity_approximation.pdf", "results.json",
                 "runs/mnist1d_relu_w6/information.npz"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    n = results["numbers"]
    assert n["smoke_test"] and results["verdicts"].startswith("not findings")
    assert len(results["claims"]) == 4 and all(isinstance(c["agree"], bool)
                                               for c in results["claims"])
    for name in ("tishby12_tanh", "mnist1d_relu"):
        row = n[name]
        for w in ("1", "6"):
            # a binned layer's information never exceeds H(X) = log2(distinct inputs), H(Y)
            assert row["per_width"][w]["peak_I_XT"]["mean"] <= row["H_X"] + 1e-6
            assert row["per_width"][w]["final_I_TY"]["mean"] <= row["H_Y"] + 1e-3
    assert abs(n["tishby12_tanh"]["H_X"] - 12.0) < 1e-9
    assert abs(n["mnist1d_relu"]["H_X"] - np.log2(5000)) < 1e-3


def test_saturation_width_by_hand():
    widths = (1, 2, 4, 8, 16)
    # best 0.90; within 0.02 from width 4 on (0.89, 0.90, 0.885), width 2 (0.80) is not
    assert capacity.saturation_width(widths, [0.5, 0.8, 0.89, 0.90, 0.885]) == 4
    # a dip at width 8 moves the plateau's start past it
    assert capacity.saturation_width(widths, [0.5, 0.89, 0.90, 0.7, 0.9]) == 16


def test_loglog_slope_recovers_a_power_law():
    widths = np.array([1, 2, 4, 8, 16])
    errors = np.stack([3.0 * widths ** -1.5, 5.0 * widths ** -1.5, 4.0 * widths ** -1.5])
    assert abs(loglog_slope(widths, errors) - (-1.5)) < 1e-12


def test_masked_networks_approximate_better_with_more_units():
    # Two seeds, 1500 steps: 16 tanh units fit the target far better than one unit can (one
    # unit is a single step; the target has three bumps: its best 1-unit MSE is ~0.3).
    mse, pred = approximation_errors(widths=(1, 16), seeds=2, steps=1500)
    assert mse.shape == (2, 2) and pred.shape == (2, 2, 2001)
    assert np.all(mse[:, 0] > 0.1) and np.all(mse[:, 1] < 0.1 * mse[:, 0])
    np.testing.assert_allclose(mse, ((pred - _target()) ** 2).mean(axis=-1), rtol=1e-4)


def _target():
    x = np.linspace(-1.0, 1.0, 2001)
    return np.sin(3 * np.pi * x) * np.exp(-x ** 2) + 0.5 * x
