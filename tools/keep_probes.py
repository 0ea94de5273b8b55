"""Keeps a search's finished probes small enough to commit, so that a search longer than a
session can be resumed elsewhere: for each finished run below LOGDIR, its config.json and its
results.json without the gradient probe and the accuracy breakdowns (the search reads neither).

    python -m tools.keep_probes --logdir=LOGDIR --dest=DEST   # DEST/<run>/config.json, results.json
    cp -r DEST/* LOGDIR/                                         # later, anywhere: the search reuses them

A run directory with these two files is a finished probe to the search (trainer.rundir), so
the same `make horizon` command then trains only the probes still missing.
"""

import json
import os

from absl import flags

from common import cli
from common.files import write_json_atomically
from trainer.results import RESULTS_FILE
from trainer.rundir import CONFIG_FILE

DROPPED = ("probes", "breakdowns")


def keep(logdir, dest):
    kept = 0
    for name in sorted(os.listdir(logdir)):
        run = os.path.join(logdir, name)
        if not (os.path.isfile(os.path.join(run, CONFIG_FILE)) and os.path.isfile(os.path.join(run, RESULTS_FILE))):
            continue
        os.makedirs(os.path.join(dest, name), exist_ok=True)
        for file_name in (CONFIG_FILE, RESULTS_FILE):
            with open(os.path.join(run, file_name)) as f:
                document = json.load(f)
            if file_name == RESULTS_FILE:
                for key in DROPPED:
                    document.pop(key, None)
                for entry in document["by_distance"]:
                    entry.pop("breakdowns", None)
            write_json_atomically(os.path.join(dest, name, file_name), document)
        kept += 1
    return kept


def main():
    print(f"kept {keep(flags.FLAGS.logdir, flags.FLAGS.dest)} finished probes in {flags.FLAGS.dest}")


def define_flags():
    """The command line's flags (only when run as a program)."""
    flags.DEFINE_string("logdir", None, "The search's directory (its probes' run directories).", required=True)
    flags.DEFINE_string("dest", None, "Where to keep them (e.g. docs/horizon/<search>/runs).", required=True)


if __name__ == "__main__":
    define_flags()
    cli.run(main)
