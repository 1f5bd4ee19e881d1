import importlib
import inspect
import re

import pytest

from infoplane import InfoplaneError
from infoplane.studies import STUDIES, run_study


def test_every_study_has_run_study_signature():
    expected = list(inspect.signature(run_study).parameters.values())[1:]  # all but the name
    for name in STUDIES:
        run = importlib.import_module(f"infoplane.studies.{name}").run
        assert list(inspect.signature(run).parameters.values()) == expected, name


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"overrides": {"colour": "red"}}, "unknown configuration field(s): colour"),
    ({"scale": "huge"}, "unknown scale 'huge'; valid scales are: default, full, quick"),
])
def test_bad_settings_fail_before_any_work(kwargs, message, tmp_path):
    with pytest.raises(InfoplaneError, match=re.escape(message)):
        run_study("tishby2017", out=tmp_path / "t17", **kwargs)
    assert not (tmp_path / "t17").exists()


def test_unknown_study():
    with pytest.raises(InfoplaneError, match="unknown study 'tishby2018'"):
        run_study("tishby2018")
