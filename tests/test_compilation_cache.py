"""The command line's persistent compilation cache (cli/_compilation_cache.py): where it goes,
what it leaves alone, and that a run loaded from it gives bit-identical results."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from infoplane.cli._compilation_cache import MAX_BYTES, use_compilation_cache

ROOT = Path(__file__).resolve().parents[1]


def test_the_cache_goes_to_the_user_cache_folder(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    assert use_compilation_cache(env) == str(tmp_path / "infoplane" / "jax")
    assert env["JAX_COMPILATION_CACHE_DIR"] == str(tmp_path / "infoplane" / "jax")
    assert env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "0"
    assert env["JAX_COMPILATION_CACHE_MAX_SIZE"] == str(MAX_BYTES)
    home = {"HOME": str(tmp_path)}
    assert use_compilation_cache(home).endswith(os.path.join(".cache", "infoplane", "jax"))


@pytest.mark.parametrize("env", [{"JAX_COMPILATION_CACHE_DIR": "/theirs"},
                                 {"INFOPLANE_COMPILATION_CACHE": "off"},
                                 {"INFOPLANE_COMPILATION_CACHE": "0"}])
def test_a_folder_set_by_the_user_or_off_is_left_alone(env):
    before = dict(env)
    assert use_compilation_cache(env) is None
    assert env == before


def _train(out: Path, cache_home: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JAX_COMPILATION_CACHE", "JAX_PERSISTENT_CACHE",
                                "INFOPLANE_COMPILATION_CACHE"))}
    env.update(XDG_CACHE_HOME=str(cache_home), PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "infoplane.cli", "train", "--preset", "tiny",
                    "--epochs", "30", "--out", str(out), "--no-progress"],
                   env=env, check=True, capture_output=True)


@pytest.mark.slow
def test_a_run_from_the_cache_is_bit_identical(tmp_path):
    _train(tmp_path / "compiled", tmp_path / "cache")
    entries = sorted(p.name for p in (tmp_path / "cache" / "infoplane" / "jax").iterdir())
    assert entries  # the first run filled the cache
    _train(tmp_path / "loaded", tmp_path / "cache")
    for name in ("information.npz", "checkpoint.npz"):
        with np.load(tmp_path / "compiled" / name) as a, \
                np.load(tmp_path / "loaded" / name) as b:
            assert a.files == b.files
            for key in a.files:
                if "seconds" not in key:  # the timings differ, of course
                    np.testing.assert_array_equal(a[key], b[key], err_msg=f"{name}: {key}")
