"""Reproductions of published results, one module per study, each declared in one registry.

Every study module declares itself once, ``STUDY = Study(name, title, scales, run, docs)``
(``_registry``): its scales ("quick", a seconds-long smoke test of the same code; "default";
"full", the paper's protocol) are three sets of sizes of one dataclass. Its run function has
one signature,

    run(overrides=None, out=None, *, scale="default", resume=False, overwrite=False,
        progress=True) -> dict

where ``overrides`` are RunConfig field changes applied on top of the study's protocol at that
scale. It writes its figures (PNG and PDF) and a ``results.json`` with its numbers beside the
published claims into ``out`` (default ``results/NAME``) and returns those results.
``infoplane reproduce NAME`` lands in ``run_study``; ``infoplane reproduce --list`` lists the
registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ._registry import SCALES, Sizes, Study, names, sizes_at, studies, study

__all__ = ["SCALES", "Sizes", "Study", "names", "run_study", "sizes_at", "studies", "study"]


def run_study(name: str, overrides: Mapping | None = None, out: str | Path | None = None, *,
              scale: str = "default", resume: bool = False, overwrite: bool = False,
              progress: bool = True) -> dict:
    """Run the study ``name`` (one of ``names()``) and return its results.

    Args:
        name: the study.
        overrides: RunConfig field changes on top of the study's protocol, e.g.
            ``{"seeds": 4, "epochs": 100}``; checked by ``RunConfig.replace``.
        out: the output folder (default ``results/NAME``).
        scale: "quick", "default" or "full".
        resume: continue the runs already in ``out``.
        overwrite: replace the runs already in ``out``.
        progress: show progress bars.

    Returns:
        The contents of the study's results.json: its numbers and its claims.
    """
    s = study(name)
    s.sizes(scale)  # an unknown scale fails before any work
    return s.run(overrides, out, scale=scale, resume=resume, overwrite=overwrite,
                 progress=progress)
