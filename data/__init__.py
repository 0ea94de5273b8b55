"""Synthetic tasks whose dependency distance is a knob.

TASKS maps a task name to a Task: how to generate a batch at a distance, and what a
trainer needs to know about its inputs and outputs. Generators are pure NumPy and take an
explicit np.random.Generator, so the same seed gives the same batches.
"""

import dataclasses
from typing import Callable

from data import agreement, copy_memory


@dataclasses.dataclass(frozen=True)
class Task:
    name: str  # registry key, as typed on the command line
    generate: Callable  # (rng, batch_size, distance, **options) -> dict of NumPy arrays
    describe: Callable  # (batch, index) -> readable text for one example
    vocab_size: int  # input symbols are ids 0..vocab_size - 1
    num_classes: int  # output classes
    per_step_targets: bool  # True: targets [B, T] (copy); False: one target per sequence [B]
    chance_accuracy: float  # accuracy of guessing, on the positions that count
    options: tuple = ()  # names of task-specific generate() keywords, e.g. ("attractors",)

    def batch(self, rng, batch_size, distance, **options):
        """generate() with the task's own options; options left at None are dropped."""
        options = {key: value for key, value in options.items() if value is not None}
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            valid = ", ".join(self.options) or "none"
            raise ValueError(f"task {self.name!r} has no option {unknown[0]!r}; its options: {valid}")
        return self.generate(rng, batch_size, distance, **options)


TASKS = {
    "copy": Task(
        name="copy",
        generate=copy_memory.generate,
        describe=copy_memory.describe,
        vocab_size=copy_memory.VOCAB_SIZE,
        num_classes=copy_memory.NUM_CLASSES,
        per_step_targets=True,
        chance_accuracy=copy_memory.CHANCE_ACCURACY,
    ),
    "agreement": Task(
        name="agreement",
        generate=agreement.generate,
        describe=agreement.describe,
        vocab_size=agreement.VOCAB_SIZE,
        num_classes=agreement.NUM_CLASSES,
        per_step_targets=False,
        chance_accuracy=agreement.CHANCE_ACCURACY,
        options=("attractors",),
    ),
}


def get_task(name):
    """The Task called name; a ValueError lists the valid names otherwise."""
    try:
        return TASKS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown task {name!r}; valid tasks: {', '.join(sorted(TASKS))}") from None
