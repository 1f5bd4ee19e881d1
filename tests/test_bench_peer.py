"""benchmarks/bench_peer.py measures what infoplane measures: its PyTorch side's binned plane of
a network equals the NumPy reference of ours on the same activations."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from infoplane.data import split, tishby12
from infoplane.estimators.binning import binned_information_reference
from infoplane.estimators.bins import Bins

torch = pytest.importorskip("torch")


def _bench():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_peer.py"
    spec = importlib.util.spec_from_file_location("bench_peer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_peer_plane_is_ours_on_the_same_activations():
    bench = _bench()
    data = tishby12()
    rows = split(data, "idnns", 0.8)
    x, y = torch.as_tensor(data.x), torch.as_tensor(data.y, dtype=torch.long)
    train = torch.zeros(len(y), dtype=torch.bool)
    train[torch.as_tensor(rows.train)] = True
    net = bench._network(0)
    with torch.no_grad():  # larger weights than at initialisation: more occupied bins
        for m in net:
            if isinstance(m, torch.nn.Linear):
                m.weight *= 3.0
    got = bench._measure(net, x, y, train, ~train, torch.linspace(-1.0, 1.0, 30))
    layers, h = [], x
    with torch.no_grad():
        for m in net:
            h = m(h)
            if isinstance(m, torch.nn.Tanh):
                layers.append(h.numpy())
        layers.append(torch.softmax(h, dim=1).numpy())
    edges = Bins("fixed", 30, -1.0, 1.0).edges()
    want = np.array([binned_information_reference(t, data.y, edges) for t in layers])
    # The same counts of the same bins: equal to the rounding of the entropy sums.
    np.testing.assert_allclose(got["I_XT"], want[:, 0], atol=1e-9)
    np.testing.assert_allclose(got["I_TY"], want[:, 1], atol=1e-9)
    assert got["I_XT"][0] > 6.0  # the first layer separates thousands of inputs
    assert 0.0 <= got["train_acc"] <= 1.0 and got["train_loss"] > 0.0
