"""How continuous values are discretised: the ``Bins`` specification (no JAX here, so that a
run's configuration can hold one without importing the estimators' compiled code)."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._errors import InfoplaneError, check_choice, check_positive_int
from ..defaults import BIN_HIGH, BIN_LOW, BIN_RULE, N_BINS

BIN_RULES = ("fixed", "layer", "quantile")


class Bins(NamedTuple):
    """How continuous activations are discretised, counting bins as the IDNNs and ibsgd code do.

    Attributes:
        rule: "fixed" (``n_bins`` edges linspace(low, high, n_bins), np.digitize semantics, so
            values below low land in bin 0 and values >= high in bin n_bins: overflow bins),
            "layer" (the same edges over the layer's own min..max at that epoch, which is what
            "bins that follow the activation range" asks for) or "quantile" (per unit,
            ``n_bins`` bins holding equal numbers of samples).
        n_bins: the number of edges (IDNNs: 30) for "fixed" and "layer"; bins for "quantile".
        low, high: the range for "fixed" (IDNNs: [-1, 1]; Saxe's ReLU setting: the global
            min..max of the unit type over all units and epochs, known after training).
    """

    rule: str = BIN_RULE
    n_bins: int = N_BINS
    low: float = BIN_LOW
    high: float = BIN_HIGH

    @classmethod
    def idnns(cls) -> Bins:
        """30 edges on [-1, 1], the setting of Shwartz-Ziv & Tishby (2017)."""
        return cls("fixed", 30, -1.0, 1.0)

    def validate(self) -> Bins:
        check_choice("bin rule", self.rule, BIN_RULES)
        check_positive_int("n_bins", self.n_bins)
        if self.n_bins < 2:
            raise InfoplaneError(f"n_bins must be at least 2, got {self.n_bins}")
        if self.rule == "fixed" and not (
            math.isfinite(self.low) and math.isfinite(self.high) and self.high > self.low
        ):
            raise InfoplaneError(
                f"bin range must be finite with high > low, got [{self.low}, {self.high}]"
            )
        return self

    @property
    def n_symbols(self) -> int:
        """How many distinct bin indices a unit can take (overflow bins included)."""
        return self.n_bins if self.rule == "quantile" else self.n_bins + 1

    def edges(self) -> np.ndarray:
        """The "fixed" edges: linspace(low, high, n_bins)."""
        return np.linspace(self.low, self.high, self.n_bins)

