"""The warning before a process runs out of memory mappings for compiled programs."""

import warnings

import pytest

from infoplane import _mappings
from infoplane._mappings import MappingLimitWarning, mapping_counts, mapping_message


def test_message_only_above_the_fraction():
    assert mapping_message(52_424, 65_530) is None  # exactly 80%: not above
    text = mapping_message(52_425, 65_530)
    assert text is not None and "52425" in text and "jax.clear_caches()" in text
    assert mapping_message(10, 100, fraction=0.05) is not None


def test_counts_read_from_proc(tmp_path):
    maps, limit = tmp_path / "maps", tmp_path / "limit"
    maps.write_text("a\nb\nc\n")
    limit.write_text("65530\n")
    assert mapping_counts(maps, limit) == (3, 65530)
    assert mapping_counts(tmp_path / "missing", limit) is None
    limit.write_text("not a number")
    assert mapping_counts(maps, limit) is None


def test_this_process_has_counts_on_linux():
    counts = mapping_counts()
    if counts is None:
        pytest.skip("no /proc here")
    held, allowed = counts
    assert 0 < held < allowed


def test_train_warns_near_the_limit(monkeypatch):
    from infoplane.training.config import preset
    from infoplane.training.loop import train

    monkeypatch.setattr(_mappings, "mapping_counts", lambda: (60_000, 65_530))
    with pytest.warns(MappingLimitWarning, match="60000 memory mappings"):
        # a bad configuration stops train right after the check: nothing is compiled
        with pytest.raises(ValueError):
            train(preset("tiny").replace(epochs=-1), None, progress=False)
    monkeypatch.setattr(_mappings, "mapping_counts", lambda: (1_000, 65_530))
    with warnings.catch_warnings():
        warnings.simplefilter("error", MappingLimitWarning)
        with pytest.raises(ValueError):
            train(preset("tiny").replace(epochs=-1), None, progress=False)
