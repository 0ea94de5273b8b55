"""Accuracy with its 95% interval, and a model's accuracy at one distance: plain numbers that
evaluation computes and results.json, the dashboards and the reports read.

Each accuracy comes with a 95% Wilson score interval. For copy the 10 recall positions of a
sequence are counted as independent trials, so its interval is somewhat too narrow.
"""

import dataclasses
import math
from typing import Dict, Optional

import numpy as np

Z_95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson_interval(correct, trials, z=Z_95):
    """95% Wilson score interval (low, high) for a binomial proportion; (0, 1) for 0 trials."""
    if trials == 0:
        return 0.0, 1.0
    p = correct / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))  # contains p despite rounding


@dataclasses.dataclass
class Accuracy:
    correct: int  # correct trials
    trials: int  # trials (sequences, or recall positions for copy)
    accuracy: float  # correct / trials
    low: float  # 95% interval, lower end
    high: float  # 95% interval, upper end

    @classmethod
    def from_counts(cls, correct, trials):
        low, high = wilson_interval(correct, trials)
        return cls(int(correct), int(trials), correct / trials if trials else float("nan"), low, high)

    @classmethod
    def of(cls, hits):
        """From a boolean array of trial outcomes."""
        return cls.from_counts(int(np.sum(hits)), int(np.size(hits)))


@dataclasses.dataclass
class DistanceResult:
    distance: int
    accuracy: Accuracy
    chance: float  # accuracy without memory of the dependency
    baseline_loss: Optional[float] = None  # training loss of a model that remembers nothing
    breakdowns: Dict[str, Dict[int, Accuracy]] = dataclasses.field(default_factory=dict)  # name -> category -> accuracy

    @classmethod
    def from_json(cls, entry):
        """From its results.json form (dataclasses.asdict), categories back to ints."""
        return cls(entry["distance"], Accuracy(**entry["accuracy"]), entry["chance"], entry.get("baseline_loss"),
                   {name: {int(c): Accuracy(**a) for c, a in categories.items()}
                    for name, categories in entry.get("breakdowns", {}).items()})
