"""Run directories: where a run lives, and finding a run of the same settings again.

A run lives in its own directory below Config.logdir, named
<task>-<cell>[+<option>...]-d<distance>-s<seed>-<time>, with config.json (its settings, Config.hparams())
and, once it has finished, results.json. Running the same settings again resumes the
newest unfinished run; a sweep skips settings that have a finished run.
"""

import datetime
import glob
import json
import os

from trainer import results

CONFIG_FILE = "config.json"
CHECKPOINT_FILE = "checkpoint.keras"
SOLVED_FILE = "solved.json"  # the step at which the run was solved, once it was


def run_name_prefix(config):
    """'adding-lstm+chrono-d5-s0': the task, the cell with its options (name, or name=value, as
    `--cells` spells them after the colon), the distance and the seed."""
    options = "".join(f"+{label}" for label in config.cell_option_labels())
    return f"{config.task}-{config.cell}{options}-d{config.distance}-s{config.seed}"


def runs_with_settings(config, finished):
    """Run directories of config's settings (same config.json), newest first: those that
    finished (have results.json) if finished, else those that did not. Runs named before the
    name carried the cell options (<task>-<cell>-d...) are found too: config.json decides."""
    tail = f"-d{config.distance}-s{config.seed}-"
    pattern = os.path.join(config.logdir, f"{config.task}-{config.cell}*{tail}*")
    for candidate in sorted(glob.glob(pattern), key=lambda path: os.path.basename(path).split(tail, 1)[1], reverse=True):
        config_path = os.path.join(candidate, CONFIG_FILE)
        if not os.path.isfile(config_path):
            continue
        if results.finished(candidate) != finished:
            continue
        with open(config_path) as f:
            if json.load(f) == config.hparams():
                yield candidate


def finished_run(config):
    """The newest run directory of config's settings that finished, or None."""
    return next(runs_with_settings(config, finished=True), None)


def run_directory(config):
    """The newest unfinished run of the same settings (to resume it), else a new directory name."""
    if not config.fresh:
        unfinished = next(runs_with_settings(config, finished=False), None)
        if unfinished:
            return unfinished
    prefix = os.path.join(config.logdir, run_name_prefix(config))
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    directory, suffix = f"{prefix}-{stamp}", 1
    while os.path.exists(directory):
        suffix += 1
        directory = f"{prefix}-{stamp}-{suffix}"
    return directory
