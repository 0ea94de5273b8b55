"""Which recalled symbols a finished run gets wrong, distance by distance, for a task that scores
several steps of each sequence (copy memory): accuracy at each recall position, and the share of
sequences recalled whole.

    python -m tools.recall_positions --runs=logs/copy-gru+chrono-d5-s0-20261206-203743[,...]

A run's accuracy is the mean over every recalled symbol, so it cannot tell a model that loses
the symbols it read first from one that confuses neighbours in the middle. For each run this
loads its last checkpoint and the test split at each distance of its results.json (the
sequences the run was scored on) and prints one row per distance: the accuracy at recall
positions 1..k (position 1 is the symbol read first), the share of sequences with all k right,
and the mean, which is the run's own test accuracy. The evaluation sets are read from
--data_dir, by default the eval_data directory beside the run, where training put them.
"""

from absl import flags

from common import cli
from data.model_io import StepClasses
from tools import finished_runs

FLAGS = flags.FLAGS


def recalls_several(task):
    """Whether a task scores several steps of each sequence (copy: the ten recalled symbols)."""
    return isinstance(task.objective, StepClasses) and task.objective.scored_steps > 1


def table(run, rows, settings, results):
    """The printed table of one run; rows: [(distance, hits bool [N, k])]."""
    positions = rows[0][1].shape[1] if rows else 0
    lines = [finished_runs.describe(run, settings, results),
             f"{'distance':>8}  " + "  ".join(f"{p:>5}" for p in range(1, positions + 1)) + f"  {'whole':>5}  {'mean':>6}"]
    for distance, hits in rows:
        lines.append(f"{distance:>8}  " + "  ".join(f"{a:5.3f}" for a in hits.mean(axis=0)) +
                     f"  {hits.all(axis=1).mean():5.3f}  {hits.mean():6.4f}")
    return "\n".join(lines)


def main():
    runs = finished_runs.read_runs(FLAGS.runs, recalls_several, "a task that recalls several symbols",
                                   "accuracy by recall position is for tasks that recall several symbols")
    for run, task, settings, results in runs:
        data_dir = finished_runs.data_dir_of(run, FLAGS.data_dir)
        rows = [(distance, task.objective.hits(predictions, targets))
                for distance, predictions, targets in finished_runs.predictions_by_distance(run, task, results, data_dir)]
        print(table(run, rows, settings, results), flush=True)


def define_flags():
    """The command line's flags (only when run as a program)."""
    flags.DEFINE_list("runs", None, "Finished run directories (with checkpoint.keras) of a task that recalls "
                                    "several symbols.")
    flags.DEFINE_string("data_dir", None, "Cache of the evaluation sets (default: eval_data beside each run).")


if __name__ == "__main__":
    define_flags()
    cli.run(main)
