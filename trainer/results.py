"""results.json, the record of a finished run: written here (whole or not at all) by
trainer.train as a run's last act, and read back here by the sweep, the search, the tools and
scripts. A run directory that holds it has finished (trainer.rundir).
"""

import dataclasses
import json
import os
from typing import Dict, List, Optional

from common.files import write_json_atomically
from trainer.accuracy import Accuracy, DistanceResult

RESULTS_FILE = "results.json"


@dataclasses.dataclass
class Results:
    hparams: dict  # the run's settings, Config.hparams()
    steps: int  # steps trained (fewer than the budget if it stopped when solved)
    steps_to_solve: Optional[int]  # the step of the first look the test split confirmed, or None
    final_metrics: Dict[str, float]  # the final/* scalars and HParams metrics (trainer.train.final_metrics)
    by_distance: List[DistanceResult]  # test accuracy at each distance evaluated, ascending
    breakdowns: Dict[str, Dict[int, Accuracy]] = dataclasses.field(default_factory=dict)  # pooled over distances
    first_looks: List[dict] = dataclasses.field(default_factory=list)  # every first look and its second look
    final_loss: Optional[float] = None  # the last epoch's training loss (None: resumed with nothing left to train)
    probes: dict = dataclasses.field(default_factory=dict)  # the gradient probe and the gates (trainer.probes)

    @property
    def solved(self):
        return self.steps_to_solve is not None

    def at(self, distance):
        """The DistanceResult at one evaluated distance; a KeyError if it was not evaluated."""
        for result in self.by_distance:
            if result.distance == distance:
                return result
        raise KeyError(f"distance {distance} was not evaluated")

    def to_json(self):
        document = dataclasses.asdict(self)
        document["breakdowns"] = {name: {str(c): a for c, a in categories.items()}
                                  for name, categories in document["breakdowns"].items()}
        return document

    @classmethod
    def from_json(cls, document):
        return cls(
            hparams=document["hparams"], steps=document["steps"], steps_to_solve=document["steps_to_solve"],
            final_metrics=document["final_metrics"],
            by_distance=[DistanceResult.from_json(entry) for entry in document["by_distance"]],
            breakdowns={name: {int(c): Accuracy(**a) for c, a in categories.items()}
                        for name, categories in document.get("breakdowns", {}).items()},
            first_looks=document.get("first_looks", []), final_loss=document.get("final_loss"),
            probes=document.get("probes", {}))


def path(run_dir):
    return os.path.join(run_dir, RESULTS_FILE)


def write(run_dir, results):
    write_json_atomically(path(run_dir), results.to_json(), what="the run's results")


def read(run_dir):
    """The Results of a finished run."""
    with open(path(run_dir)) as f:
        return Results.from_json(json.load(f))


def finished(run_dir):
    return os.path.isfile(path(run_dir))
