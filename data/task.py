"""The Task: the one owner of everything task-specific.

A task module (data/copy_memory.py, data/agreement.py, data/adding.py) writes its
generator and declares one Task; data/__init__.py registers it. trainer/ resolves a Task
once by name and asks it every task-specific question: how its inputs enter a model and
how its outputs are scored (data.model_io), its chance level and the loss of a model that
remembers nothing, its accuracy breakdowns, its shortcut baselines, where a sequence's
phases begin, and how to show an example to a person.
"""

import dataclasses
import functools
from typing import Callable, Tuple

import numpy as np


@dataclasses.dataclass(frozen=True)
class Breakdown:
    """A split of the evaluation trials by a property of the example, e.g. its attractors.

    categorize(examples) -> int array [N], one category per example; label(category) -> text.
    ordered: the categories are counts (drawn on a numeric axis), not names.
    """

    name: str  # used in tags and file names, e.g. "attractors"
    title: str  # axis title, e.g. "attractors between subject and verb"
    categorize: Callable
    label: Callable = str
    ordered: bool = True


@dataclasses.dataclass(frozen=True)
class Baseline:
    """A heuristic that ignores the dependency; measure(fit, batches) -> (hits, detail).

    fit and batches are lists of generator batches (the training mixture); a heuristic that
    learns something (a lookup table) learns it on fit and is scored on batches. hits: bool
    trials as the objective counts them; detail: a short note (e.g. the position chosen) or "".
    """

    name: str
    measure: Callable


@dataclasses.dataclass(frozen=True)
class Task:
    name: str  # registry key, as typed on the command line
    summary: str  # one line for help texts
    generate: Callable  # (rng, batch_size, distance, **options) -> dict of NumPy arrays [B, ...]
    describe: Callable  # (batch, index) -> readable text for one example
    inputs: object  # data.model_io.Tokens or Features: how the inputs enter the model
    objective: object  # data.model_io.StepClasses, Decision or Regression: head, loss, metric, hits
    chance_accuracy: float  # accuracy that needs no memory of the dependency, on the trials that count
    solved_accuracy: float  # validation accuracy at which a run counts as having learned the dependency
    baseline_loss: Callable  # distance -> training loss of the best model that remembers nothing
    baseline_loss_name: str  # what that loss is, in a few words
    sequence_length: Callable  # distance -> time steps of a batch at that distance
    phase_markers: Callable  # (batch, index) -> [(time step, label)] where the example's phases begin
    options: Tuple[str, ...] = ()  # names of task-specific generate() keywords, e.g. ("attractors",)
    breakdowns: Tuple[Breakdown, ...] = ()  # accuracy splits reported beside accuracy by distance
    baselines: Tuple[Baseline, ...] = ()  # shortcut heuristics measured by trainer.preview --shortcuts

    def batch(self, rng, batch_size, distance, **options):
        """generate() with the task's own options; options left at None are dropped."""
        options = {key: value for key, value in options.items() if value is not None}
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            valid = ", ".join(self.options) or "none"
            raise ValueError(f"task {self.name!r} has no option {unknown[0]!r}; its options: {valid}")
        return self.generate(rng, batch_size, distance, **options)

    @functools.cached_property
    def _bytes_at_one_and_two(self):
        return tuple(sum(a.nbytes for a in self.batch(np.random.default_rng(0), 1, d).values()) for d in (1, 2))

    def example_bytes(self, distance):
        """Bytes of one generated example at distance, every array counted. Every task's arrays
        grow linearly with the distance, so two tiny examples tell it for any distance
        without generating a long one."""
        one, two = self._bytes_at_one_and_two
        return one + (two - one) * (distance - 1)

    def pad(self, batch, length):
        """The inputs and targets of a generated batch (a dict with them), padded to length steps."""
        return {"inputs": self.inputs.pad(batch["inputs"], length),
                "targets": self.objective.pad_targets(batch["targets"], length, self.inputs.pad_at)}

    def check_options(self, distance, **options):
        """Raises the generator's one-line ValueError if options do not fit at distance (what fits
        at the shortest distance of a range fits at every longer one)."""
        self.batch(np.random.default_rng(0), 1, distance, **options)
