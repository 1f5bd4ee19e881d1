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
    "saxe2018_activations": "Saxe et al. (2018): tanh, relu, softsign, softplus; binning and KDE",
    "estimator_sensitivity": "one set of runs, the plane under 10-256 bins and 3 KDE noise levels",
    "generalisation": "training on 30% versus 80% of the data; test loss and early stopping",
    "initialisation": "zero, small normal, Glorot and He initialisation for tanh and relu",
    "regularisation": "dropout, L2 weight decay and Gaussian unit noise on the plane",
    "ib_bound": "the information-bottleneck curve of noisy tishby12 under the trajectories",
    "data_drift": "switching to shifted data mid-training: forgetting and re-fitting",
    "digits": "scikit-learn's 8x8 digits with a wider MLP; binning and KDE",
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
