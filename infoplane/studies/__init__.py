"""Reproductions of published results, one module per study, each with a quick setting.

Every study writes its figures (PNG and PDF) and a ``results.json`` with its numbers beside the
published claims into an output folder. ``infoplane reproduce NAME`` and
``python analyses/NAME.py`` both land in ``run_study``.
"""

from __future__ import annotations

import argparse
import importlib

from .._errors import check_choice

STUDIES = {
    "tishby2017": "Shwartz-Ziv & Tishby (2017): the information plane and gradient SNR",
}


def run_study(name: str, args: argparse.Namespace) -> dict:
    """Run the study ``name`` with command-line options ``args``; return its results."""
    check_choice("study", name, STUDIES)
    module = importlib.import_module(f".{name}", __name__)
    return module.run(args)


def main(name: str, argv: list[str] | None = None) -> int:
    """Entry point of ``analyses/NAME.py``: the same options as ``infoplane reproduce NAME``."""
    from ..cli import main as cli_main

    return cli_main(["reproduce", name, *(argv if argv is not None else _argv())])


def _argv() -> list[str]:
    import sys

    return sys.argv[1:]
