"""make sweep on the Ray started in this process: the grid, one run directory per grid point,
skipping finished runs, resuming an unfinished one, and the summary. (The sweep on a
two-node cluster, a killed node, and the address and resource errors are in
test_ray_cluster.py.)"""

import csv
import glob
import os

import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

from trainer import results
from trainer.study import presets, sweep, sweep_summary
from trainer.study.presets import PRESETS


TINY = dict(cells=["rnn", "gru"], tasks=["agreement"], distances=(2, 4), steps=4, units=4, eval_every=4)
# Default eval distances: the ladder up to 20 x distance, climbed until two rungs in a row are
# at chance; at least these (the training distance and below, and two rungs beyond it).
EVAL_DISTANCES = {2: [1, 2, 4, 5], 4: [1, 2, 4, 5, 8]}


def run_dirs(sweep_dir):
    return sorted(glob.glob(os.path.join(sweep_dir, "agreement-*")))


@pytest.fixture(scope="session")  # once per test process: xdist may interleave other modules
def tiny_sweep(tmp_path_factory, local_ray):
    sweep_dir = str(tmp_path_factory.mktemp("sweep"))
    configs = sweep.grid(PRESETS["quick"], sweep_dir, **TINY)
    outcomes = sweep.run_sweep(configs, sweep_dir, local_ray)
    return sweep_dir, configs, outcomes


def test_grid_order_and_overrides(tmp_path):
    configs = sweep.grid(PRESETS["quick"], str(tmp_path), **TINY)
    assert [(c.task, c.cell, c.distance) for c in configs] == [
        ("agreement", "rnn", 2), ("agreement", "rnn", 4), ("agreement", "gru", 2), ("agreement", "gru", 4)]
    assert all(c.steps == 4 and c.eval_every == 4 and c.units == 4 and c.distance_mode == "fixed" for c in configs)
    assert all(c.logdir == str(tmp_path) for c in configs)


def test_presets_cover_every_study_cell_and_every_task(tmp_path):
    for preset in presets.PRESETS.values():
        configs = sweep.grid(preset, str(tmp_path))
        assert {c.cell for c in configs} == set(presets.STUDY_CELLS)
        assert {c.task for c in configs} == {"copy", "agreement", "adding"}
        assert all(c.steps % c.resolved_eval_every == 0 for c in configs)


@pytest.mark.parametrize("override, message", [
    (dict(cells=["lstm", "bogus"]), "unknown cell 'bogus'; valid cells: rnn, relu_rnn"),
    (dict(tasks=["parity"]), "unknown task 'parity'; valid tasks: adding, agreement, copy"),
    (dict(distances=(0,)), "distance must be an integer >= 1, got 0"),
    (dict(cells=["rnn", "gru"], cell_options={"identity_init": True}),
     r"no cell in the sweep \(rnn, gru\) takes option 'identity_init'; it is an option of: relu_rnn"),
])
def test_grid_rejects_bad_input(tmp_path, override, message):
    with pytest.raises(ValueError, match=message):
        sweep.grid(PRESETS["quick"], str(tmp_path), **override)


def test_cell_options_go_to_the_cells_that_take_them(tmp_path):
    configs = sweep.grid(PRESETS["quick"], str(tmp_path), cells=["rnn", "relu_rnn", "lstm", "gru"], tasks=["adding"],
                         distances=(5,), cell_options={"identity_init": True, "chrono": True})
    assert {c.cell: c.cell_options() for c in configs} == {
        "rnn": {}, "relu_rnn": {"identity_init": True}, "lstm": {"chrono": True}, "gru": {"chrono": True}}


@pytest.mark.integration
@pytest.mark.xdist_group("local_ray")  # one test process trains the tiny sweep they share
def test_one_run_per_grid_point(tiny_sweep):
    sweep_dir, configs, outcomes = tiny_sweep
    assert len(run_dirs(sweep_dir)) == 4
    for config, run_dir, run_results in outcomes:
        assert os.path.basename(run_dir).startswith(f"agreement-{config.cell}-d{config.distance}-s0-")
        assert os.path.isfile(os.path.join(run_dir, results.RESULTS_FILE))
        assert run_results.hparams == config.hparams()


@pytest.mark.integration
@pytest.mark.xdist_group("local_ray")  # one test process trains the tiny sweep they share
def test_results_csv_has_one_row_per_run_and_distance(tiny_sweep):
    sweep_dir, _, outcomes = tiny_sweep
    with open(os.path.join(sweep_dir, "summary", sweep_summary.CSV_FILE)) as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == sweep_summary.CSV_COLUMNS
    expected = [(config.cell, config.distance, entry.distance) for config, _, run_results in outcomes
                for entry in run_results.by_distance]
    assert [(r["cell"], int(r["train_distance"]), int(r["eval_distance"])) for r in rows] == expected
    for config, _, run_results in outcomes:
        evaluated = [entry.distance for entry in run_results.by_distance]
        assert evaluated[:len(EVAL_DISTANCES[config.distance])] == EVAL_DISTANCES[config.distance]
    for row in rows:
        assert 0 <= float(row["low"]) <= float(row["accuracy"]) <= float(row["high"]) <= 1
        assert int(row["trials"]) == 2048 and float(row["chance"]) == 0.5


@pytest.mark.integration
@pytest.mark.xdist_group("local_ray")  # one test process trains the tiny sweep they share
def test_summary_files_and_table(tiny_sweep):
    sweep_dir, _, outcomes = tiny_sweep
    summary_dir = os.path.join(sweep_dir, "summary")
    pngs = sorted(os.path.basename(p) for p in glob.glob(os.path.join(summary_dir, "*.png")))
    assert pngs == ["accuracy_agreement.png", "attractors_agreement.png", "gates_agreement_gru.png",
                    "gradient_agreement_initial.png", "gradient_agreement_trained.png", "nearest_noun_agreement.png",
                    "preamble_agreement.png"]
    for png in pngs:
        with open(os.path.join(summary_dir, png), "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with open(os.path.join(summary_dir, sweep_summary.TABLE_FILE)) as f:
        table = f.read()
    assert "| cell | d=2 | d=4 |" in table
    for cell in ("rnn", "gru"):
        accuracies = [r.at(c.distance).accuracy.accuracy for c, _, r in outcomes if c.cell == cell]
        assert f"| {cell} | {accuracies[0]:.3f} | {accuracies[1]:.3f} |" in table
    assert "| agreement | gru | 4 |" in table  # the gradient-probe table


@pytest.mark.integration
@pytest.mark.xdist_group("local_ray")  # one test process trains the tiny sweep they share
def test_summary_is_a_tensorboard_run(tiny_sweep):
    sweep_dir, _, outcomes = tiny_sweep

    def events(run):
        accumulator = event_accumulator.EventAccumulator(os.path.join(sweep_dir, "summary", run),
                                                         size_guidance={"tensors": 0})
        accumulator.Reload()
        return accumulator
    assert {"sweep/accuracy_agreement", "sweep/attractors_agreement", "sweep/gates_agreement_gru",
            "sweep/summary"} <= set(events("").Tags()["tensors"])
    by_distance, by_lag = events("by_distance"), events("by_lag")  # a sub-run per x axis
    assert set(by_distance.Tags()["tensors"]) == {"sweep/agreement/rnn", "sweep/agreement/gru"}
    points = {e.step: float(tf.make_ndarray(e.tensor_proto)) for e in by_distance.Tensors("sweep/agreement/gru")}
    expected = {c.distance: r.at(c.distance).accuracy.accuracy for c, _, r in outcomes if c.cell == "gru"}
    assert points == pytest.approx(expected)
    lags = [e.step for e in by_lag.Tensors("sweep/gradient_initial/agreement/rnn")]
    assert lags[:5] == list(range(5)) and len(lags) <= 5 + 13  # the d=4 run: 5 words and up to 13 of a preamble


@pytest.mark.integration
@pytest.mark.xdist_group("local_ray")  # one test process trains the tiny sweep they share
def test_run_dirs_hold_probe_and_gate_summaries(tiny_sweep):
    _, _, outcomes = tiny_sweep
    for config, run_dir, run_results in outcomes:
        events = event_accumulator.EventAccumulator(run_dir, size_guidance={"tensors": 0})
        events.Reload()
        tags = set(events.Tags()["tensors"])
        by_lag = event_accumulator.EventAccumulator(os.path.join(run_dir, "by_lag"), size_guidance={"tensors": 0})
        by_lag.Reload()
        assert set(by_lag.Tags()["tensors"]) == {"gradient/log10_norm_initial", "gradient/log10_norm_trained"}
        assert "gradient/norm_by_lag_figure" in tags
        gated = config.cell == "gru"
        assert ({"gates/update", "gates/reset", "gates/heatmap"} <= tags) == gated
        assert os.path.isdir(os.path.join(run_dir, "by_time_step")) == gated
        if gated:
            histogram_steps = [e.step for e in events.Tensors("gates/update")]
            assert histogram_steps == [0, 4]
            assert config.distance + 1 <= len(run_results.probes["gates"]["reset_mean_by_time"]) <= config.distance + 14


@pytest.mark.integration
@pytest.mark.xdist_group("local_ray")  # one test process trains the tiny sweep they share
def test_second_invocation_skips_finished_runs_and_resumes_an_unfinished_one(tiny_sweep, local_ray, capsys):
    sweep_dir, configs, outcomes = tiny_sweep
    unfinished = outcomes[1][1]
    os.remove(os.path.join(unfinished, results.RESULTS_FILE))  # as if stopped before its evaluation
    capsys.readouterr()
    again = sweep.run_sweep(configs, sweep_dir, local_ray)
    printed = capsys.readouterr().out
    assert printed.count("finished earlier, skipped") == 3
    assert "training 1 of 4 runs on a Ray started on this machine" in printed
    assert len(run_dirs(sweep_dir)) == 4
    assert [run_dir for _, run_dir, _ in again] == [run_dir for _, run_dir, _ in outcomes]
    assert os.path.isfile(os.path.join(unfinished, results.RESULTS_FILE))
    def reload(directory):
        events = event_accumulator.EventAccumulator(directory, size_guidance={"tensors": 0})
        events.Reload()
        return events
    steps = [e.step for e in reload(os.path.join(unfinished, "d0004")).Tensors("validation/accuracy_at_distance")]
    assert steps == [4]  # resumed at its end: not written twice
    assert [e.step for e in reload(os.path.join(unfinished, "by_distance")).Tensors("accuracy_by_distance/test")] == [
        entry.distance for entry in again[1][2].by_distance]


@pytest.mark.parametrize("flags, message", [
    (["--preset=huge"], "unknown preset 'huge'; valid presets: quick, full"),
    (["--logdir=/proc/rnn-distance-sweep"], "logdir '/proc/rnn-distance-sweep' cannot be written (no such file or "
                                            "directory: /proc/rnn-distance-sweep); choose a directory you can write to"),
])
def test_command_line_bad_input_is_one_line(command, flags, message):
    result = command("trainer.sweep", *flags)
    assert (result.returncode, result.stderr) == (2, f"error: {message}\n")
