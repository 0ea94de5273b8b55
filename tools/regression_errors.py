"""Where a finished run's errors lie, distance by distance, for a task with a real-valued target
(the adding problem): a lost value, or an offset just outside the tolerance?

    python -m tools.regression_errors --runs=logs/adding-lstm-d5-s1-20261203-212326[,...]

A regression run counts a sequence as correct within the task's tolerance, so its accuracy
cannot tell a model that forgot the first value from one whose sums are all a few hundredths
off. For each run this loads its last checkpoint and the test split (2048 sequences) at each
distance of its results.json, and prints the root mean squared error, the mean signed error
(bias), and the share within the tolerance and within twice it, beside the RMSE of the best
prediction that remembers nothing. The run keeps its checkpoint.keras (tools.keep_probes
does not keep it). The evaluation sets are read from --data_dir, by default the eval_data
directory beside the run, where training put them.
"""

import math

from absl import flags

from common import cli
from data.model_io import Regression
from tools import finished_runs

FLAGS = flags.FLAGS


def table(run, rows, task, settings, results):
    """The printed table of one run; rows: [(distance, errors dict)]."""
    tolerance = task.objective.tolerance
    lines = [finished_runs.describe(run, settings, results),
             f"{'distance':>8}  {'rmse':>6}  {'bias':>7}  {f'within {tolerance:g}':>12}  {f'within {2 * tolerance:g}':>12}"]
    for distance, errors in rows:
        lines.append(f"{distance:>8}  {errors['rmse']:6.3f}  {errors['bias']:+7.3f}  {errors['within']:12.3f}  "
                     f"{errors['within_twice']:12.3f}")
    no_memory = math.sqrt(task.baseline_loss(rows[0][0])) if rows else float("nan")
    lines.append(f"{'':>8}  {no_memory:6.3f}  the best prediction that remembers nothing")
    return "\n".join(lines)


def main():
    runs = finished_runs.read_runs(FLAGS.runs, lambda task: isinstance(task.objective, Regression),
                                   "a task with a real-valued target",
                                   "errors by distance are for tasks with a real-valued target")
    for run, task, settings, results in runs:
        data_dir = finished_runs.data_dir_of(run, FLAGS.data_dir)
        predictions = finished_runs.predictions_by_distance(run, task, results, data_dir)
        rows = [(distance, task.objective.errors(p, targets)) for distance, p, targets in predictions]
        print(table(run, rows, task, settings, results), flush=True)


def define_flags():
    """The command line's flags (only when run as a program)."""
    flags.DEFINE_list("runs", None, "Finished run directories (with checkpoint.keras) of a regression task.")
    flags.DEFINE_string("data_dir", None, "Cache of the evaluation sets (default: eval_data beside each run).")


if __name__ == "__main__":
    define_flags()
    cli.run(main)
