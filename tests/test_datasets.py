import numpy as np
import pytest

from infoplane import (
    Dataset,
    InfoplaneError,
    digits,
    load_dataset,
    load_mat,
    load_npz,
    split,
    tishby12,
)


def test_tishby12_matches_var_u_bit_for_bit(var_u_path):
    generated, original = tishby12(), load_mat(var_u_path)
    assert original.x.shape == (4096, 12)
    np.testing.assert_array_equal(generated.x, original.x)
    np.testing.assert_array_equal(generated.y, original.y)


def test_tishby12_published_facts():
    d = tishby12()
    assert d.x.shape == (4096, 12) and d.x.dtype == np.float32
    # Row i is the binary expansion of i, most significant bit first.
    assert d.x[5].tolist() == [0] * 9 + [1, 0, 1]
    assert int(d.y.sum()) == 2118
    p = d.y.mean()
    h_y = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    assert h_y == pytest.approx(0.99916, abs=5e-6)  # the published H(Y), 5 digits
    # Weights 0-4 are all 0, weights 8-12 all 1; 60, 532 and 732 ones at weights 5, 6, 7.
    k = d.x.sum(axis=1)
    assert d.y[k <= 4].sum() == 0 and d.y[k >= 8].all()
    assert [int(d.y[k == w].sum()) for w in (5, 6, 7)] == [60, 532, 732]


def test_label_invariant_under_an_icosahedral_rotation():
    # The 5-fold rotation about the axis through vertices 0 and 9 permutes the 5 neighbours of
    # 0 cyclically; the label depends only on the icosahedral structure, so it must not change.
    from infoplane.data.datasets import ICOSAHEDRON_EDGES

    edges = {frozenset(e) for e in ICOSAHEDRON_EDGES}
    neighbours = sorted(v for e in edges if 0 in e for v in e if v != 0)
    assert len(neighbours) == 5
    d = tishby12()
    # Find a permutation of the bits preserving edges with 0 fixed, by brute force over a
    # small search: use the automorphism group via networkx-free backtracking.
    perm = _edge_automorphism_fixing(0, edges)
    assert perm is not None
    idx = (d.x[:, perm] * (1 << np.arange(11, -1, -1))).sum(axis=1).astype(int)
    np.testing.assert_array_equal(d.y[idx], d.y)


def _edge_automorphism_fixing(v0, edges):
    """A non-identity vertex permutation preserving the edge set and fixing v0 (backtracking)."""
    n = 12
    adj = {v: {u for e in edges if v in e for u in e if u != v} for v in range(n)}

    def extend(mapping):
        if len(mapping) == n:
            return mapping if any(mapping[v] != v for v in mapping) else None
        v = len(mapping)
        for image in range(n):
            if image in mapping.values():
                continue
            if all((u in adj[v]) == (mapping[u] in adj[image]) for u in mapping):
                found = extend({**mapping, v: image})
                if found:
                    return found
        return None

    m = extend({v0: v0}) if v0 == 0 else None
    return None if m is None else [m[v] for v in range(n)]


def test_npz_split_file_joins_train_and_test(tmp_path):
    d = tishby12()
    path = tmp_path / "split.npz"
    np.savez(path, X_train=d.x[:10].astype(np.uint8), y_train=d.y[:10],
             X_test=d.x[10:15], y_test=np.eye(2)[d.y[10:15]])
    loaded = load_npz(path)
    np.testing.assert_array_equal(loaded.x, d.x[:15])
    np.testing.assert_array_equal(loaded.y, d.y[:15])


def test_loaders_give_clear_errors(tmp_path):
    with pytest.raises(InfoplaneError, match="no such file"):
        load_mat(tmp_path / "missing.mat")
    bad = tmp_path / "bad.npz"
    np.savez(bad, X=np.zeros((3, 2)), y=np.zeros(4))
    with pytest.raises(InfoplaneError, match="3 inputs but 4 labels"):
        load_npz(bad)
    other = tmp_path / "other.npz"
    np.savez(other, inputs=np.zeros((3, 2)))
    with pytest.raises(InfoplaneError, match="no array 'X'"):
        load_npz(other)
    nan = tmp_path / "nan.npz"
    np.savez(nan, X=np.array([[np.nan], [0.0]]), y=np.array([0, 1]))
    with pytest.raises(InfoplaneError, match="NaN"):
        load_npz(nan)
    with pytest.raises(InfoplaneError, match="unknown dataset"):
        load_dataset("mnist-from-the-internet")


def test_splits():
    d = tishby12()
    s = split(d, "idnns", 0.8)
    assert len(s.train) == 3277 and s.train.tolist() == list(range(3277))
    r1, r2 = split(d, "random", 0.3, seed=1), split(d, "random", 0.3, seed=1)
    np.testing.assert_array_equal(r1.train, r2.train)
    assert len(r1.train) == round(0.3 * 4096)
    assert set(r1.train).isdisjoint(r1.test) and len(r1.train) + len(r1.test) == 4096
    st = split(d, "stratified", 0.5, seed=0)
    assert abs(d.y[st.train].mean() - d.y.mean()) < 1e-3
    with pytest.raises(InfoplaneError, match="unknown split"):
        split(d, "sorted")
    with pytest.raises(InfoplaneError, match="train_fraction"):
        split(d, "random", 0.0)


def test_digits_is_ten_classes():
    d = digits()
    assert isinstance(d, Dataset) and d.n_classes == 10 and d.x.max() <= 1.0
