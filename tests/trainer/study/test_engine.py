"""trainer.study.engine without a running Ray: trial keys, the sweep's source, and what a
trial's last report means (the sweep and search tests run it on Ray)."""

import json

from trainer import results
from trainer.config import Config
from trainer.study import engine


def test_trial_keys_are_run_names_made_unique():
    keys = engine.TrialKeys()
    configs = [Config(cell="rnn"), Config(cell="gru"), Config(cell="rnn", steps=2000)]
    assert [keys(config) for config in configs] == ["copy-rnn-d10-s0", "copy-gru-d10-s0", "copy-rnn-d10-s0-2"]


def test_a_config_list_gives_each_config_once_then_waits_then_is_done(tmp_path):
    configs = [Config(cell="rnn", logdir=str(tmp_path)), Config(cell="gru", logdir=str(tmp_path))]
    lines = []
    source = engine.ConfigList(configs, say=lines.append)
    assert [source.next(), source.next(), source.next()] == [configs[0], configs[1], None]  # both running
    source.ended(configs[1], engine.Outcome(configs[1], "finished"))
    assert source.next() is None and not source.done()
    source.ended(configs[0], engine.Outcome(configs[0], "diverged"))
    assert source.next() == engine.DONE and source.done()
    assert [o.status for o in source.outcomes] == ["diverged", "finished"]  # in the configs' order
    assert lines[0].startswith("[1/2] copy-gru-d10-s0: finished; about ") and lines[1] == "[2/2] copy-rnn-d10-s0: diverged"


def test_outcome_of_a_trials_last_report(tmp_path):
    config = Config(logdir=str(tmp_path))
    document = {"hparams": {}, "steps": 4, "steps_to_solve": None, "final_metrics": {"mean_accuracy": 0.9},
                "by_distance": []}
    (tmp_path / results.RESULTS_FILE).write_text(json.dumps(document))
    finished = engine.outcome_of(config, {"status": "finished", "run_dir": str(tmp_path), "node": "n1"}, None)
    assert (finished.status, finished.run_dir, finished.results.final_metrics, finished.node) == (
        "finished", str(tmp_path), {"mean_accuracy": 0.9}, "n1")
    diverged = engine.outcome_of(config, {"status": "diverged", "run_dir": "r", "node": "n2", "message": "NaN"}, None)
    assert (diverged.status, diverged.run_dir, diverged.results, diverged.error) == ("diverged", "r", None, "NaN")
    error = "Traceback (most recent call last):\n  File x\nValueError: File format not supported: checkpoint.keras\n"
    failed = engine.outcome_of(config, {"step": 20}, error)
    assert (failed.status, failed.run_dir, failed.error) == (
        "failed", None, "ValueError: File format not supported: checkpoint.keras")
    assert engine.outcome_of(config, {"step": 20}, None) is None  # stopped by the user: neither ended nor failed
