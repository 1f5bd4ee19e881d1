import json

import pytest

from infoplane.cli import main


@pytest.mark.slow
def test_reproduce_redundancy_quick(tmp_path):
    out = tmp_path / "red"
    assert main(["reproduce", "redundancy", "--quick", "--out", str(out), "--no-progress"]) == 0
    for name in ("redundancy_curves.png", "redundancy_curves.pdf", "redundancy_final.png",
                 "results.json", "runs/baseline/information.npz",
                 "runs/noise_0.3/information.npz"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    n = results["numbers"]
    assert n["scale"]["kind"].startswith("a smoke test")
    for cond in ("baseline", "noise_0.3"):
        # The joint entropy of the recorded float32 layers is training's binned I(X;T): the
        # same codes counted twice (float32 sums of 4096 terms: 1e-4 bits).
        assert n[cond]["joint_vs_I_XT_bits"] < 1e-4
        tc, irr = n[cond]["TC"], n[cond]["irrelevant"]
        # TC >= 0; I(X;T|Y) = H(T|Y) lies in [0, log2 4096 = 12] bits.
        assert all(v >= -1e-9 for v in tc["final_mean"])
        assert all(-1e-6 <= v <= 12.0 for v in irr["final_mean"])
    # Two claims (irrelevant information, total correlation) per noisy condition.
    assert len(results["claims"]) == 2
    assert all({"claim", "rule", "ours", "agree"} <= set(c) for c in results["claims"])
