"""Seeds: the same setting trained from several seeds, and how their results are summarised.

A study trains each setting from seeds first, first + 1, ... (first_seed.. by --seeds) so
that a table or figure does not rest on one initialisation. Every number that several seeds
produce is summarised as a Spread: the median, with the lowest and highest seed's value
beside it, and every seed's value kept for the figures' per-seed points.
"""

import dataclasses
import statistics
from typing import Tuple

from common.checks import check_positive_integer


def seed_list(first, count):
    """The seeds of a study: first, first + 1, ..., count of them."""
    check_positive_integer("seeds", count)
    if isinstance(first, bool) or not isinstance(first, int) or first < 0:
        raise ValueError(f"seed must be an integer >= 0, got {first!r}")
    return tuple(range(first, first + count))


@dataclasses.dataclass(frozen=True)
class Spread:
    """Several seeds' values of one number: their median, lowest and highest, and each value."""

    median: float
    low: float
    high: float
    values: Tuple[float, ...]

    @classmethod
    def of(cls, values):
        values = tuple(float(v) for v in values)
        if not values:
            raise ValueError("a spread needs at least one value")
        return cls(statistics.median(values), min(values), max(values), values)

    def format(self, spec=".3f"):
        """'0.990' for one seed; '0.990 (0.500-1.000)' for several: median (lowest-highest)."""
        median = format(self.median, spec)
        if len(self.values) == 1:
            return median
        return f"{median} ({format(self.low, spec)}-{format(self.high, spec)})"
