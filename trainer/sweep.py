"""The study: train a grid of cells x tasks x distances, then summarise it.

    python -m trainer.sweep --preset=quick
    python -m trainer.sweep --preset=quick --cells=rnn,gru --tasks=copy --distances=5,20 --steps=1000
    python -m trainer.sweep --cells=rnn,relu_rnn --tasks=adding --identity_init   # IRNN for relu_rnn

Every grid point is one `make train` run (trainer.train.train_and_evaluate) with its own
directory below the sweep's directory (default logs/sweep-<preset>); the summary
(trainer.sweep_summary) goes to <sweep directory>/summary, both as a TensorBoard run and as
files (results.csv, summary.md, PNG figures). Started again, a sweep skips the runs that
finished, resumes the one that was interrupted, and rewrites the summary.

Each run trains at one distance (distance_mode fixed by default): its accuracy at that
distance answers "can this cell learn a dependency this long?", with no shorter sequences
in training to make it easy.
"""

import dataclasses
import json
import os
import time
from typing import Dict, Tuple

from absl import flags

from common import cli
from common.config_flags import define_flags as define_config_flags
from common.config_flags import values_from_flags
from data import TASKS, get_task
from trainer import summaries, sweep_summary
from trainer.cells import CELLS, get_cell
from trainer.config import CELL_OPTIONS, DISTANCE_MODES, Config
from trainer.rundir import finished_run, run_directory
from trainer.train import EXIT_DIVERGED, TrainingStopped, train_and_evaluate

STUDY_CELLS = ("rnn", "relu_rnn", "additive", "ungated_lstm", "lstm", "gru")


@dataclasses.dataclass(frozen=True)
class Preset:
    cells: Tuple[str, ...]  # cells to train
    distances: Dict[str, Tuple[int, ...]]  # task -> training distances; the tasks are its keys
    steps: Dict[str, int]  # task -> training steps per run
    learning_rate: Dict[str, float]  # task -> optimizer learning rate
    units: int  # hidden units
    eval_every: int  # steps between evaluations and checkpoints
    batch_size: int = 64  # sequences per batch


PRESETS = {
    # All cells, both tasks, a few distances: about 20 minutes on 2 CPU cores (README has the measured time).
    # Copy's learning rate is 1e-2: at 3e-3 the GRU reached 0.49 at d=10 in 6000 steps, at 1e-2 0.92 in 4000.
    "quick": Preset(
        cells=STUDY_CELLS,
        distances={"copy": (5, 20), "agreement": (5, 20, 50), "adding": (10, 50)},
        steps={"copy": 4000, "agreement": 1500, "adding": 2000},
        learning_rate={"copy": 1e-2, "agreement": 3e-3, "adding": 1e-3},
        units=64,
        eval_every=500,
    ),
    # Longer distances, more units and steps: for a GPU or Colab (not timed on a CPU).
    "full": Preset(
        cells=STUDY_CELLS,
        distances={"copy": (10, 20, 50, 100), "agreement": (10, 20, 50, 100, 200), "adding": (50, 100, 200, 400)},
        steps={"copy": 20000, "agreement": 5000, "adding": 10000},
        learning_rate={"copy": 1e-2, "agreement": 3e-3, "adding": 1e-3},
        units=128,
        eval_every=1000,
    ),
}


def grid(preset, logdir, cells=None, tasks=None, distances=None, steps=None, units=None, distance_mode="fixed", seed=0,
         cell_options=None):
    """The configs of a sweep, in training order (task, cell, distance); arguments override the preset.

    distances (if given) replaces every task's distances; cell_options ({name: value}, as
    trainer.train's flags) go to every cell that takes them. A ValueError names the first
    bad value, or an option that no cell of the sweep takes.
    """
    cells = tuple(get_cell(cell).name for cell in cells or preset.cells)  # unknown names fail before any training
    tasks = tuple(get_task(task).name for task in tasks or preset.distances)
    cell_options = cell_options or {}
    for option in cell_options:
        if not any(option in CELLS[cell].command_options for cell in cells):
            takers = ", ".join(c.name for c in CELLS.values() if option in c.command_options)
            raise ValueError(f"no cell in the sweep ({', '.join(cells)}) takes option {option!r}; it is an option of: {takers}")
    configs = []
    for task in tasks:
        for cell in cells:
            for distance in distances or preset.distances[task]:
                config = Config(
                    task=task, cell=cell, distance=distance, distance_mode=distance_mode,
                    eval_distances=None, units=preset.units if units is None else units, batch_size=preset.batch_size,
                    steps=preset.steps[task] if steps is None else steps,
                    eval_every=preset.eval_every, learning_rate=preset.learning_rate[task], seed=seed, logdir=logdir,
                    **{k: v for k, v in cell_options.items() if k in CELLS[cell].command_options},
                )
                if config.steps % config.eval_every:
                    config = dataclasses.replace(config, eval_every=config.steps)
                config.validate()
                configs.append(config)
    return configs


def relative_cost(config):
    """Training cost of a run in arbitrary units (steps x (mean sequence length + a fixed overhead)),
    for the time-left estimate."""
    lengths = [config.resolved_task.sequence_length(d) for d in config.train_distances]
    return config.steps * (sum(lengths) / len(lengths) + 10)


def format_duration(seconds):
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def run_sweep(configs, sweep_dir):
    """Trains every config that has not finished, then writes the summary.

    Returns [(config, run directory or None if it diverged, results dict or None)].
    """
    outcomes, started = [], time.time()
    remaining_cost = sum(relative_cost(c) for c in configs)
    trained_cost, trained_seconds = 0.0, 0.0
    for index, config in enumerate(configs, 1):
        label = f"[{index}/{len(configs)}] {config.task} {config.cell} d={config.distance}"
        remaining_cost -= relative_cost(config)
        done_dir = finished_run(config)
        if done_dir:
            print(f"{label}: finished earlier, skipped ({os.path.basename(done_dir)})", flush=True)
            with open(os.path.join(done_dir, summaries.RESULTS_FILE)) as f:
                outcomes.append((config, done_dir, json.load(f)))
            continue
        estimate = ""
        if trained_cost:
            left = trained_seconds / trained_cost * (remaining_cost + relative_cost(config))
            estimate = f", about {format_duration(left)} left in the sweep"
        print(f"{label}: training{estimate}", flush=True)
        workdir, run_started = run_directory(config), time.time()
        try:
            results = train_and_evaluate(config, workdir)
        except TrainingStopped as stopped:
            if stopped.status != EXIT_DIVERGED:
                raise
            print(f"{label}: diverged, left out of the summary: {stopped}", flush=True)
            outcomes.append((config, None, None))
            continue
        trained_cost += relative_cost(config)
        trained_seconds += time.time() - run_started
        outcomes.append((config, workdir, results))
    summary_dir = sweep_summary.write_summary(outcomes, os.path.join(sweep_dir, "summary"))
    print(f"sweep of {len(configs)} runs done in {format_duration(time.time() - started)}; summary in {summary_dir}", flush=True)
    return outcomes


# ----------------------------------------------------------------------------- command line
FLAGS = flags.FLAGS


def define_flags():
    """Defines the command-line flags (only when run as a program: a module that imports this one
    keeps its own flags)."""
    flags.DEFINE_string("preset", "quick", f"Grid preset: {', '.join(PRESETS)}.")
    flags.DEFINE_list("cells", None, f"Cells to train (default: the preset's, {', '.join(STUDY_CELLS)}); any of {', '.join(CELLS)}.")
    flags.DEFINE_list("tasks", None, f"Tasks (default: the preset's); any of {', '.join(sorted(TASKS))}.")
    flags.DEFINE_list("distances", None, "Training distances for every task (default: the preset's, per task).")
    flags.DEFINE_integer("steps", None, "Training steps per run (default: the preset's, per task).")
    flags.DEFINE_integer("units", None, "Hidden units (default: the preset's).")
    flags.DEFINE_string("distance_mode", "fixed", f"{' or '.join(DISTANCE_MODES)}: as in trainer.train.")
    flags.DEFINE_integer("seed", 0, "Seed of every run.")
    flags.DEFINE_string("logdir", None, "Directory of the sweep (default: logs/sweep-<preset>).")
    define_config_flags(Config, names=CELL_OPTIONS)  # each goes to the cells that take it


def main():
    if FLAGS.preset not in PRESETS:
        raise ValueError(f"unknown preset {FLAGS.preset!r}; valid presets: {', '.join(PRESETS)}")
    sweep_dir = FLAGS.logdir or os.path.join("logs", f"sweep-{FLAGS.preset}")
    configs = grid(
        PRESETS[FLAGS.preset], sweep_dir, cells=FLAGS.cells, tasks=FLAGS.tasks,
        distances=cli.parse_positive_integers("distances", FLAGS.distances), steps=FLAGS.steps, units=FLAGS.units,
        distance_mode=FLAGS.distance_mode, seed=FLAGS.seed,
        cell_options={k: v for k, v in values_from_flags(Config, names=CELL_OPTIONS).items() if v is not None},
    )
    run_sweep(configs, sweep_dir)


if __name__ == "__main__":
    define_flags()
    cli.run(main)
