"""The per-sample Ross terms behind the standard error of compressed I(T;Y)."""

import numpy as np
import pytest

from infoplane import mutual_information
from infoplane.estimators._mi_terms import ross_mi_terms
from infoplane.estimators.knn import mixed_mutual_information


@pytest.mark.slow
@pytest.mark.parametrize("n, d", [(300, 1), (1500, 4)])
def test_ross_terms_average_to_the_mixed_estimator(n, d):
    # ties, a singleton class and a small class: every branch of the estimator
    rng = np.random.default_rng(n)
    labels = rng.integers(0, 4, n)
    labels[:3] = [7, 8, 8]
    x = rng.standard_normal((n, d)) + 0.7 * labels[:, None]
    x[:20] = np.round(x[:20])
    codes = np.unique(labels, return_inverse=True)[1]
    terms = ross_mi_terms(x, codes, 3, 1e-10, np.random.default_rng(0))
    assert terms.shape == (n - 1,)  # the singleton is left out
    reference = mixed_mutual_information(x, labels, k=3, unit="nats")  # same jitter (seed 0)
    assert terms.mean() == pytest.approx(reference.value, abs=1e-9)


def test_compressed_discrete_y_has_a_standard_error():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((1000, 2))
    x = z @ rng.standard_normal((2, 40))
    est = mutual_information(x, (z[:, 0] > 0).astype(int), method="compressed")
    assert est.settings["estimator"] == "knn_mixed"
    assert 0 < est.stderr < 0.05
