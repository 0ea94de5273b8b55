"""trainer.study.sweep_summary on results written by hand (no training): how it aggregates
seeds (median, range, one CSV row per seed); test_sweep.py has a summary of real runs."""

import csv
import os

import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

from trainer.accuracy import Accuracy, DistanceResult
from trainer.config import Config
from trainer.results import Results
from trainer.study import sweep, sweep_summary
from trainer.study.presets import PRESETS


def test_sweep_grid_trains_every_point_from_each_seed(tmp_path):
    configs = sweep.grid(PRESETS["quick"], str(tmp_path), cells=["gru"], tasks=["copy"], distances=(5, 20),
                         seed=4, seeds=3)
    assert [(c.distance, c.seed) for c in configs] == [(5, 4), (5, 5), (5, 6), (20, 4), (20, 5), (20, 6)]
    with pytest.raises(ValueError, match="seeds must be an integer >= 1, got 0"):
        sweep.grid(PRESETS["quick"], str(tmp_path), seeds=0)


def fake_results(config, accuracy, steps_to_solve, horizon, norms):
    """The Results train_and_evaluate would return, with the numbers given."""
    trials = 1000
    entry = Accuracy.from_counts(round(accuracy * trials), trials)
    return Results(hparams=config.hparams(), steps=steps_to_solve or config.steps, steps_to_solve=steps_to_solve,
                   final_metrics={"generalisation_horizon": float(horizon)},
                   by_distance=[DistanceResult(config.distance, entry, 0.125)],
                   probes={"gradient": {"initial_norm_by_lag": norms, "trained_norm_by_lag": norms,
                                        "initial_decay_per_step": 0.5, "trained_decay_per_step": 0.9}})


@pytest.fixture
def three_seeds(tmp_path):
    """rnn at d=5 from seeds 0, 1, 2 (accuracies 0.5, 1.0, 0.9; two solved) and at d=20 from seed 0 only."""
    outcomes = []
    for seed, accuracy, solved, horizon, norms in [(0, 0.5, None, 2, [1.0, 0.0, 0.0]), (1, 1.0, 1000, 10, [1.0, 0.5, 0.2]),
                                                   (2, 0.9, 3000, 5, [1.0, 0.1, 0.0])]:
        config = Config(task="copy", cell="rnn", distance=5, distance_mode="fixed", steps=4000, eval_every=1000,
                        seed=seed, logdir=str(tmp_path))
        outcomes.append((config, str(tmp_path / f"run{seed}"), fake_results(config, accuracy, solved, horizon, norms)))
    config = Config(task="copy", cell="rnn", distance=20, distance_mode="fixed", steps=4000, eval_every=1000, seed=0,
                    logdir=str(tmp_path))
    outcomes.append((config, str(tmp_path / "run20"), fake_results(config, 0.2, None, 1, [1.0, 0.0, 0.0])))
    return outcomes


def test_summary_tables_show_median_and_range_over_seeds(three_seeds, tmp_path):
    cells = sweep_summary.by_task_and_cell(three_seeds)["copy"]
    assert [c.seed for c, _, _ in cells["rnn"][5]] == [0, 1, 2]
    assert sweep_summary.accuracy_table(cells).splitlines()[-1] == "| rnn | 0.900 (0.500-1.000) | 0.200 |"
    assert sweep_summary.solving_table(cells).splitlines()[-1] == (
        "| rnn | 2000 (1000-3000) steps, 2/3 solved; horizon 5 (2-10) | not solved in 4000; horizon 1 |")


def test_summary_keeps_one_csv_row_per_seed_and_writes_medians(three_seeds, tmp_path):
    summary_dir = sweep_summary.write_summary(three_seeds, str(tmp_path / "summary"))
    with open(os.path.join(summary_dir, sweep_summary.CSV_FILE)) as f:
        rows = list(csv.DictReader(f))
    assert [(int(r["train_distance"]), int(r["seed"]), float(r["accuracy"])) for r in rows] == [
        (5, 0, 0.5), (5, 1, 1.0), (5, 2, 0.9), (20, 0, 0.2)]
    with open(os.path.join(summary_dir, sweep_summary.TABLE_FILE)) as f:
        markdown = f.read()
    assert "test accuracy at the training distance (median and lowest-highest of 3 seeds)" in markdown
    assert "| copy | rnn | 5 | 2 | 0.500 | 0.900 |" in markdown  # the gradient table has a row per seed
    def events(axis):
        accumulator = event_accumulator.EventAccumulator(os.path.join(summary_dir, f"by_{axis}"),
                                                         size_guidance={"tensors": 0})
        accumulator.Reload()
        return accumulator
    medians = {e.step: float(tf.make_ndarray(e.tensor_proto)) for e in events("distance").Tensors("sweep/copy/rnn")}
    assert medians == pytest.approx({5: 0.9, 20: 0.2})
    lags = [float(tf.make_ndarray(e.tensor_proto)) for e in events("lag").Tensors("sweep/gradient_trained/copy/rnn")]
    assert lags == pytest.approx([1.0, 0.0, 0.0])  # d=20, the longest distance: one seed
    assert os.path.getsize(os.path.join(summary_dir, "accuracy_copy.png")) > 0
