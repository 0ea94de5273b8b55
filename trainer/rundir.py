"""Run directories: where a run lives, finding a run of the same settings again, the lock of
the process training one, and damaged files moved aside.

A run lives in its own directory below Config.logdir, named
<task>-<cell>[+<option>...]-d<distance>-s<seed>-<time>, with config.json (its settings, Config.hparams())
and, once it has finished, results.json. Running the same settings again resumes the
newest unfinished run that no live process is training (a run being trained holds a lock on
its directory, released when its process ends, however it ends); a sweep or search skips
settings that have a finished run.

A file that cannot be read (a config.json or results.json cut short by a full disk or a copy
that stopped) is never deleted and never stops a sweep or a search: the run's directory is
moved to <logdir>/damaged/ with a line saying so, listed in <logdir>/damaged/moved.jsonl
(the reports read it), and the run is trained again.
"""

import contextlib
import datetime
import fcntl
import glob
import json
import os
import time

from trainer import results

CONFIG_FILE = "config.json"
CHECKPOINT_FILE = "checkpoint.keras"
SOLVED_FILE = "solved.json"  # the step at which the run was solved, once it was
LOCK_FILE = ".lock"  # locked by the process training the run; holds its process id
DAMAGED_DIR = "damaged"  # below a logdir: the damaged files and runs moved aside
DAMAGED_LOG = "moved.jsonl"  # in DAMAGED_DIR: one JSON line per file or run moved there


class RunBusy(ValueError):
    """The run directory is being trained by another live process."""


def run_name_prefix(config):
    """'adding-lstm+chrono-d5-s0': the task, the cell with its options (name, or name=value, as
    `--cells` spells them after the colon), the distance and the seed."""
    options = "".join(f"+{label}" for label in config.cell_option_labels())
    return f"{config.task}-{config.cell}{options}-d{config.distance}-s{config.seed}"


# ----------------------------------------------------------------------------- damaged files
def move_aside(path, reason, logdir, say=print):
    """Moves a damaged file or run directory to <logdir>/damaged/<run>/ (or <logdir>/damaged/<run>
    for a whole run), records it in the damaged log and says so in one line; returns where it went."""
    path = os.path.abspath(path)
    run = path if os.path.isdir(path) else os.path.dirname(path)
    target_dir = os.path.join(logdir, DAMAGED_DIR)
    if not os.path.isdir(path):
        target_dir = os.path.join(target_dir, os.path.basename(run))
    os.makedirs(target_dir, exist_ok=True)
    target, suffix = os.path.join(target_dir, os.path.basename(path)), 1
    while os.path.exists(target):
        suffix += 1
        target = os.path.join(target_dir, f"{os.path.basename(path)}.{suffix}")
    os.replace(path, target)
    record = {"path": path, "moved_to": target, "reason": reason, "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    with open(os.path.join(logdir, DAMAGED_DIR, DAMAGED_LOG), "a") as log:
        log.write(json.dumps(record) + "\n")
    say(f"damaged: {path} ({reason}); moved to {target}")
    return target


def damaged_files(logdir):
    """[{path, moved_to, reason, time}]: what was moved to logdir's damaged/ directory, oldest first."""
    try:
        with open(os.path.join(logdir, DAMAGED_DIR, DAMAGED_LOG)) as log:
            lines = log.read().splitlines()
    except FileNotFoundError:
        return []
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:  # a line cut short when the disk filled: the file it named is in damaged/ all the same
            continue
    return records


def unreadable(error):
    """Why a file could not be read, in a few words."""
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
    if isinstance(error, UnicodeDecodeError):
        return "not text"
    if isinstance(error, (KeyError, TypeError)):
        return f"missing or wrong field {error}"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _read_config(run_dir, config):
    """The hparams in run_dir's config.json, or None when the file is damaged (the run is moved aside)."""
    path = os.path.join(run_dir, CONFIG_FILE)
    try:
        with open(path) as f:
            document = json.load(f)
        if not isinstance(document, dict):
            raise TypeError("not an object")
        return document
    except (ValueError, TypeError) as error:
        move_aside(run_dir, f"{CONFIG_FILE} is damaged, {unreadable(error)}", config.logdir)
        return None


# ----------------------------------------------------------------------------- finding runs
EXECUTION_SETTINGS = ("backend",)  # recorded in config.json, but a run resumes under another backend


def identity(hparams):
    """What makes two runs the same run: their settings (config.json), less how they execute."""
    return None if hparams is None else {k: v for k, v in hparams.items() if k not in EXECUTION_SETTINGS}
def runs_with_settings(config, finished):
    """Run directories of config's settings (same config.json), newest first: those that
    finished (have results.json) if finished, else those that did not. Runs named before the
    name carried the cell options (<task>-<cell>-d...) are found too: config.json decides. A
    run whose config.json is damaged is moved aside on the way."""
    tail = f"-d{config.distance}-s{config.seed}-"
    pattern = os.path.join(config.logdir, f"{config.task}-{config.cell}*{tail}*")
    for candidate in sorted(glob.glob(pattern), key=lambda path: os.path.basename(path).split(tail, 1)[1], reverse=True):
        if not os.path.isfile(os.path.join(candidate, CONFIG_FILE)):
            continue
        if results.finished(candidate) != finished:
            continue
        if identity(_read_config(candidate, config)) == identity(config.hparams()):
            yield candidate


def finished_results(config):
    """(run directory, trainer.results.Results) of the newest run of config's settings that
    finished, or None. A finished run whose results.json is damaged is moved aside (so that
    it is trained again) and the next one is looked at."""
    for run_dir in runs_with_settings(config, finished=True):
        try:
            return run_dir, results.read(run_dir)
        except (ValueError, KeyError, TypeError) as error:
            move_aside(run_dir, f"{results.RESULTS_FILE} is damaged, {unreadable(error)}", config.logdir)
    return None


def trainer_of(run_dir):
    """The process id training run_dir now (holding its lock), or None if no live process does."""
    path = os.path.join(run_dir, LOCK_FILE)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return f.read().strip() or "?"
        fcntl.flock(f, fcntl.LOCK_UN)
    return None


def run_directory(config, say=print):
    """The newest unfinished run of the same settings that no live process is training (to
    resume it), else a new directory name."""
    if not config.fresh:
        for unfinished in runs_with_settings(config, finished=False):
            pid = trainer_of(unfinished)
            if pid is None:
                return unfinished
            say(f"{os.path.basename(unfinished)} is being trained by process {pid}; this one starts a run of its own")
    prefix = os.path.join(config.logdir, run_name_prefix(config))
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    directory, suffix = f"{prefix}-{stamp}", 1
    while os.path.exists(directory):
        suffix += 1
        directory = f"{prefix}-{stamp}-{suffix}"
    return directory


@contextlib.contextmanager
def training_lock(run_dir):
    """Holds the run's lock for the block (run_dir must exist): one process trains a run at a
    time. RunBusy (one line) if a live process holds it; the lock goes with the process that
    holds it, so a killed run's lock never blocks its resume."""
    with open(os.path.join(run_dir, LOCK_FILE), "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            raise RunBusy(f"run {run_dir} is being trained by process {f.read().strip() or '?'}; wait for it to end, "
                          f"or start a run of your own with --fresh") from None
        try:
            f.seek(0)
            f.truncate()
            f.write(str(os.getpid()))
            f.flush()
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
