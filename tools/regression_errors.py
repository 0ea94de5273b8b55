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

import json
import math
import os

from absl import flags

from common import cli
from data import TASKS, get_task
from data.model_io import Regression
from trainer import evaluate
from trainer.model import load_model
from trainer.results import RESULTS_FILE
from trainer.rundir import CHECKPOINT_FILE, CONFIG_FILE

FLAGS = flags.FLAGS
REGRESSION_TASKS = sorted(name for name, task in TASKS.items() if isinstance(task.objective, Regression))


def read_run(run):
    """(settings, results) of a finished run directory; ValueError naming what is missing."""
    for file_name in (CONFIG_FILE, RESULTS_FILE, CHECKPOINT_FILE):
        if not os.path.isfile(os.path.join(run, file_name)):
            raise ValueError(f"run {run!r} has no {file_name}; give finished run directories of a task with a "
                             f"real-valued target ({', '.join(REGRESSION_TASKS)}), with their checkpoint")
    with open(os.path.join(run, CONFIG_FILE)) as f:
        settings = json.load(f)
    with open(os.path.join(run, RESULTS_FILE)) as f:
        results = json.load(f)
    return settings, results


def errors_by_distance(run, task, results, data_dir):
    """[(distance, errors dict)] of a run's last checkpoint on the test split at each of its results' distances."""
    model = load_model(os.path.join(run, CHECKPOINT_FILE))
    rows = []
    for entry in results["by_distance"]:
        examples = evaluate.load_split(task, entry["distance"], "test", data_dir)
        predictions = model.predict(examples["inputs"], batch_size=256, verbose=0)
        rows.append((entry["distance"], task.objective.errors(predictions, examples["targets"])))
    return rows


def table(run, rows, task, settings, results):
    """The printed table of one run."""
    tolerance = task.objective.tolerance
    solved = f"solved at step {results['steps_to_solve']}" if results["steps_to_solve"] else "not solved"
    lines = [f"{os.path.basename(os.path.normpath(run))}: {settings['cell']} ({settings['cell_options']}), "
             f"learning rate {settings['learning_rate']:g}, {settings['distance_mode']} distances up to "
             f"{settings['distance']}, {solved}",
             f"{'distance':>8}  {'rmse':>6}  {'bias':>7}  {f'within {tolerance:g}':>12}  {f'within {2 * tolerance:g}':>12}"]
    for distance, errors in rows:
        lines.append(f"{distance:>8}  {errors['rmse']:6.3f}  {errors['bias']:+7.3f}  {errors['within']:12.3f}  "
                     f"{errors['within_twice']:12.3f}")
    no_memory = math.sqrt(task.baseline_loss(rows[0][0])) if rows else float("nan")
    lines.append(f"{'':>8}  {no_memory:6.3f}  the best prediction that remembers nothing")
    return "\n".join(lines)


def main():
    if not FLAGS.runs:
        raise ValueError(f"give --runs=DIR[,DIR...]: finished runs of a task with a real-valued target "
                         f"({', '.join(REGRESSION_TASKS)})")
    runs = []
    for run in FLAGS.runs:  # every run checked before the first is evaluated
        settings, results = read_run(run)
        task = get_task(settings["task"])
        if not isinstance(task.objective, Regression):
            raise ValueError(f"run {run!r} is a run of task {task.name!r}; errors by distance are for tasks with a "
                             f"real-valued target: {', '.join(REGRESSION_TASKS)}")
        runs.append((run, task, settings, results))
    for run, task, settings, results in runs:
        data_dir = FLAGS.data_dir or os.path.join(os.path.dirname(os.path.normpath(run)), "eval_data")
        rows = errors_by_distance(run, task, results, data_dir)
        print(table(run, rows, task, settings, results), flush=True)


def define_flags():
    """The command line's flags (only when run as a program)."""
    flags.DEFINE_list("runs", None, "Finished run directories (with checkpoint.keras) of a regression task.")
    flags.DEFINE_string("data_dir", None, "Cache of the evaluation sets (default: eval_data beside each run).")


if __name__ == "__main__":
    define_flags()
    cli.run(main)
