"""Run directories: names that say what a run is, resuming the same settings, and finding runs
named before the names carried the cell options."""

import dataclasses
import json
import os

from trainer import results, rundir
from trainer.config import Config


def config_in(tmp_path, **overrides):
    return Config(**{"task": "adding", "cell": "lstm", "distance": 5, "logdir": str(tmp_path / "logs"), **overrides})


def newest_finished(config):
    return next(rundir.runs_with_settings(config, finished=True), None)


def make_run(directory, config, finished=False):
    os.makedirs(directory)
    with open(os.path.join(directory, rundir.CONFIG_FILE), "w") as f:
        json.dump(config.hparams(), f)
    if finished:
        open(os.path.join(directory, results.RESULTS_FILE), "w").close()
    return directory


def test_the_name_carries_the_cell_options(tmp_path):
    assert rundir.run_name_prefix(config_in(tmp_path)) == "adding-lstm-d5-s0"
    assert rundir.run_name_prefix(config_in(tmp_path, chrono=True, seed=3)) == "adding-lstm+chrono-d5-s3"
    assert rundir.run_name_prefix(config_in(tmp_path, forget_bias=2.0)) == "adding-lstm+forget_bias=2.0-d5-s0"
    assert rundir.run_name_prefix(config_in(tmp_path, cell="relu_rnn", identity_init=True)) == \
        "adding-relu_rnn+identity_init-d5-s0"
    assert os.path.basename(rundir.run_directory(config_in(tmp_path, chrono=True))).startswith("adding-lstm+chrono-d5-s0-")


def test_fresh_starts_a_new_run_and_finished_runs_are_not_resumed(tmp_path):
    config = config_in(tmp_path)
    first = make_run(rundir.run_directory(config), config)
    assert rundir.run_directory(config) == first
    assert rundir.run_directory(dataclasses.replace(config, fresh=True)) != first
    assert rundir.run_directory(dataclasses.replace(config, units=9)) != first
    assert rundir.run_directory(dataclasses.replace(config, chrono=True)) != first, "cell options are settings"
    open(os.path.join(first, results.RESULTS_FILE), "w").close()
    assert rundir.run_directory(config) != first


def test_a_run_named_without_its_options_is_found_by_its_settings_newest_first(tmp_path):
    """Runs kept from before the names carried the options (docs/horizon/*/runs) are reused:
    config.json decides, and the newest by time stamp comes first whichever way it is named."""
    chrono = config_in(tmp_path, chrono=True)
    logdir = chrono.logdir
    older = make_run(os.path.join(logdir, "adding-lstm-d5-s0-20261203-100000"), chrono, finished=True)
    assert newest_finished(chrono) == older
    assert newest_finished(config_in(tmp_path)) is None, "the default lstm is other settings"
    newer = make_run(os.path.join(logdir, "adding-lstm+chrono-d5-s0-20261206-100000"), chrono, finished=True)
    assert list(rundir.runs_with_settings(chrono, finished=True)) == [newer, older]
    newest = make_run(os.path.join(logdir, "adding-lstm-d5-s0-20261207-100000"), chrono, finished=True)
    assert newest_finished(chrono) == newest
