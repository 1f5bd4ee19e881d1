"""The trust check: how far an estimator can be trusted at given sample size and dimensions.

``trust_check(method, n, dx, dy)`` runs the mutual-information estimator ``method`` (None: the
default, as ``mutual_information`` chooses it) on the ground-truth tasks of
``ground_truth.standard_tasks(dx, dy)`` (Gaussian, independent, Student-t, low-dimensional
latents under a tanh warp and under ambient noise), each drawn ``n`` samples with every seed,
and returns a :class:`TrustTable`: per task the truth, the mean and the spread (s.d. over seeds)
of the estimate, the bias, and the mean reported standard error, all in bits.
:func:`format_trust_table` prints it as Markdown (which reads well in a terminal).

A figure made with estimator M at n samples of layers with d units can carry the table of
``trust_check(M, n, d_X, d_T)`` for I(X;T), and of ``trust_check(M, n, d_T, 1, classes=K)`` for
I(T;Y) against K class labels: the bias there is what the estimator does to data whose answer
is known, at the same sizes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from .._errors import InfoplaneError, check_positive_int
from ._api_mi import mutual_information
from ._label_tasks import label_tasks, layer_tasks
from .ground_truth import standard_tasks


class TrustRow(NamedTuple):
    """One task of the trust check, in bits; ``stderr`` is None when the method gives none."""

    task: str
    truth: float
    mean: float
    spread: float
    bias: float
    stderr: float | None
    method: str


class TrustTable(NamedTuple):
    """The result of :func:`trust_check`: its rows and what was checked."""

    rows: tuple[TrustRow, ...]
    method: str
    n: int
    dx: int
    dy: int
    seeds: tuple[int, ...]
    settings: Mapping
    classes: int | None = None

    @property
    def mean_absolute_bias(self) -> float:
        """The mean over tasks of |bias|, in bits."""
        return float(np.mean([abs(r.bias) for r in self.rows]))


def trust_check(method: str | None, n: int, dx: int, dy: int, settings: Mapping | None = None,
                seeds: Sequence[int] = (0, 1, 2), *, classes: int | None = None) -> TrustTable:
    """Run ``method`` on ground-truth tasks of n samples and dimensions dx, dy.

    Args:
        method: a mutual-information method name (continuous x and y, or continuous x and
            labels with ``classes``), or None for the default.
        n: samples per draw (at least 32).
        dx, dy: dimensions of x and y (dy = 1 with ``classes``).
        settings: the method's settings, as given to ``mutual_information``.
        seeds: one draw of every task per seed.
        classes: None for continuous y (``ground_truth.standard_tasks``); K >= 2 for class
            labels y in 0..K-1 (``_label_tasks.label_tasks``: independent labels, Gaussian
            classes, bins of a warped or noisy latent; and for dx >= 8
            ``_label_tasks.layer_tasks``: a warped layer, high-variance nuisance dimensions
            mixed in and beside, weak signal spread over many directions, near-deterministic
            labels, where PCA compression and kNN lose bits), the I(T;Y) of a layer.

    Returns:
        A TrustTable (``format_trust_table`` prints it).

    Raises:
        InfoplaneError: bad sizes, no seeds, or what the method raises for these sizes.
    """
    n, dx, dy = (check_positive_int(name, v) for name, v in (("n", n), ("dx", dx), ("dy", dy)))
    if n < 32:
        raise InfoplaneError(f"n={n}: the trust check needs at least 32 samples")
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise InfoplaneError("seeds is empty; pass at least one seed (three or more for a spread)")
    settings = dict(settings or {})
    if classes is not None:
        classes = check_positive_int("classes", classes)
        if classes < 2 or dy != 1:
            raise InfoplaneError(f"class labels need classes >= 2 and dy = 1, got "
                                 f"classes={classes}, dy={dy}")
    if classes is None:
        tasks = standard_tasks(dx, dy)
    else:  # the wide-layer families need room for their latents
        tasks = label_tasks(dx, classes) + (layer_tasks(dx, classes) if dx >= 8 else ())
    rows = []
    for task in tasks:
        ests = [mutual_information(*task.sample(np.random.default_rng(10_000 + s), n),
                                   method=method, **settings) for s in seeds]
        values = np.asarray([float(e) for e in ests])
        ses = [e.stderr for e in ests if e.stderr is not None]
        spread = float(values.std(ddof=1)) if len(values) > 1 else math.nan
        rows.append(TrustRow(task.name, task.truth, float(values.mean()), spread,
                             float(values.mean() - task.truth),
                             float(np.mean(ses)) if ses else None, ests[0].method))
    name = "default" if method is None else method
    return TrustTable(tuple(rows), name, n, dx, dy, seeds, settings, classes)


def format_trust_table(table: TrustTable) -> str:
    """The table as Markdown text (a header line, the rows, and the mean |bias|)."""
    shown = "".join(f", {k}={v}" for k, v in table.settings.items())
    dy = f"dy = {table.dy}" if table.classes is None else f"y = {table.classes} classes"
    lines = [f"Trust check: {table.method}{shown} at n = {table.n}, dx = {table.dx}, "
             f"{dy}, {len(table.seeds)} seed{'s' * (len(table.seeds) != 1)} (bits; spread: "
             "s.d. over seeds, '-' with one seed)", "",
             "| task | truth | estimate | spread | bias | stderr | method |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in table.rows:
        se = "-" if r.stderr is None else f"{r.stderr:.3f}"
        spread = "-" if math.isnan(r.spread) else f"{r.spread:.3f}"
        lines.append(f"| {r.task} | {r.truth:.3f} | {r.mean:.3f} | {spread} | "
                     f"{r.bias:+.3f} | {se} | {r.method} |")
    lines += ["", f"Mean |bias|: {table.mean_absolute_bias:.3f} bits."]
    return "\n".join(lines)
