"""Statistics shared by every stage: the confidence interval of a mean over seeds.

Kept below training in the pipeline so that a run's ``information.npz`` can carry the
intervals it is written with; ``infoplane.analysis.seed_interval`` is the public name.
"""

from __future__ import annotations

import numpy as np

from ._errors import InfoplaneError


def seed_interval(values, level: float = 0.95) -> dict:
    """The mean over seeds (axis 0) and its Student-t confidence interval.

    ``mean +- t_{(1+level)/2, S-1} * std(ddof=1) / sqrt(S)`` for S seeds; with one seed the
    interval is the value itself (no spread can be estimated), said by ``seeds`` = 1.

    Args:
        values: [seed, ...] one number (or array) per seed.
        level: the confidence level, in (0, 1).

    Returns:
        "mean", "low", "high" (arrays of the trailing shape, floats for scalars) and "seeds".
    """
    from scipy.stats import t as student_t

    v = np.asarray(values, dtype=float)
    if v.ndim == 0 or v.shape[0] == 0:
        raise InfoplaneError(f"values must have a seed axis first with >= 1 seed, got {v.shape}")
    if not 0.0 < level < 1.0:
        raise InfoplaneError(f"level must be in (0, 1), got {level}")
    mean = v.mean(axis=0)
    s = v.shape[0]
    half = (student_t.ppf(0.5 + level / 2, s - 1) * v.std(axis=0, ddof=1) / np.sqrt(s)
            if s > 1 else np.zeros_like(mean))
    return {"mean": mean, "low": mean - half, "high": mean + half, "seeds": s}
