import json

import pytest

from infoplane.cli import main
from infoplane.studies.optimiser_noise import BATCHES, condition_config
from infoplane.training import preset


def test_full_batch_is_every_training_row():
    config = condition_config(preset("tishby2017"), "tanh", "gd", 3277)
    assert config.batch_size == 3277 and config.optimiser == "sgd"
    assert condition_config(preset("tishby2017"), "relu", "adam", 3277).batch_size == \
        BATCHES["adam"]


@pytest.mark.slow
def test_reproduce_optimiser_noise_quick(tmp_path):
    out = tmp_path / "opt"
    assert main(["reproduce", "optimiser_noise", "--quick", "--out", str(out),
                 "--no-progress"]) == 0
    for name in ("optimiser_noise_planes.png", "optimiser_noise_planes.pdf",
                 "optimiser_noise_compression.png", "results.json",
                 "runs/tanh/gd/information.npz", "runs/relu/gd/information.npz"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    n = results["numbers"]
    assert n["scale"]["kind"].startswith("a smoke test")
    # 3277 training rows: one step per epoch for full batch, ceil(3277 / 32) = 103 for SGD-32.
    assert n["tanh/gd"]["steps_per_epoch"] == 1 and n["tanh/sgd32"]["steps_per_epoch"] == 103
    assert n["tanh/gd"]["snr"]["epoch"] is None and "no gradient noise" in n["tanh/gd"]["snr"][
        "rule"]
    # Per-seed compression is >= 0 (peak minus final), and its interval holds its mean.
    for key in ("tanh/gd", "tanh/sgd32", "relu/gd"):
        assert min(min(r) for r in n[key]["compression_per_seed"]) >= 0.0
        assert all(lo <= m <= hi for lo, m, hi in zip(n[key]["compression_low"],
                                                       n[key]["compression_mean"],
                                                       n[key]["compression_high"],
                                                       strict=True))
    assert len(results["claims"]) == 4
    assert all({"claim", "rule", "ours", "agree"} <= set(c) for c in results["claims"])
