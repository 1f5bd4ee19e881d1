"""results.json of every study (studies/_common.write_results): the provenance record, and one
writer in a distributed run."""

import json

import jax  # noqa: F401  (writes_here asks the distributed run only once JAX is imported)

from infoplane.studies import _common
from infoplane.training import distributed


def test_results_carry_provenance(tmp_path, capsys):
    results = _common.write_results(tmp_path, "demo", {"x": 1.0}, [], 0.0, scale="quick")
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved == results
    prov = saved["provenance"]
    assert prov["source"] == str(tmp_path) and {"jax", "numpy"} <= set(prov["versions"])
    assert "smoke test" in capsys.readouterr().out


def test_only_the_writer_writes(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(distributed, "is_writer", lambda: False)
    results = _common.write_results(tmp_path, "demo", {"x": 1.0}, [], 0.0)
    assert not (tmp_path / "results.json").exists()
    assert results["numbers"] == {"x": 1.0} and capsys.readouterr().out == ""
