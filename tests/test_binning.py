import jax
import jax.numpy as jnp
import numpy as np
import pytest

from infoplane.estimators.binning import (
    Bins,
    binned_information,
    binned_information_reference,
    codes_entropy,
    digitize,
    rows_entropy_reference,
)

# Entropies are sums of ~4096 float32 terms of size <= 13 bits: 1e-5 bits is far above their
# rounding error (~1e-6) and far below any difference a bin change makes (>= 1/4096 * ...).
TOL = 1e-5


def test_digitize_matches_numpy_including_overflow_bins():
    edges = np.linspace(-1, 1, 30).astype(np.float32)
    x = np.concatenate([edges, edges + 1e-3, [-5.0, 5.0, 1.0, -1.0]]).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(digitize(jnp.asarray(x), jnp.asarray(edges))),
                                  np.digitize(x, edges))


@pytest.mark.parametrize("width", [1, 2, 3, 6, 7, 10, 13, 40])
def test_binned_information_matches_numpy_reference(width):
    rng = np.random.default_rng(width)
    # Coarse values make many repeated rows (the interesting case) and overflow on both sides.
    acts = np.round(rng.uniform(-1.3, 1.3, (4096, width)) * rng.choice([2, 40], width)) \
        / rng.choice([2, 40], width)
    acts = acts.astype(np.float32)
    labels = rng.integers(0, 2, 4096)
    edges = Bins.idnns().edges().astype(np.float32)
    h, i = binned_information(jnp.asarray(acts), jnp.asarray(labels))
    h_ref, i_ref = binned_information_reference(acts, labels, edges)
    assert float(h) == pytest.approx(h_ref, abs=TOL)
    assert float(i) == pytest.approx(i_ref, abs=TOL)


def test_exact_counts_no_collisions():
    # Rows that differ in one unit in the last packed field, or only across two keys, must stay
    # distinct: a hashing scheme would be tempted to merge them.
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 31, size=(4096, 12)).astype(np.int32)
    codes[1::2] = codes[::2]
    codes[1::2, -1] = (codes[::2, -1] + 1) % 31
    assert float(codes_entropy(jnp.asarray(codes), 31)) == pytest.approx(
        rows_entropy_reference(codes), abs=TOL)


@pytest.mark.slow
def test_many_classes_and_quantile_rule():
    rng = np.random.default_rng(3)
    acts = rng.normal(size=(1000, 3)).astype(np.float32)
    labels = rng.integers(0, 10, 1000)
    h, i = binned_information(jnp.asarray(acts), jnp.asarray(labels), Bins("quantile", 4), 10)
    # 4 equally filled bins per unit on continuous data: the codes of each unit are uniform.
    codes = np.stack([np.searchsorted(np.quantile(acts[:, j], [0.25, 0.5, 0.75]), acts[:, j],
                                      side="right") for j in range(3)], axis=1)
    assert float(h) == pytest.approx(rows_entropy_reference(codes), abs=TOL)
    ref_i = rows_entropy_reference(codes) + rows_entropy_reference(labels[:, None]) \
        - rows_entropy_reference(np.column_stack([codes, labels]))
    assert float(i) == pytest.approx(ref_i, abs=TOL)


def test_invariants_on_random_layers():
    rng = np.random.default_rng(5)
    labels = jnp.asarray(rng.integers(0, 2, 4096))
    h_y = rows_entropy_reference(np.asarray(labels)[:, None])
    f = jax.jit(jax.vmap(lambda a: binned_information(a, labels)))
    for width in (1, 4, 10):
        acts = jnp.asarray(np.tanh(rng.normal(size=(8, 4096, width)) * rng.uniform(0.1, 5)),
                           dtype=jnp.float32)
        h, i = map(np.asarray, f(acts))
        assert np.all(h <= np.log2(4096) + TOL)
        assert np.all(i >= -TOL) and np.all(i <= h + TOL) and np.all(i <= h_y + TOL)


def test_relabelling_invariance():
    rng = np.random.default_rng(7)
    acts = jnp.asarray(rng.uniform(-1, 1, (512, 3)), dtype=jnp.float32)
    y = rng.integers(0, 3, 512)
    a = binned_information(acts, jnp.asarray(y), Bins.idnns(), 3)
    b = binned_information(acts, jnp.asarray((y + 1) % 3), Bins.idnns(), 3)
    assert float(a[1]) == pytest.approx(float(b[1]), abs=TOL)
