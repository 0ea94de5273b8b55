"""Prints a few examples of a task as a person reads them, and its shortcut baselines.

    python -m trainer.preview --task=agreement --distance=8 [--attractors=2] [--count=5] [--seed=0]
    python -m trainer.preview --task=agreement --distance=30 --shortcuts

Agreement sentences come in words, the main verb in brackets (the model sees only what
precedes it), with the label, distance, attractors and preamble; copy sequences show the
input, the target and the symbols to recall; adding sequences show the values, the marked
steps and the target.

--shortcuts measures, instead, the task's shortcut heuristics (data.task.Baseline) on its
training mixture: distances 1..distance (or distance alone with --distance_mode=fixed),
--count sequences at each; a heuristic that learns does so on one mixture and is scored on
another. A heuristic that ignores the dependency should stay near chance.
"""

import numpy as np
from absl import flags

from common import cli
from common.checks import check_positive_integer
from data import TASKS, get_task
from data.baselines import measure_baselines
from trainer.config import DISTANCE_MODES
from trainer.accuracy import Accuracy
from trainer.dashboards.tables import accuracy_cells, markdown_table

FLAGS = flags.FLAGS


def define_flags():
    """Defines the command-line flags (only when run as a program, so importing stays free of flags)."""
    flags.DEFINE_string("task", "agreement", f"Task to show: one of {', '.join(sorted(TASKS))}.")
    flags.DEFINE_integer("distance", 8, "Dependency distance (>= 1); with --shortcuts, the longest of the mixture.")
    flags.DEFINE_integer("attractors", None, "Agreement only: exact number of attractors (default: left to chance).")
    flags.DEFINE_integer("count", None, "Examples to print (default 5), or with --shortcuts sequences per distance "
                                        "(default 1000).")
    flags.DEFINE_integer("seed", 0, "Seed of the generator.")
    flags.DEFINE_bool("shortcuts", False, "Print the shortcut baselines on the training mixture instead of examples.")
    flags.DEFINE_string("distance_mode", "range", "With --shortcuts: range (distances 1..distance) or fixed.")


def examples_text(task_name, distance, count=5, seed=0, attractors=None):
    """count examples of a task at distance, as a person reads them, one block per example."""
    task = get_task(task_name)
    check_positive_integer("count", count)
    batch = task.batch(np.random.default_rng(seed), count, distance, attractors=attractors)
    return "\n".join(task.describe(batch, index) for index in range(count))


def shortcuts_text(task_name, distance, distance_mode="range", count=1000, seed=0, attractors=None):
    """A markdown table of the task's shortcut baselines on its training mixture, with a heading."""
    task = get_task(task_name)
    check_positive_integer("distance", distance)
    check_positive_integer("count", count)
    if distance_mode not in DISTANCE_MODES:
        raise ValueError(f"unknown distance_mode {distance_mode!r}; valid: {', '.join(DISTANCE_MODES)}")
    distances = range(1, distance + 1) if distance_mode == "range" else (distance,)
    options = {} if attractors is None else {"attractors": attractors}
    task.check_options(min(distances), **options)
    rows = [[name, *accuracy_cells(Accuracy.of(hits)), detail]
            for name, hits, detail in measure_baselines(task, distances, count, seed, **options)]
    mixture = f"distances {distances[0]}..{distances[-1]}" if len(distances) > 1 else f"distance {distance}"
    settings = ", ".join(f"{k}={v}" for k, v in options.items()) or ", ".join(f"{k} left to chance" for k in task.options)
    heading = (f"{task.name}: shortcut baselines on the training mixture ({mixture}, {count} sequences each"
               f"{', ' + settings if settings else ''}); chance {task.chance_accuracy:.3f}")
    return heading + "\n\n" + markdown_table(["heuristic", "accuracy", "95% interval", "trials", "note"], rows)


def main():
    if FLAGS.shortcuts:
        count = 1000 if FLAGS.count is None else FLAGS.count
        print(shortcuts_text(FLAGS.task, FLAGS.distance, FLAGS.distance_mode, count, FLAGS.seed, FLAGS.attractors))
    else:
        count = 5 if FLAGS.count is None else FLAGS.count
        print(examples_text(FLAGS.task, FLAGS.distance, count, FLAGS.seed, FLAGS.attractors))


if __name__ == "__main__":
    define_flags()
    cli.run(main)
