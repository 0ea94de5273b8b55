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
    assert source.status().endswith("0 of 2 runs done, 2 started")
    solved = results.Results(hparams={}, steps=3000, steps_to_solve=3000, final_metrics={}, by_distance=[])
    source.ended(configs[1], engine.Outcome(configs[1], "finished", "run", solved))
    assert source.next() is None and not source.done()
    assert "1 of 2 runs done, 1 started; about " in source.status() and source.status().endswith(" left")
    source.ended(configs[0], engine.Outcome(configs[0], "diverged", error="the loss became NaN at step 7"))
    assert source.next() == engine.DONE and source.done()
    assert [o.status for o in source.outcomes] == ["diverged", "finished"]  # in the configs' order
    assert lines == ["copy-gru-d10-s0: solved at step 3000",
                     "copy-rnn-d10-s0: diverged: the loss became NaN at step 7"]


def test_a_run_that_did_not_solve_says_its_test_accuracy_at_its_distance():
    config = Config(distance=20)
    unsolved = results.Results(hparams={}, steps=8000, steps_to_solve=None, by_distance=[],
                               final_metrics={"accuracy_at_train_distance": 0.8312})
    assert engine.describe_outcome(engine.Outcome(config, "finished", "run", unsolved)) == \
        "not solved in 8000 steps (test accuracy 0.831 at d=20)"


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
