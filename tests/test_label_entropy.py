"""H(Y) of class labels (estimators.discrete.label_entropy_bits), the one helper behind the
H_Y of training, the recorder and the plane: textbook values, the same number as the public
plug-in estimator, and labels of any sign."""

import math

import numpy as np
import pytest

import infoplane as ip
from infoplane.estimators.discrete import discrete_entropy, label_entropy_bits
from infoplane.plane import plane_from_run

# Plug-in sums of a few terms: a few ulps of float64 rounding at most.
EXACT = 1e-12


@pytest.mark.parametrize("labels, bits", [
    ([0, 1, 2, 3] * 5, 2.0),                          # uniform over 4 classes
    ([7] * 9, 0.0),                                    # one class
    ([0, 0, 0, 1], -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))),
])
def test_textbook_values(labels, bits):
    assert label_entropy_bits(np.array(labels)) == pytest.approx(bits, abs=EXACT)


def test_equals_the_plugin_estimator_and_ignores_the_label_values():
    y = np.random.default_rng(0).integers(0, 5, 1000)
    assert label_entropy_bits(y) == discrete_entropy(y).value  # the same sum, bit for bit
    assert label_entropy_bits(3 * y - 7) == label_entropy_bits(y)  # relabelled, negatives


@pytest.mark.slow
def test_a_recorded_run_with_negative_labels_gives_its_plane(tmp_path):
    """plane_from_run once took H(Y) with np.bincount, which refuses labels -1 and 1."""
    x = np.random.default_rng(1).standard_normal((40, 3)).astype(np.float32)
    y = np.where(np.arange(40) % 4 == 0, -1, 1)
    with ip.Recorder(tmp_path / "run", x, y) as rec:
        rec.record(0, {"h": np.tanh(x)})
    plane = plane_from_run(tmp_path / "run", method="binning")
    assert float(plane.H_Y) == pytest.approx(-(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75)),
                                                abs=EXACT)


def test_input_entropy_is_log2_n_for_distinct_rows_and_less_when_rows_repeat(tmp_path):
    """H(X) for X uniform over the n inputs (estimators.discrete.input_entropy_bits), behind
    the H_X of training, the recorder and the plane: a repeated row counts twice, so H(X) is
    the plug-in entropy of the rows' counts, not log2 of the number of distinct rows."""
    from infoplane.estimators.discrete import input_entropy_bits

    assert input_entropy_bits(ip.tishby12().x) == pytest.approx(12.0, abs=EXACT)
    images = np.arange(4 * 6, dtype=np.float32).reshape(4, 2, 3)  # rows of any shape
    assert input_entropy_bits(images) == pytest.approx(2.0, abs=EXACT)
    repeated = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])  # counts 2, 1, 1
    assert input_entropy_bits(repeated) == pytest.approx(1.5, abs=EXACT)  # log2(3) = 1.585
    with ip.Recorder(tmp_path / "run", repeated, [0, 0, 1, 1]) as rec:
        rec.record(0, {"h": repeated})
    assert ip.read_information(tmp_path / "run").H_X == pytest.approx(1.5, abs=EXACT)
