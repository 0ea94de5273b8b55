"""Prints a few examples of a task as a person reads them.

    python -m data.preview --task=agreement --distance=8 [--attractors=2] [--count=5] [--seed=0]

Agreement sentences come in words, the main verb in brackets (the model sees only what
precedes it), with the label, distance and attractors; copy sequences show the input,
the target and the symbols to recall.
"""

import numpy as np
from absl import flags

from data import TASKS, cli, get_task
from data.checks import check_positive_integer

FLAGS = flags.FLAGS


def define_flags():
    """Defines the command-line flags (only when run as a program, so importing stays free of flags)."""
    flags.DEFINE_string("task", "agreement", f"Task to show: one of {', '.join(sorted(TASKS))}.")
    flags.DEFINE_integer("distance", 8, "Dependency distance (>= 1).")
    flags.DEFINE_integer("attractors", None, "Agreement only: exact number of attractors (default: left to chance).")
    flags.DEFINE_integer("count", 5, "How many examples to print (>= 1).")
    flags.DEFINE_integer("seed", 0, "Seed of the generator.")


def examples_text(task_name, distance, count=5, seed=0, attractors=None):
    """count examples of a task at distance, as a person reads them, one block per example."""
    task = get_task(task_name)
    check_positive_integer("count", count)
    batch = task.batch(np.random.default_rng(seed), count, distance, attractors=attractors)
    return "\n".join(task.describe(batch, index) for index in range(count))


def main():
    print(examples_text(FLAGS.task, FLAGS.distance, FLAGS.count, FLAGS.seed, FLAGS.attractors))


if __name__ == "__main__":
    define_flags()
    cli.run(main)
