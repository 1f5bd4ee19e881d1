"""The registry of studies: each study module declares itself once, as ``STUDY = Study(...)``.

A study is found by its module: every public module of ``infoplane.studies`` is a study, and
its ``STUDY`` says what it is (a one-line title, its docs page, its run function) and how big
it is at each scale. The command line (``infoplane reproduce``), the docs site and the tests
read this registry, so that adding a study is one module, its docs page and its test.

Scales differ only in sizes. Each study declares its sizes at "quick", "default" and "full"
as three instances of one frozen dataclass (``Sizes``, the RunConfig fields a scale sets, or a
dataclass of the study's own: conditions, widths, rows, a stream), and its code reads the
sizes, never the scale's name, so that the quick scale (the test suite's smoke test) runs the
code of the real runs.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .._errors import check_choice

SCALES = ("quick", "default", "full")
# Whether a scale's verdicts are findings: the quick scale is a smoke test of the same code
# on sizes too small to reproduce anything, so its results.json says so and shows no verdicts.
FINDINGS = {"quick": False, "default": True, "full": True}
_PACKAGE = __name__.rpartition(".")[0]


@dataclass(frozen=True)
class Sizes:
    """A study's sizes at one scale.

    Attributes:
        config: the RunConfig fields the scale sets on top of the study's protocol (seeds,
            epochs, logged epochs, widths); the same fields at every scale.
    """

    config: Mapping[str, Any]


@dataclass(frozen=True)
class ConditionSizes:
    """The sizes at one scale of a study that compares conditions.

    Attributes:
        config: the RunConfig fields the scale sets on top of the study's protocol.
        conditions: the conditions trained (the study's names for them); the quick scale
            runs a few of them, through the same code.
    """

    config: Mapping[str, Any]
    conditions: tuple


S = TypeVar("S")


@dataclass(frozen=True)
class Study(Generic[S]):
    """One study, as its module declares it.

    Attributes:
        name: the study's name, its module's (``infoplane reproduce NAME``).
        title: what it asks, in one line.
        scales: "quick", "default" and "full" -> its sizes, three instances of one frozen
            dataclass (``Sizes`` or the study's own).
        run: ``run(overrides=None, out=None, *, scale="default", resume=False,
            overwrite=False, progress=True) -> dict``.
        docs: its page of the docs site, relative to ``docs/``.
    """

    name: str
    title: str
    scales: Mapping[str, S]
    run: Callable[..., dict]
    docs: str

    def sizes(self, scale: str) -> S:
        """The sizes at ``scale``; an unknown scale is an InfoplaneError."""
        return sizes_at(self.scales, scale)


def sizes_at(scales: Mapping[str, S], scale: str) -> S:
    """``scales[scale]``; an unknown scale is an InfoplaneError naming the valid ones."""
    check_choice("scale", scale, SCALES)
    return scales[scale]


def sizes_dict(sizes: Sizes) -> dict:
    """The sizes as a plain dict, for results.json and ``infoplane reproduce --list``."""
    return dataclasses.asdict(sizes)


def names() -> tuple[str, ...]:
    """The names of the registered studies, sorted, without importing them: the public modules
    of ``infoplane.studies``."""
    package = importlib.import_module(_PACKAGE)
    return tuple(sorted(m.name for m in pkgutil.iter_modules(package.__path__)
                        if not m.name.startswith("_")))


def study(name: str) -> Study:
    """The study ``name`` as its module declares it; an unknown name is an InfoplaneError."""
    check_choice("study", name, names())
    return importlib.import_module(f"{_PACKAGE}.{name}").STUDY


def studies() -> dict[str, Study]:
    """Every registered study, by name (imports every study module: JAX and matplotlib)."""
    return {name: study(name) for name in names()}
