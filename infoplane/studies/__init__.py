"""Reproductions of published results, one module per study, each with a quick setting.

Every study is a function with one signature,

    run(overrides=None, out=None, *, scale="default", resume=False, overwrite=False,
        progress=True) -> dict

where ``overrides`` are RunConfig field changes applied on top of the study's protocol at that
``scale`` ("quick": a seconds-long smoke test, "default", "full": the paper's protocol). It
writes its figures (PNG and PDF) and a ``results.json`` with its numbers beside the published
claims into ``out`` (default ``results/NAME``) and returns those results.
``infoplane reproduce NAME`` and ``python analyses/NAME.py`` both land in ``run_study``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path

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
    "capacity": "one hidden layer of 1 to 64 units: accuracy and the plane against width; "
                "Barron's rate",
    "uncertainty": "predictive entropy, the loss against H(Y|T), calibration as a network overfits",
    "random_labels": "Zhang et al. (2017): 0-100% random labels; the plane on true and "
                     "trained labels",
    "optimiser_noise": "SGD batch 32 and 256, full-batch GD and Adam: does compression need "
                       "SGD noise?",
    "redundancy": "total correlation and irrelevant information I(X;T|Y) of each layer, with and "
                  "without dropout and unit noise",
    "online_drift": "a gradually rotating stream: online updates against a frozen and a "
                    "periodically retrained model",
    "butakov2024_cnn": "Butakov et al. (2024): noisy CNNs on MNIST-1D and digits, the plane of "
                       "every layer by compressed MI, binning and KDE beside it",
    "lorenzen2022": "Lorenzen et al. (2022): the exact plane of 8-bit quantised networks "
                    "(tanh, ReLU, a bottleneck), float binning and every estimator beside it",
}


def run_study(name: str, overrides: Mapping | None = None, out: str | Path | None = None, *,
              scale: str = "default", resume: bool = False, overwrite: bool = False,
              progress: bool = True) -> dict:
    """Run the study ``name`` (one of ``STUDIES``) and return its results.

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
    check_choice("study", name, STUDIES)
    module = importlib.import_module(f".{name}", __name__)
    return module.run(overrides, out, scale=scale, resume=resume, overwrite=overwrite,
                      progress=progress)
