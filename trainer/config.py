"""The training configuration: one dataclass, its defaults, and its validation.

Everything train_and_evaluate needs is here; the command-line flags of trainer.train are
made from these fields, so the help texts are the comments below. validate() rejects bad
input with a one-line ValueError before anything is written or trained.
"""

import dataclasses
import os
from typing import Optional, Tuple

from data import TASKS, agreement
from data.checks import check_positive_integer
from trainer.cells import CELLS
from trainer.distribute import STRATEGIES
from trainer.model import OPTIMIZERS

JIT_CHOICES = ("auto", "on", "off")
DISTANCE_MODES = ("range", "fixed")
LADDER = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


@dataclasses.dataclass
class Config:
    task: str = "copy"  # the task: copy or agreement
    cell: str = "gru"  # the recurrent cell, a name from trainer.cells.CELLS
    distance: int = 10  # the (longest) training distance
    distance_mode: str = "range"  # range: each batch at a distance drawn from 1..distance; fixed: all at distance
    eval_distances: Optional[Tuple[int, ...]] = None  # distances to evaluate; default: a ladder from 1 to 2 x distance
    attractors: Optional[int] = None  # agreement: exact attractors in training sentences; default: left to chance
    units: int = 128  # hidden units per recurrent layer
    layers: int = 1  # recurrent layers, stacked
    embedding: int = 16  # size of the input embedding
    batch_size: int = 64  # sequences per training batch
    steps: int = 8000  # training steps in all
    eval_every: int = 1000  # training steps between evaluations (one Keras epoch); also the checkpoint interval
    learning_rate: float = 3e-3  # optimizer learning rate
    optimizer: str = "adam"  # adam, rmsprop or sgd
    clipnorm: Optional[float] = 1.0  # clip each gradient to this norm; 0 or None turns clipping off
    dropout: float = 0.0  # input and recurrent dropout of the cell
    seed: int = 0  # seeds the weights and the training stream
    jit_compile: str = "auto"  # XLA: auto (off for recurrent layers, where it was measured slower), on or off
    strategy: str = "default"  # tf.distribute strategy: default, mirrored, tpu or multi_worker (trainer.distribute)
    logdir: str = "logs"  # TensorBoard root: each run writes a directory of its own below it
    data_dir: Optional[str] = None  # where the evaluation sets are cached; default: <logdir>/eval_data
    fresh: bool = False  # start a new run even if an interrupted run of the same config can be resumed

    @property
    def resolved_eval_distances(self):
        """The eval distances: as given, or the ladder up to 2 x distance with distance and 2 x distance."""
        if self.eval_distances:
            return tuple(sorted(set(self.eval_distances)))
        ladder = {d for d in LADDER if d <= 2 * self.distance} | {self.distance, 2 * self.distance}
        return tuple(sorted(ladder))

    @property
    def train_distances(self):
        return range(1, self.distance + 1) if self.distance_mode == "range" else (self.distance,)

    @property
    def resolved_data_dir(self):
        return self.data_dir or os.path.join(self.logdir, "eval_data")

    def hparams(self):
        """The resolved settings as flat scalars, for the HParams dashboard and results.json, and
        the identity of a run when it is resumed: the same settings on another device count
        (strategy) are the same run."""
        values = dataclasses.asdict(self)
        values["eval_distances"] = ",".join(map(str, self.resolved_eval_distances))
        values["attractors"] = -1 if self.attractors is None else self.attractors
        values["clipnorm"] = self.clipnorm or 0.0
        for execution_detail in ("fresh", "data_dir", "strategy"):  # they do not change the results
            values.pop(execution_detail)
        return values

    def validate(self):
        """Raises a one-line ValueError naming the first bad setting and its valid values."""
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; valid tasks: {', '.join(sorted(TASKS))}")
        if self.cell not in CELLS:
            raise ValueError(f"unknown cell {self.cell!r}; valid cells: {', '.join(CELLS)}")
        for name in ("distance", "units", "layers", "embedding", "batch_size", "steps", "eval_every"):
            check_positive_integer(name, getattr(self, name))
        if self.steps % self.eval_every:
            suggestion = self.steps - self.steps % self.eval_every or self.eval_every
            raise ValueError(
                f"steps ({self.steps}) must be a multiple of eval_every ({self.eval_every}), e.g. steps={suggestion}"
            )
        if self.distance_mode not in DISTANCE_MODES:
            raise ValueError(f"unknown distance_mode {self.distance_mode!r}; valid: {', '.join(DISTANCE_MODES)}")
        if self.eval_distances is not None:
            if not self.eval_distances:
                raise ValueError("eval_distances must list at least one positive integer")
            for value in self.eval_distances:
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ValueError(f"eval_distances must be positive integers, got {value!r}")
        if self.attractors is not None:
            if self.task != "agreement":
                raise ValueError(f"attractors applies to the agreement task only, not to {self.task!r}")
            shortest = min(self.train_distances)
            agreement.check_attractors(self.attractors, shortest)
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a number > 0, got {self.learning_rate!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; valid optimizers: {', '.join(OPTIMIZERS)}")
        if self.clipnorm is not None and not (isinstance(self.clipnorm, (int, float)) and self.clipnorm >= 0):
            raise ValueError(f"clipnorm must be a number >= 0 (0 turns clipping off), got {self.clipnorm!r}")
        if not (isinstance(self.dropout, (int, float)) and 0 <= self.dropout < 1):
            raise ValueError(f"dropout must be a number in [0, 1), got {self.dropout!r}")
        if self.jit_compile not in JIT_CHOICES:
            raise ValueError(f"unknown jit_compile {self.jit_compile!r}; valid: {', '.join(JIT_CHOICES)}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; valid strategies: {', '.join(STRATEGIES)}")
        check_writable("logdir", self.logdir)
        check_writable("data_dir", self.resolved_data_dir)


def check_writable(name, path):
    """Raises ValueError unless path is a directory, or could be created as one, that we may write to."""
    path = os.path.abspath(path)
    probe = path
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        raise ValueError(f"{name} {path!r} cannot be created: {probe!r} is a file, not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ValueError(f"{name} {path!r} is not writable: no permission to write in {probe!r}")
