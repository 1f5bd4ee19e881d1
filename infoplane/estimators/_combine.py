"""Estimates built from other estimates: the chain rules of the conditional quantities, the
joint entropy and the total correlation (``_api``, ``_api_mi``)."""

from __future__ import annotations

from collections.abc import Sequence

from ._interface import Estimate, negative_warning

# Quantities that are >= 0 in truth, so that a negative sum is flagged.
_NON_NEGATIVE = ("mutual_information", "conditional_mutual_information", "total_correlation")


def relabel(est: Estimate, quantity: str, settings: dict | None = None) -> Estimate:
    """The same estimate under another quantity name, with extra settings merged in."""
    merged = dict(est.settings, **(settings or {}))
    return Estimate(est.value, est.unit, est.method, quantity, est.n, merged, est.stderr,
                    est.warnings)


def combine(parts: Sequence[tuple[float, Estimate]], method: str, quantity: str, unit: str,
            settings: dict) -> Estimate:
    """sum weight * estimate over ``parts`` [(weight, Estimate)], in ``unit``.

    The warnings of the parts are carried over (a negative part's own "negative estimate"
    warning replaced by one about the sum, for quantities >= 0); the stderr is dropped.
    """
    value = float(sum(sign * float(e.to(unit)) for sign, e in parts))
    warnings = tuple(dict.fromkeys(w for _, e in parts for w in e.warnings))
    if quantity in _NON_NEGATIVE:
        warnings = negative_warning(value, method) + tuple(
            w for w in warnings if not w.startswith("negative estimate"))
    return Estimate(value, unit, method, quantity, parts[0][1].n, settings, None, warnings)
