"""The built-in networks' convolution (``training.cnn.conv_same``): XLA's "SAME" convolution
within float32 rounding, and a seed's numbers independent of the cores a process may use."""

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from infoplane.training.cnn import conv_same

_SLOW = pytest.mark.slow  # each case compiles its own programs: one stays in the edit loop
CASES = [  # (input shape (n, c_in, *spatial), kernel shape (c_out, c_in, *kernel))
    ((3, 1, 40), (4, 1, 5)),
    pytest.param((2, 3, 17), (5, 3, 4), marks=_SLOW),  # even kernel: XLA pads 1 before, 2 after
    pytest.param((2, 2, 8, 8), (3, 2, 3, 3), marks=_SLOW),
    pytest.param((2, 1, 7, 6), (2, 1, 2, 3), marks=_SLOW),
]


@pytest.mark.parametrize(("x_shape", "w_shape"), CASES)
def test_conv_same_equals_xla_convolution(x_shape, w_shape):
    kx, kw = jax.random.split(jax.random.key(0))
    x, w = jax.random.normal(kx, x_shape), jax.random.normal(kw, w_shape)
    dims = len(x_shape) - 2
    numbers = ("NCH", "OIH", "NCH") if dims == 1 else ("NCHW", "OIHW", "NCHW")
    want = jax.lax.conv_general_dilated(x, w, (1,) * dims, "SAME", dimension_numbers=numbers,
                                        precision=jax.lax.Precision.HIGHEST)
    got = conv_same(x, w)
    assert got.shape == want.shape
    # float32 sums of at most 18 products of unit normals: 1e-5 absolute is ~100 ulps.
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=0, atol=1e-5)


@pytest.mark.slow
def test_conv_same_gradient_equals_xla_convolution():
    kx, kw = jax.random.split(jax.random.key(1))
    x, w = jax.random.normal(kx, (2, 2, 12)), jax.random.normal(kw, (3, 2, 5))

    def loss(conv):
        return lambda w: jnp.sum(jnp.tanh(conv(x, w)))

    def xla(x, w):
        return jax.lax.conv_general_dilated(x, w, (1,), "SAME",
                                            dimension_numbers=("NCH", "OIH", "NCH"),
                                            precision=jax.lax.Precision.HIGHEST)

    np.testing.assert_allclose(np.asarray(jax.grad(loss(conv_same))(w)),
                               np.asarray(jax.grad(loss(xla))(w)), rtol=0, atol=1e-4)


CHILD = """
import os, sys
cores = sys.argv[2]
if cores != "all":
    os.sched_setaffinity(0, {int(c) for c in cores.split(",")})
import numpy as np
from infoplane.training import preset, train
config = preset("mnist1d_cnn").replace(seeds=5, epochs=2, channels=(4, 8), hidden=(16,),
                                       record_layers=(0, 2), schedule="every")
info = train(config, sys.argv[1], progress=False)
"""


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores")
def test_cnn_seed_same_on_one_core_and_two(tmp_path):
    """One device bound to one core against one device on two cores: XLA's CPU convolution
    split its sums by thread (the loss differed by 2e-7); conv_same does not."""
    from test_seed_layout import ONE_DEVICE, assert_same_seeds

    two = sorted(os.sched_getaffinity(0))[:2]
    runs = {}
    for cores in (str(two[0]), f"{two[0]},{two[1]}"):
        out = tmp_path / cores.replace(",", "_")
        subprocess.run([sys.executable, "-c", CHILD, str(out), cores], env=ONE_DEVICE,
                       check=True, timeout=900)
        runs[cores] = out
    assert_same_seeds(*runs.values())
