"""Statistics shared by every stage: the confidence interval of a mean over seeds, and the
points of a plane outside their bracket.

Kept below training in the pipeline so that a run's ``information.npz`` can carry the
intervals it is written with; ``infoplane.analysis.seed_interval`` is the public name.
"""

from __future__ import annotations

import math

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


def outside_bracket(value: np.ndarray, stderr, lower: np.ndarray, lower_stderr: np.ndarray,
                    upper: np.ndarray, unit: str, what: str = "I(T;Y)",
                    bounds: tuple[str, str] = ("the probe bound", "H(Y)"),
                    reason: str = "the estimator misses information a cross-fitted classifier "
                                  "proves there",
                    names=None) -> tuple[np.ndarray, list[str]]:
    """Where plane values lie outside their bracket [lower, upper], and what to say about it.

    A point is outside when it is below ``lower`` (a lower bound with its standard error) or
    above ``upper`` by more than twice their combined standard error plus 0.01 bit: a value
    there contradicts what a probe or the labels prove, and the estimator is wrong at it.

    Args:
        value, stderr: the plane's values and standard errors (None: zero), [..., layer].
        lower, lower_stderr, upper: the bracket, same shape.
        unit: the unit of all of them.
        what: the quantity's name for the messages; bounds: the names of lower and upper;
            reason: what a point outside means.
        names: the layers' names for the messages (default: their positions).

    Returns:
        (mask, one message per layer with points outside).
    """
    se = np.zeros_like(value) if stderr is None else np.nan_to_num(np.asarray(stderr))
    slack = 2 * np.sqrt(se**2 + lower_stderr**2) + (0.01 if unit == "bits" else
                                                      0.01 * math.log(2))
    below, above = value < lower - slack, value > upper + slack
    mask = below | above
    messages = []
    for j in range(value.shape[-1]):
        b, a = int(below[..., j].sum()), int(above[..., j].sum())
        if b or a:
            gap = float(np.max(np.where(below[..., j], lower[..., j] - value[..., j], 0.0)))
            parts = ([f"{b} below {bounds[0]} (by up to {gap:.3g} {unit})"] if b else []) \
                + ([f"{a} above {bounds[1]}"] if a else [])
            layer = names[j] if names is not None else j
            messages.append(f"{what} of layer {layer} is outside its bracket at {b + a} of "
                            f"{mask[..., j].size} points: {', '.join(parts)}; {reason}")
    return mask, messages


def outside_xt_bracket(value: np.ndarray, stderr, lower: np.ndarray, upper: np.ndarray,
                       unit: str, names=None) -> tuple[np.ndarray, list[str]]:
    """``outside_bracket`` for a noisy layer's I(X;T) and its Kolchinsky-Tracey pair of bounds
    (exact numbers of the activations given, without standard errors)."""
    return outside_bracket(value, stderr, lower, np.zeros_like(lower), upper, unit,
                           what="I(X;T)", names=names,
                           bounds=("the Kolchinsky-Tracey lower bound", "their upper bound"),
                           reason="the noisy layer's I(X;T) lies between these bounds")
