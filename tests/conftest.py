import os
from pathlib import Path

import pytest

# Two host devices, so that the seed axis is really split across devices in tests, as on a
# two-core machine from the command line. Set before JAX initialises its backend.
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")

import jax  # noqa: E402

# Many tests compile the same training programs (same shapes, same configuration); a
# persistent compilation cache for the session lets later ones reuse them.
_CACHE = Path(__file__).resolve().parents[1] / ".pytest_cache" / "jax"
jax.config.update("jax_compilation_cache_dir", str(_CACHE))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def var_u_path():
    path = SHARED_DATA / "var_u.mat"
    if not path.is_file():
        pytest.skip(f"{path} is not present; the generated data set is used without the check")
    return path
