"""The bracket that training records at every logged epoch (``RunConfig.bracket``): the probe
bound I_TY_lower of the recorded activations, I_TY_upper = H(Y), and the points outside."""

import jax.numpy as jnp
import numpy as np
import pytest
from conftest import TINY_RECORDED

from infoplane._errors import InfoplaneError
from infoplane._stats import outside_bracket
from infoplane.data import load_dataset, split
from infoplane.defaults import BRACKET_LAMBDAS, BRACKET_ROWS, BRACKET_SCALES, PROBE_FOLDS, SEED
from infoplane.estimators._crossfit import fold_of_rows, fold_slots, iterative_solve
from infoplane.estimators.discrete import label_entropy_bits
from infoplane.estimators.probe import probe_bound_nats
from infoplane.runs import read_activations, read_information
from infoplane.training import preset, train
from infoplane.training.measure import bracket_rows, probe_rows


@pytest.mark.slow
def test_the_recorded_bound_is_the_probe_bound_of_the_recorded_activations(tiny_run):
    info = read_information(tiny_run)
    epochs, acts = read_activations(tiny_run)  # float32, layers TINY_RECORDED
    y = np.asarray(load_dataset("tishby12").y)
    rows = bracket_rows(y)
    slots = fold_slots(y[rows], PROBE_FOLDS, SEED)
    fold = fold_of_rows(slots, rows.size)
    widest = 10  # the layers of a narrow network are padded to the widest with zero columns
    for layer, act in zip(TINY_RECORDED, acts, strict=True):
        for s in range(act.shape[0]):
            for e in range(act.shape[1]):
                x = np.pad(act[s, e][rows], ((0, 0), (0, widest - act.shape[-1])))
                bound, se = probe_bound_nats(
                    jnp.asarray(x), jnp.asarray(y[rows]), jnp.asarray(slots),
                    jnp.asarray(fold), PROBE_FOLDS, 2, BRACKET_LAMBDAS, BRACKET_SCALES,
                    solver="iterative")
                # The same probe on the same float32 values, compiled in another program:
                # float32 sums in another order (1e-4 bit seen), and where two temperatures
                # of the grid nearly tie a fold may take the other one (4e-4 bit seen); both
                # far below the bound's standard error (about 0.02 bit here).
                assert info.I_TY_lower[s, e, layer] == pytest.approx(
                    float(bound) / np.log(2), abs=2e-3)
                assert info.I_TY_lower_stderr[s, e, layer] == pytest.approx(
                    float(se) / np.log(2), abs=2e-3)


def test_the_bracket_holds_and_marks_the_points_outside(tiny_run):
    info = read_information(tiny_run)
    lower, upper = info.I_TY_lower, info.I_TY_upper
    assert lower.shape == upper.shape == info.I_TY.shape == info.I_TY_outside.shape
    h_y = label_entropy_bits(load_dataset("tishby12").y)
    np.testing.assert_allclose(upper, h_y)
    # A lower bound on I(T;Y): below H(Y) by more than its standard error never happens, and
    # the untrained networks' layers already carry some label information.
    assert np.all(lower <= h_y + 2 * info.I_TY_lower_stderr)
    assert np.all(info.I_TY_lower_stderr > 0)
    assert lower[:, 0, 0].min() > 0.1
    mask, _ = outside_bracket(info.I_TY, None, lower, info.I_TY_lower_stderr, upper,
                              "bits")
    np.testing.assert_array_equal(info.I_TY_outside, mask)


def test_bracket_rows_are_a_stratified_subset():
    y = np.repeat([0, 1, 2], [3000, 900, 100])
    rows = bracket_rows(y)
    assert rows.size <= BRACKET_ROWS + 3 and np.all(np.diff(rows) > 0)
    shares = np.bincount(y[rows]) / rows.size
    np.testing.assert_allclose(shares, [0.75, 0.225, 0.025], atol=0.002)
    np.testing.assert_array_equal(bracket_rows(y[:500]), np.arange(500))


def test_a_class_with_fewer_rows_than_folds_is_one_line():
    data = load_dataset("tishby12")
    y = np.asarray(data.y).copy()
    y[:] = 0
    y[:3] = 1  # 3 rows of class 1 < 5 folds
    rare = data._replace(y=y)
    with pytest.raises(InfoplaneError, match=r"bracket.*fewer than folds=5.*bracket=False") as e:
        probe_rows(rare, split(rare, "idnns", 0.8, 0), bracket=True)
    assert "\n" not in str(e.value) and e.value.usage


@pytest.mark.slow
def test_without_the_bracket_nothing_is_recorded():
    config = preset("tiny").replace(epochs=2, schedule_value=1, bracket=False, seeds=1)
    plane = train(config, None, progress=False).plane
    assert plane.I_TY_lower is None and plane.I_TY_lower_stderr is None
    assert plane.I_TY_upper is None and plane.I_TY_outside is None
    with pytest.raises(InfoplaneError, match="bracket must be true or false"):
        config.replace(bracket="yes").validate()


@pytest.mark.slow
def test_iterative_solve_equals_a_direct_solve():
    rng = np.random.default_rng(0)
    for w, cond in ((3, 10.0), (10, 1e3), (64, 1e4)):
        q, _ = np.linalg.qr(rng.normal(size=(w, w)))
        a = (q * np.geomspace(1.0, 1.0 / cond, w)) @ q.T
        b = rng.normal(size=(w, 4))
        got = np.asarray(iterative_solve(jnp.asarray(a, jnp.float32),
                                         jnp.asarray(b, jnp.float32)))
        want = np.linalg.solve(a, b)
        # float32 with condition number up to 1e4: relative error about cond * 6e-8
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-3 * np.abs(want).max())


@pytest.mark.slow
def test_layers_wider_than_the_pad_width_have_no_training_bracket():
    config = preset("tiny").replace(epochs=1, schedule_value=1, seeds=1, hidden=(80, 3))
    plane = train(config, None, progress=False).plane
    assert np.all(np.isnan(plane.I_TY_lower[..., 0]))
    assert np.all(np.isfinite(plane.I_TY_lower[..., 1:]))
    assert not plane.I_TY_outside[..., 0].any()
