"""A seed's numbers depend only on the configuration and the seed, not on the layout: the number
of devices, of processes, or of the seeds run beside it (``training/sharding.py``). Compared
array for array, bit for bit: every device runs the same compiled program on the same group.

The two-process case is in test_distributed.py (``test_two_processes_equal_one_device``).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from infoplane._errors import InfoplaneError
from infoplane.runs import (
    read_activations,
    read_checkpoint,
    read_information,
    read_npz,
    read_run,
)
from infoplane.training import preset, train
from infoplane.training.sharding import SEED_GROUP, seed_layout

# Two groups of seeds; two recorded layers; two chunks, so that a checkpoint is written
# between them.
CONFIG = preset("tiny").replace(seeds=2 * SEED_GROUP, record_layers=(1, 5), chunk_logs=4)
# A process with one CPU device, sharing conftest.py's compilation cache.
ONE_DEVICE = dict(os.environ, JAX_PLATFORMS="cpu",
                  XLA_FLAGS="--xla_force_host_platform_device_count=1",
                  JAX_COMPILATION_CACHE_DIR=str(Path(__file__).resolve().parents[1]
                                                / ".pytest_cache" / "jax"))
PER_SEED = ("I_XT", "I_TY", "train_loss", "test_loss", "train_acc", "test_acc", "grad_mean",
            "grad_std", "weight_norm", "I_TY_lower", "I_TY_lower_stderr", "I_TY_outside")


def assert_same_seeds(a: Path, b: Path, rows_a=slice(None), rows_b=slice(None)) -> None:
    """The runs in ``a`` and ``b`` hold bit-identical numbers for their seeds ``rows_a`` and
    ``rows_b``: information.npz, recorded activations and checkpoint."""
    # the files themselves, member for member
    info_a, info_b = read_npz(a / "information.npz"), read_npz(b / "information.npz")
    np.testing.assert_array_equal(info_a["seeds"][rows_a], info_b["seeds"][rows_b])
    for key in PER_SEED:
        np.testing.assert_array_equal(info_a[key][rows_a], info_b[key][rows_b], err_msg=key)
    for key in ("epochs", "layer_names", "H_X", "H_Y", "complete"):
        np.testing.assert_array_equal(info_a[key], info_b[key], err_msg=key)
    (epochs_a, acts_a), (epochs_b, acts_b) = read_activations(a), read_activations(b)
    np.testing.assert_array_equal(epochs_a, epochs_b)
    for layer_a, layer_b in zip(acts_a, acts_b, strict=True):
        np.testing.assert_array_equal(layer_a[rows_a], layer_b[rows_b])
    (next_a, leaves_a), (next_b, leaves_b) = read_checkpoint(a), read_checkpoint(b)
    assert next_a == next_b
    for leaf_a, leaf_b in zip(leaves_a, leaves_b, strict=True):
        np.testing.assert_array_equal(leaf_a[rows_a], leaf_b[rows_b])


@pytest.fixture(scope="module")
def two_devices(tmp_path_factory) -> Path:
    """CONFIG in this process, whose two devices (conftest.py) each train one group."""
    out = tmp_path_factory.mktemp("layout") / "two_devices"
    train(CONFIG, out, progress=False)
    return out


# Slow (a second Python process on one device): its fast sibling below, a run started on one
# device and resumed on two, compares the same seeds of one group across the two layouts.
@pytest.mark.slow
@pytest.mark.subprocess
def test_one_device_equals_two_devices(two_devices, tmp_path):
    out = tmp_path / "one_device"
    env = ONE_DEVICE
    code = ("import sys; from infoplane.training import train; "
            "from infoplane.training.config import RunConfig; "
            f"train(RunConfig.from_json({str(two_devices / 'config.json')!r}), sys.argv[1], "
            "progress=False)")
    subprocess.run([sys.executable, "-c", code, str(out)], env=env, check=True, timeout=600)
    assert read_information(two_devices).n_seeds == CONFIG.seeds
    assert_same_seeds(out, two_devices)


@pytest.mark.slow
def test_seeds_alone_equal_the_same_seeds_among_more(two_devices, tmp_path):
    # 4 seeds: one group with a padding seed, on one device; among 8 (two devices), seed 4 is
    # real and seeds 5-7 start the second group.
    alone = tmp_path / "alone"
    train(CONFIG.replace(seeds=4), alone, progress=False)
    among = tmp_path / "among"
    train(CONFIG.replace(seeds=8), among, progress=False)
    assert_same_seeds(alone, among, slice(None), slice(0, 4))
    assert_same_seeds(alone, two_devices, slice(None), slice(0, 4))


@pytest.mark.slow
def test_a_later_group_alone_equals_it_among_the_first(two_devices, tmp_path):
    # The second group (seeds 5-9, on the second device) run on its own, on the first device.
    later = tmp_path / "later"
    train(CONFIG.replace(seed=SEED_GROUP, seeds=SEED_GROUP), later, progress=False)
    assert_same_seeds(later, two_devices, slice(None), slice(SEED_GROUP, None))


class FakeDevice:
    def __init__(self, process_index: int, i: int):
        self.process_index, self.id = process_index, i


def test_the_layout_uses_a_device_per_group_and_the_same_number_in_every_process():
    one = [FakeDevice(0, i) for i in range(4)]
    assert seed_layout(4, one, 5) == ([one[0]], 1, 5)  # one group: one device
    layout = seed_layout(12, one, 5)  # three groups on three devices
    assert layout.devices == one[:3] and layout.per_device == 1 and layout.n_run == 15
    assert seed_layout(50, one[:2], 5).per_device == 5
    two = [FakeDevice(p, i) for p in (0, 1) for i in range(2)]
    layout = seed_layout(10, two, 5)  # two groups: one device of each process
    assert layout.devices == [two[0], two[2]] and layout.n_run == 10
    with pytest.raises(InfoplaneError, match="fewer than the 2 processes"):
        seed_layout(5, two, 5)


@pytest.mark.slow
def test_a_run_resumes_identically_on_another_number_of_devices(two_devices, tmp_path):
    # Killed on one device once its first chunk is saved, resumed here on two.
    out = tmp_path / "resumed"
    short = CONFIG.replace(seeds=SEED_GROUP + 1)
    env = ONE_DEVICE
    code = ("import os, sys, json; from infoplane.training.config import RunConfig; "
            "from infoplane.training import loop; saved = loop.write_checkpoint; "
            "loop.write_checkpoint = lambda *a: (saved(*a), os._exit(0)); "
            "loop.train(RunConfig.from_dict(json.loads(sys.argv[2])), sys.argv[1], "
            "progress=False)")
    subprocess.run([sys.executable, "-c", code, str(out), json.dumps(short.to_dict())],
                   env=env, check=True, timeout=600)
    assert read_checkpoint(out)[0] == 1 and not read_run(out).complete
    train(short, out, resume=True, progress=False)
    assert_same_seeds(out, two_devices, slice(None), slice(0, SEED_GROUP + 1))


@pytest.mark.slow
def test_a_run_of_another_platform_or_version_cannot_resume(two_devices, tmp_path):
    import shutil

    out = tmp_path / "elsewhere"
    shutil.copytree(two_devices, out)
    saved = json.loads((out / "config.json").read_text())
    saved["layout"]["platform"] = "gpu"
    (out / "config.json").write_text(json.dumps(saved))
    with pytest.raises(InfoplaneError, match="trained with platform 'gpu', this process has "
                       "'cpu'"):
        train(CONFIG, out, resume=True, progress=False)
    del saved["layout"]
    (out / "config.json").write_text(json.dumps(saved))
    with pytest.raises(InfoplaneError, match="made by an earlier version"):
        train(CONFIG, out, resume=True, progress=False)
