"""A finished run directory read back for a tool that evaluates it again: its settings, its
results, and its last checkpoint's predictions on the test split at each distance it was scored
on (the same sequences, from the eval_data directory beside the run unless told otherwise)."""

import json
import os

from data import TASKS, get_task
from trainer import evaluate
from trainer.model import load_model
from trainer.results import RESULTS_FILE
from trainer.rundir import CHECKPOINT_FILE, CONFIG_FILE


def read_runs(runs, accepts, a_task, purpose):
    """[(run, task, settings, results)] of finished run directories, every one checked before
    any is evaluated. accepts(task) says which tasks the tool reads, a_task names one of them
    ("a task with a real-valued target") and purpose says what the tool is for ("errors by
    distance are for tasks with a real-valued target"); a ValueError names the first run that
    is missing, unfinished or of another task."""
    names = ", ".join(sorted(name for name, task in TASKS.items() if accepts(task)))
    wanted = f"{a_task} ({names})"
    if not runs:
        raise ValueError(f"give --runs=DIR[,DIR...]: finished runs of {wanted}")
    read = []
    for run in runs:
        for file_name in (CONFIG_FILE, RESULTS_FILE, CHECKPOINT_FILE):
            if not os.path.isfile(os.path.join(run, file_name)):
                raise ValueError(f"run {run!r} has no {file_name}; give finished run directories of {wanted}, "
                                 f"with their checkpoint")
        with open(os.path.join(run, CONFIG_FILE)) as f:
            settings = json.load(f)
        with open(os.path.join(run, RESULTS_FILE)) as f:
            results = json.load(f)
        task = get_task(settings["task"])
        if not accepts(task):
            raise ValueError(f"run {run!r} is a run of task {task.name!r}; {purpose}: {names}")
        read.append((run, task, settings, results))
    return read


def data_dir_of(run, data_dir=None):
    """Where the run's evaluation sets are: data_dir if given, else eval_data beside the run."""
    return data_dir or os.path.join(os.path.dirname(os.path.normpath(run)), "eval_data")


def predictions_by_distance(run, task, results, data_dir):
    """[(distance, predictions, targets)] of the run's last checkpoint on the test split at each
    distance of its results, in their order; predictions as the model outputs them."""
    model = load_model(os.path.join(run, CHECKPOINT_FILE))
    rows = []
    for entry in results["by_distance"]:
        examples = evaluate.load_split(task, entry["distance"], "test", data_dir)
        rows.append((entry["distance"], model.predict(examples["inputs"], batch_size=256, verbose=0),
                     examples["targets"]))
    return rows


def describe(run, settings, results):
    """The first line of a tool's table for one run: name, cell, rate, distances, solved or not."""
    solved = f"solved at step {results['steps_to_solve']}" if results["steps_to_solve"] else "not solved"
    return (f"{os.path.basename(os.path.normpath(run))}: {settings['cell']} ({settings['cell_options']}), "
            f"learning rate {settings['learning_rate']:g}, {settings['distance_mode']} distances up to "
            f"{settings['distance']}, {solved}")
