"""The registry of estimator methods: adding one entry makes a method usable everywhere."""

import contextlib
import inspect
import math

import numpy as np
import pytest

from infoplane import Estimate, InfoplaneError, entropy, mutual_information, total_correlation
from infoplane.estimators import method_names
from infoplane.estimators._entries import BUILTIN_METHODS
from infoplane.estimators._interface import Estimator, Method
from infoplane.estimators._registry import register, unregister


def _correlation_mi(x, y, *, kinds, unit, shrink):
    """I = -1/2 log2(1 - r^2) of 1-D x, y: the Gaussian MI from the sample correlation r."""
    r = (1.0 - shrink) * np.corrcoef(np.ravel(x), np.ravel(y))[0, 1]
    bits = -0.5 * math.log2(1.0 - r * r)
    value = bits if unit == "bits" else bits * math.log(2.0)
    return Estimate(value, unit, "toy", "mutual_information", len(x), {"shrink": shrink})


TOY = Method("toy", {"shrink": 0.0},
             mutual_information=Estimator(_correlation_mi, kinds=(("c", "c"),)))


@contextlib.contextmanager
def _registered(method):
    register(method)
    try:
        yield method
    finally:
        unregister(method.name)


def _gauss(n=500, rho=0.6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    return x, rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n)


def test_a_registered_method_is_called_through_mutual_information():
    x, y = _gauss()
    with _registered(TOY):
        est = mutual_information(x, y, method="toy")
        # The sample correlation is the same with any ddof, so "gaussian" agrees to round-off.
        gauss = mutual_information(x, y, method="gaussian")
        assert (est.method, est.settings) == ("toy", {"shrink": 0.0})  # the default filled in
        assert est.value == pytest.approx(gauss.value, abs=1e-12)
        assert mutual_information(x, y, method="toy", shrink=0.5).settings["shrink"] == 0.5
        assert mutual_information(x, y, method="toy", unit="nats").unit == "nats"
        # The chain rule of total correlation takes it too: two columns, one MI term.
        tc = total_correlation(np.c_[x, y], method="toy")
        assert tc.value == pytest.approx(est.value, abs=1e-12)
        with pytest.raises(InfoplaneError, match="does not take setting"):
            mutual_information(x, y, method="toy", k=3)
        with pytest.raises(InfoplaneError, match="does not apply.*methods that do: kl.*"):
            entropy(x, method="toy")
        with pytest.raises(InfoplaneError, match=r"methods that do: copula, .*toy"):
            mutual_information(x, y, method="knn_mixed")
        assert "toy" in method_names()
    assert "toy" not in method_names()
    with pytest.raises(InfoplaneError, match="unknown method 'toy'"):
        mutual_information(x, y, method="toy")


def test_register_rejects_clashes():
    with pytest.raises(InfoplaneError, match="already registered"):
        register(Method("ksg1"))
    second_default = Method("toy", mutual_information=Estimator(
        _correlation_mi, kinds=(("c", "c"),), default_for=(("c", "c"),)))
    with pytest.raises(InfoplaneError, match="copula is"):
        register(second_default)
    with pytest.raises(InfoplaneError, match="kinds must be"):
        register(Method("toy", entropy=Estimator(_correlation_mi, kinds=("x",))))
    assert "toy" not in method_names()


def test_one_default_per_kind():
    defaults = {}
    for method in BUILTIN_METHODS:
        for quantity in ("entropy", "mutual_information"):
            estimator = getattr(method, quantity)
            for kind in estimator.default_for if estimator else ():
                defaults.setdefault((quantity, kind), []).append(method.name)
    assert defaults == {
        ("entropy", "d"): ["plugin"], ("entropy", "c"): ["kl"],
        ("mutual_information", ("d", "d")): ["plugin"],
        ("mutual_information", ("c", "d")): ["knn_mixed"],
        ("mutual_information", ("c", "c")): ["copula"],
    }


@pytest.mark.parametrize("method", BUILTIN_METHODS, ids=lambda m: m.name)
def test_every_setting_reaches_the_adapters(method):
    # Each adapter must accept every setting of its entry (they are all passed, defaults
    # filled in): a setting missing from an adapter's signature would fail at the call.
    for quantity in ("entropy", "mutual_information"):
        estimator = getattr(method, quantity)
        if estimator is None:
            continue
        signature = inspect.signature(estimator.fn)
        extra = {"kind": "c"} if quantity == "entropy" else {"kinds": ("c", "c")}
        args = (None,) if quantity == "entropy" else (None, None)
        signature.bind(*args, unit="bits", **extra, **method.settings)


def test_issue_11_methods_are_registered_with_their_defaults():
    from infoplane.defaults import COMPRESS_VARIANCE, KL_WEIGHTED_K

    names = method_names()
    assert {"kl_weighted", "compressed"} <= set(names)
    entry = next(m for m in BUILTIN_METHODS if m.name == "compressed")
    assert entry.settings["variance"] == COMPRESS_VARIANCE
    assert entry.settings["compressor"] == "pca" and entry.settings["estimator"] == "copula"
    assert next(m for m in BUILTIN_METHODS if m.name == "kl_weighted").settings["k"] == (
        KL_WEIGHTED_K)
    with pytest.raises(InfoplaneError, match="does not take setting"):
        mutual_information(*_gauss(), method="compressed", bins=3)
