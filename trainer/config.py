"""The training configuration: one dataclass, its defaults, and its validation.

Everything train_and_evaluate needs is here. Each field is declared with its help text
(common.config_flags.setting), from which the command-line flags of trainer.train and the
sweep are made. validate() rejects bad input with a one-line ValueError before anything is
written or trained. A Config holds names; resolved_task and resolved_cell are the registry
entries they name (data.TASKS, trainer.cells.CELLS), which answer every task- and
cell-specific question. This module imports neither Keras nor TensorFlow: the registries, the
evaluation sets' ladder and the memory check are imported when a Config first asks them.
"""

import dataclasses
import os
from typing import Optional, Tuple

from common import backend as keras_backend
from common.backend import BACKENDS
from common.checks import check_positive_integer, check_writable
from common.config_flags import setting

JIT_CHOICES = ("auto", "on", "off")
OPTIMIZERS = ("adam", "rmsprop", "sgd")  # trainer.model builds them
STRATEGIES = ("default", "mirrored", "tpu")  # trainer.distribute makes them
DISTANCE_MODES = ("range", "fixed")
LADDER_REACH = 20  # the default eval ladder reaches this many times the training distance
DEFAULT_EVAL_EVERY = 1000  # steps between evaluations when it divides the budget
DEFAULT_EVALUATIONS = 8  # else about this many evaluations in a run


def largest_divisor_at_most(steps, limit):
    """The largest divisor of steps that is at most limit (1 at least): an evaluation interval
    that divides the budget, so that the last evaluation falls on the last step."""
    return max(d for d in range(1, max(1, limit) + 1) if steps % d == 0)


CELL_OPTIONS = ("identity_init", "forget_gate", "forget_bias", "chrono", "positive_candidate", "r_min", "r_max",
                "max_phase", "ind_rnn_max_distance")  # fields passed to the cell


def _task_choices():
    from data import TASKS

    return sorted(TASKS)


def _cell_choices():
    from trainer.cells import CELLS

    return [f"{c.name} ({c.summary})" for c in CELLS.values()]


@dataclasses.dataclass
class Config:
    task: str = setting("copy", "The task", _task_choices)
    cell: str = setting("gru", "The recurrent cell", _cell_choices)
    distance: int = setting(10, "The training distance (the longest, in range mode)")
    distance_mode: str = setting("range", "range: each batch at a distance drawn from 1..distance; fixed: every batch at "
                                          "distance", lambda: DISTANCE_MODES)
    eval_distances: Optional[Tuple[int, ...]] = setting(None, "Comma-separated distances to evaluate (default: the "
                                                              "ladder 1, 2, 5, 10, 20, 50, ... up to 20 x distance, "
                                                              "with distance, 2 x and 20 x distance); beyond the "
                                                              "training distance evaluation stops after two distances "
                                                              "in a row at chance")
    attractors: Optional[int] = setting(None, "Agreement: exact number of attractors in training sentences (default: "
                                              "left to chance)")
    identity_init: Optional[bool] = setting(None, "relu_rnn: identity recurrent kernel and zero bias (IRNN)")
    forget_gate: Optional[bool] = setting(None, "lstm: --noforget_gate for the 1997 LSTM without a forget gate")
    forget_bias: Optional[float] = setting(None, "lstm: added to the forget-gate bias at initialisation (default 1)")
    chrono: Optional[bool] = setting(None, "lstm, gru: chrono initialisation of the forget/update gate, its time "
                                           "scales spread up to chrono_max_distance")
    chrono_max_distance: Optional[int] = setting(None, "chrono: the longest time scale T_max of the initialisation "
                                                       "(default: the longest eval distance; make horizon: its "
                                                       "--longest); never the training distance itself")
    positive_candidate: Optional[bool] = setting(None, "min_gru, min_lstm: the candidate of the log-space variant, "
                                                       "h~ = g(x W_h + b_h) > 0 (g(x) = x + 0.5 for x >= 0, sig(x) "
                                                       "below); the arithmetic stays linear")
    r_min: Optional[float] = setting(None, "lru: the smallest |lambda| of the ring initialisation (default 0; the "
                                           "paper's long-range tasks 0.9)")
    r_max: Optional[float] = setting(None, "lru: the largest |lambda| of the ring initialisation (default 1; the "
                                           "paper's long-range tasks 0.999)")
    max_phase: Optional[float] = setting(None, "lru: the largest phase of lambda at initialisation (default 2 pi; "
                                               "the paper's PathX pi/10)")
    ind_rnn_max_distance: Optional[int] = setting(None, "ind_rnn: T of the bound |u| <= 2^(1/T) on the recurrent "
                                                        "weights and of their initialisation (default 1000); never "
                                                        "the training distance itself")
    units: int = setting(128, "Hidden units per recurrent layer")
    layers: int = setting(1, "Recurrent layers, stacked")
    embedding: int = setting(16, "Size of the input embedding (tasks with symbol inputs)")
    batch_size: int = setting(64, "Sequences per training batch")
    steps: int = setting(8000, "Training steps in all (a multiple of eval_every)")
    eval_every: Optional[int] = setting(None, "Training steps between evaluations and checkpoints (one Keras epoch); "
                                              "default: 1000 if it divides steps, else the largest divisor of steps "
                                              "up to steps / 8 (about 8 evaluations)")
    solved_accuracy: Optional[float] = setting(None, "A run is solved once validation accuracy reaches this at every "
                                                     "eval distance it trains on (default: the task's; copy and "
                                                     "agreement 0.99, adding 0.9)")
    stop_when_solved: bool = setting(True, "Stop training once solved (--nostop_when_solved trains the whole budget)")
    validate_all_distances: bool = setting(True, "Evaluate every eval distance at each evaluation (the per-distance "
                                                 "curves); --novalidate_all_distances evaluates only the distances "
                                                 "trained on during training, and the others once at the end")
    learning_rate: float = setting(3e-3, "Optimizer learning rate")
    optimizer: str = setting("adam", "Optimizer", lambda: OPTIMIZERS)
    clipnorm: Optional[float] = setting(1.0, "Clip each gradient to this norm; 0 turns clipping off")
    dropout: float = setting(0.0, "Input and recurrent dropout of the cell")
    seed: int = setting(0, "Seeds the weights and the training stream")
    jit_compile: str = setting("auto", "XLA compilation (auto: off for recurrent layers, where it was measured slower)",
                               lambda: JIT_CHOICES)
    strategy: str = setting("default", "tf.distribute strategy, see trainer.distribute (batch_size is the global batch)",
                            lambda: STRATEGIES)
    logdir: str = setting("logs", "TensorBoard root: each run writes a directory of its own below it")
    data_dir: Optional[str] = setting(None, "Cache of the evaluation sets (default: <logdir>/eval_data)")
    fresh: bool = setting(False, "Start a new run even if an interrupted run with the same settings can be resumed")
    backend: Optional[str] = setting(None, "Keras backend of the model (read from the command line before Keras "
                                           "loads; default: KERAS_BACKEND, else tensorflow); a run resumes under "
                                           "either", lambda: BACKENDS)
    retention: bool = setting(False, "Once solved, evaluate the test split on the ladder beyond the eval distances, up "
                                     "to 20 x distance, until two rungs in a row fall below solved_accuracy: how far "
                                     "the learned solution holds (the memory-horizon search's probes do)")
    dashboards: bool = setting(True, "Write the run's TensorBoard dashboards (--nodashboards: results.json, the "
                                     "checkpoints and the log alone, as the memory-horizon search's probes do)")

    @property
    def resolved_backend(self):
        """The Keras backend this process runs (common.backend.chosen): backend, when given, must be it."""
        return keras_backend.chosen()

    @property
    def resolved_eval_every(self):
        """eval_every as given, or by default 1000 where it divides steps, else the largest divisor
        of steps that is at most steps / DEFAULT_EVALUATIONS."""
        if self.eval_every is not None:
            return self.eval_every
        if self.steps % DEFAULT_EVAL_EVERY == 0:
            return DEFAULT_EVAL_EVERY
        return largest_divisor_at_most(self.steps, self.steps // DEFAULT_EVALUATIONS)

    @property
    def resolved_task(self):
        """The data.task.Task named by task."""
        from data import get_task

        return get_task(self.task)

    @property
    def resolved_cell(self):
        """The trainer.cells.Cell named by cell."""
        from trainer.cells import get_cell

        return get_cell(self.cell)

    @property
    def title(self):
        """What a figure of this run is of, short enough for its title: 'gru (chrono) on copy, d=20'."""
        options = ", ".join(self.cell_option_labels())
        return f"{self.cell}{f' ({options})' if options else ''} on {self.task}, d={self.distance}"

    @property
    def default_ladder(self):
        """The ladder up to LADDER_REACH x distance, with distance, 2 x distance and LADDER_REACH x distance."""
        from data.eval_sets import LADDER

        reach = LADDER_REACH * self.distance
        return tuple(sorted({d for d in LADDER if d <= reach} | {self.distance, 2 * self.distance, reach}))

    @property
    def retention_rungs(self):
        """The distances a solved run climbs for its retention: the ladder's rungs beyond its eval
        distances up to LADDER_REACH x distance, and that distance, as far as they fit in memory."""
        from trainer import memory

        beyond = [d for d in self.default_ladder if d > max(self.resolved_eval_distances)]
        kept, _ = memory.fitting_rungs(self, tuple(sorted(set(self.resolved_eval_distances) | set(beyond))))
        return tuple(d for d in kept if d in beyond)

    @property
    def resolved_eval_distances(self):
        """The eval distances: as given, or the default ladder up to its longest rung whose
        evaluation sets still fit in memory (trainer.memory)."""
        if self.eval_distances:
            return tuple(sorted(set(self.eval_distances)))
        from trainer import memory

        return memory.fitting_rungs(self, self.default_ladder)[0]

    @property
    def resolved_chrono_max_distance(self):
        """chrono's longest time scale: as given, or the longest eval distance."""
        return self.chrono_max_distance or max(self.resolved_eval_distances)

    @property
    def validation_distances(self):
        """The distances evaluated at each evaluation during training."""
        return self.resolved_eval_distances if self.validate_all_distances else (
            self.solved_distances or self.resolved_eval_distances[:1])

    @property
    def resolved_solved_accuracy(self):
        return self.resolved_task.solved_accuracy if self.solved_accuracy is None else self.solved_accuracy

    @property
    def solved_distances(self):
        """The eval distances at which a run must reach solved_accuracy: those it trains on."""
        return tuple(d for d in self.resolved_eval_distances if min(self.train_distances) <= d <= self.distance)

    @property
    def train_distances(self):
        return range(1, self.distance + 1) if self.distance_mode == "range" else (self.distance,)

    @property
    def resolved_data_dir(self):
        return self.data_dir or os.path.join(self.logdir, "eval_data")

    def task_options(self):
        """The task options that are set, for data.task.Task.batch."""
        return {} if self.attractors is None else {"attractors": self.attractors}

    def cell_options(self):
        """The cell options that are set, as given on the command line: {name: value}."""
        return {name: getattr(self, name) for name in CELL_OPTIONS if getattr(self, name) is not None}

    def cell_option_labels(self):
        """The cell options that are set, as `--cells` spells them after the colon: ['chrono'], ['forget_bias=2.0']."""
        return [name if value is True else f"{name}={value}" for name, value in self.cell_options().items()]

    def layer_options(self):
        """The cell options as keyword options of the recurrent layer (chrono resolved)."""
        return self.resolved_cell.layer_options(self.cell_options(), self.resolved_chrono_max_distance)

    def identity_options(self):
        """The cell options that make a run what it is: cell_options(), with chrono's time scale when chrono is on."""
        options = self.cell_options()
        if options.get("chrono"):
            options["chrono_max_distance"] = self.resolved_chrono_max_distance
        return options

    def hparams(self):
        """The resolved settings as flat scalars, for the HParams dashboard and results.json, and
        the identity of a run when it is resumed: the same settings on another device count
        (strategy), or in a logdir moved elsewhere, are the same run."""
        values = dataclasses.asdict(self)
        values["eval_distances"] = ",".join(map(str, self.resolved_eval_distances))
        values["eval_every"] = self.resolved_eval_every
        values["backend"] = self.resolved_backend  # recorded, not part of a run's identity (trainer.rundir)
        values["attractors"] = -1 if self.attractors is None else self.attractors
        values["clipnorm"] = self.clipnorm or 0.0
        values["solved_accuracy"] = self.resolved_solved_accuracy
        for name in CELL_OPTIONS + ("chrono_max_distance",):
            values.pop(name)
        values["cell_options"] = ",".join(f"{k}={v}" for k, v in sorted(self.identity_options().items())) or "default"
        for execution_detail in ("fresh", "logdir", "data_dir", "strategy", "dashboards"):  # they change no result
            values.pop(execution_detail)
        return values

    def validate(self):
        """Raises a one-line ValueError naming the first bad setting and its valid values."""
        task = self.resolved_task
        self.resolved_cell  # an unknown cell fails here, before anything else
        for name in ("distance", "units", "layers", "embedding", "batch_size", "steps"):
            check_positive_integer(name, getattr(self, name))
        if self.eval_every is not None:
            check_positive_integer("eval_every", self.eval_every)
        if self.steps % self.resolved_eval_every:
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
        task.check_options(min(self.train_distances), **self.task_options())
        if self.chrono_max_distance is not None:
            check_positive_integer("chrono_max_distance", self.chrono_max_distance)
        self.layer_options()
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a number > 0, got {self.learning_rate!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; valid optimizers: {', '.join(OPTIMIZERS)}")
        if self.clipnorm is not None and not (isinstance(self.clipnorm, (int, float)) and self.clipnorm >= 0):
            raise ValueError(f"clipnorm must be a number >= 0 (0 turns clipping off), got {self.clipnorm!r}")
        if self.solved_accuracy is not None and not (isinstance(self.solved_accuracy, (int, float))
                                                     and 0 < self.solved_accuracy <= 1):
            raise ValueError(f"solved_accuracy must be a number in (0, 1], got {self.solved_accuracy!r}")
        if not (isinstance(self.dropout, (int, float)) and 0 <= self.dropout < 1):
            raise ValueError(f"dropout must be a number in [0, 1), got {self.dropout!r}")
        if self.jit_compile not in JIT_CHOICES:
            raise ValueError(f"unknown jit_compile {self.jit_compile!r}; valid: {', '.join(JIT_CHOICES)}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; valid strategies: {', '.join(STRATEGIES)}")
        if self.backend is not None and keras_backend.check(self.backend) != self.resolved_backend:
            raise ValueError(f"backend {self.backend!r} was asked for, but Keras runs on {self.resolved_backend!r} in this "
                             f"process: the backend is chosen before Keras loads (--backend on the command line, "
                             f"KERAS_BACKEND, or make's BACKEND=)")
        from trainer import memory

        memory.check(self)
        check_writable("logdir", self.logdir)
        check_writable("data_dir", self.resolved_data_dir)

