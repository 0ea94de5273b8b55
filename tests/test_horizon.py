"""The memory-horizon search: its doubling and bisection against a stand-in trainer (a plain
function that solves every distance up to a known horizon, which depends on the seed), reuse
of finished probes, the report, one real search through Ray, and the command line's errors."""

import json
import os
import subprocess
import sys

import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

from trainer import engine, horizon, sweep
from trainer.evaluate import Accuracy
from trainer.rundir import CONFIG_FILE, run_directory
from trainer.summaries import RESULTS_FILE

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOUNDS = horizon.Bounds(start=5, longest=320, resolution=0.1)


def search_by_oracle(true_horizon, bounds=BOUNDS):
    """The probes and result of one lane whose cell solves exactly the distances <= true_horizon."""
    solved = {}
    while (distance := horizon.next_distance(solved, bounds)) is not None:
        solved[distance] = distance <= true_horizon
    return list(solved), horizon.horizon_of(solved)


def test_probes_double_then_bisect():
    probes, (found, kind) = search_by_oracle(37)
    assert probes == [5, 10, 20, 40, 30, 35, 37]
    assert (found, kind) == (37, horizon.EXACT)


def test_the_horizon_found_is_exact_to_the_resolution():
    for true_horizon in range(0, 400):
        probes, (found, kind) = search_by_oracle(true_horizon)
        if true_horizon < BOUNDS.start:
            assert (found, kind, probes) == (0, horizon.BELOW, [5])
        elif true_horizon >= BOUNDS.longest:
            assert (found, kind, probes) == (320, horizon.AT_LEAST, [5, 10, 20, 40, 80, 160, 320])
        else:
            assert kind == horizon.EXACT
            assert found <= true_horizon < found + max(1, BOUNDS.resolution * found), true_horizon
            assert len(probes) <= 7 + 5  # doublings to 320, then at most log2(1 / 0.1) + 1 bisections


def test_bounds_are_checked():
    with pytest.raises(ValueError, match=r"longest \(4\) must be at least start \(5\)"):
        horizon.Bounds(5, 4, 0.1).validate()
    with pytest.raises(ValueError, match="resolution must be a number in \\(0, 1\\), e.g. 0.1 for 10%, got 1.5"):
        horizon.Bounds(5, 40, 1.5).validate()


# ----------------------------------------------------------------------------- a stand-in trainer
TRUE_HORIZON = {"rnn": 12, "gru": 50}  # plus 8 x seed
SEARCH_BOUNDS = horizon.Bounds(start=5, longest=80, resolution=0.1)


def true_horizon(cell, seed):
    return TRUE_HORIZON[cell] + 8 * seed


class StandIn:
    """Trains nothing: writes each probe's run directory as train_and_evaluate would, solved
    iff its distance is within the cell's true horizon (which grows with the seed)."""

    def __init__(self):
        self.batches = []

    def __call__(self, configs):
        self.batches.append([(c.cell, c.seed, c.distance) for c in configs])
        outcomes = []
        for config in configs:
            solved = config.distance <= true_horizon(config.cell, config.seed)
            run_dir = run_directory(config)
            os.makedirs(run_dir)
            with open(os.path.join(run_dir, CONFIG_FILE), "w") as f:
                json.dump(config.hparams(), f)
            accuracy = Accuracy.from_counts(2048 if solved else 1100, 2048)
            results = {"hparams": config.hparams(), "steps": 120 if solved else config.steps,
                       "steps_to_solve": 40 + config.distance if solved else None,
                       "final_metrics": {"generalisation_horizon": float(config.distance if solved else 0)},
                       "by_distance": [{"distance": config.distance, "accuracy": accuracy.__dict__, "chance": 0.5}],
                       "breakdowns": {}, "probes": {}}
            with open(os.path.join(run_dir, RESULTS_FILE), "w") as f:
                json.dump(results, f)
            outcomes.append(engine.Outcome(config, "finished", run_dir, results))
        return outcomes


def plan(logdir, cells=("rnn", "gru"), seeds=2, **options):
    lanes, config_for, settings = horizon.plan(["agreement"], list(cells), 0, seeds, SEARCH_BOUNDS,
                                               sweep.PRESETS["quick"], str(logdir), steps=300, units=4, **options)
    return lanes, config_for, SEARCH_BOUNDS, settings


@pytest.fixture(scope="session")  # once per test process: xdist may interleave other modules
def stand_in_search(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("horizon")
    trainer = StandIn()
    lanes, config_for, bounds, settings = plan(logdir)
    document = horizon.run_search(lanes, config_for, bounds, settings, str(logdir), train=trainer)
    return logdir, trainer, document


def test_lanes_advance_together_one_batch_per_round(stand_in_search):
    _, trainer, _ = stand_in_search
    assert trainer.batches[0] == [("rnn", 0, 5), ("rnn", 1, 5), ("gru", 0, 5), ("gru", 1, 5)]
    assert trainer.batches[1] == [("rnn", 0, 10), ("rnn", 1, 10), ("gru", 0, 10), ("gru", 1, 10)]
    by_lane = {}
    for batch in trainer.batches:
        for cell, seed, distance in batch:
            by_lane.setdefault((cell, seed), []).append(distance)
    assert by_lane == {lane: search_by_oracle(true_horizon(*lane), SEARCH_BOUNDS)[0] for lane in by_lane}
    assert by_lane[("rnn", 0)] == [5, 10, 20, 15, 12, 13]  # true horizon 12
    assert by_lane[("gru", 1)] == [5, 10, 20, 40, 80, 60, 50, 55]  # true horizon 58, found 55: within 10%


def test_horizons_per_lane_and_per_cell(stand_in_search):
    logdir, _, document = stand_in_search
    found = {(lane["cell"], lane["seed"]): (lane["horizon"], lane["kind"]) for lane in document["lanes"]}
    assert found == {("rnn", 0): (12, "exact"), ("rnn", 1): (20, "exact"), ("gru", 0): (50, "exact"),
                     ("gru", 1): (55, "exact")}
    cells = {entry["cell"]: entry for entry in document["cells"]}
    assert (cells["rnn"]["median"], cells["rnn"]["low"], cells["rnn"]["high"]) == (16, 12, 20)
    assert cells["gru"]["text"] == "52.5 (50 to 55)"
    assert document["settings"]["steps"] == {"agreement": 300} and document["settings"]["units"] == 4
    with open(os.path.join(logdir, horizon.HORIZON_FILE)) as f:
        assert json.load(f) == document
    gru0 = next(lane for lane in document["lanes"] if (lane["cell"], lane["seed"]) == ("gru", 0))
    assert [(p["distance"], p["solved"], p["steps_to_solve"]) for p in gru0["probes"]][:3] == [
        (5, True, 45), (10, True, 50), (20, True, 60)]


def test_report_files_and_tensorboard_run(stand_in_search):
    logdir, _, document = stand_in_search
    summary_dir = os.path.join(logdir, "summary")
    assert sorted(name for name in os.listdir(summary_dir) if name.endswith(".png")) == [
        "horizon_agreement.png", "probes_agreement.png", "steps_agreement.png"]
    with open(os.path.join(summary_dir, horizon.TABLE_FILE)) as f:
        table = f.read()
    assert "| rnn | 16 (12 to 20) | 0: 12, 1: 20 | 13 |" in table
    def events(run):
        accumulator = event_accumulator.EventAccumulator(os.path.join(summary_dir, run), size_guidance={"tensors": 0})
        accumulator.Reload()
        return accumulator
    assert {"horizon/summary", "horizon/horizon_agreement", "horizon/probes_agreement",
            "horizon/steps_agreement"} <= set(events("").Tags()["tensors"])
    assert set(events("by_budget").Tags()["tensors"]) == {"horizon/agreement/rnn", "horizon/agreement/gru"}
    (point,) = events("by_budget").Tensors("horizon/agreement/gru")
    assert (point.step, float(tf.make_ndarray(point.tensor_proto))) == (300, 52.5)
    steps = {e.step: float(tf.make_ndarray(e.tensor_proto))
             for e in events("by_distance").Tensors("steps_to_solve/agreement/rnn")}
    assert steps == {5: 45, 10: 50, 12: 52, 20: 60}  # solved probes only: 12 by seed 0, 20 by seed 1


def test_a_second_invocation_reuses_every_probe(stand_in_search, capsys):
    logdir, _, document = stand_in_search
    trainer = StandIn()
    lanes, config_for, bounds, settings = plan(logdir)
    again = horizon.run_search(lanes, config_for, bounds, settings, str(logdir), train=trainer)
    assert trainer.batches == []
    assert [lane["horizon"] for lane in again["lanes"]] == [lane["horizon"] for lane in document["lanes"]]
    assert again["probes_trained"] == 0
    assert "(finished earlier, reused)" in capsys.readouterr().out


def test_more_seeds_train_only_the_new_lanes(stand_in_search):
    logdir, _, _ = stand_in_search
    trainer = StandIn()
    lanes, config_for, bounds, settings = plan(logdir, cells=("rnn",), seeds=3)
    document = horizon.run_search(lanes, config_for, bounds, settings, str(logdir), train=trainer)
    assert {seed for batch in trainer.batches for _, seed, _ in batch} == {2}
    assert [lane["horizon"] for lane in document["lanes"]] == [12, 20, 28]


def test_a_failed_probe_stops_its_lane_and_the_search_exits_1(tmp_path):
    def failing(configs):
        return [engine.Outcome(c, "failed", error="worker died") if c.cell == "rnn" else outcome
                for c, outcome in zip(configs, StandIn()(configs))]
    lanes, config_for, bounds, settings = plan(tmp_path, seeds=1)
    with pytest.raises(horizon.cli.Stop, match="1 of 2 lanes stopped because a probe failed after 3 retries, the "
                                               "first agreement rnn seed 0: worker died") as stop:
        horizon.run_search(lanes, config_for, bounds, settings, str(tmp_path), train=failing)
    assert stop.value.status == 1
    with open(os.path.join(tmp_path, horizon.HORIZON_FILE)) as f:
        document = json.load(f)
    assert [lane["cell"] for lane in document["lanes"]] == ["gru"]
    assert document["failed"] == [{"task": "agreement", "cell": "rnn", "seed": 0, "error": "worker died"}]


def test_probe_configs_train_at_one_distance_and_evaluate_there(tmp_path):
    lanes, config_for, _, _ = plan(tmp_path, cells=("lstm",), seeds=1, cell_options={"chrono": True})
    config = config_for(lanes[0], 40)
    assert (config.distance, config.distance_mode, config.resolved_eval_distances) == (40, "fixed", (40,))
    assert (config.steps, config.eval_every, config.units, config.learning_rate) == (300, 30, 4, 3e-3)
    assert config.cell_options() == {"chrono": True}
    assert horizon.default_eval_every(4000) == 400 and horizon.default_eval_every(7) == 1


# ----------------------------------------------------------------------------- the real thing, tiny
def run_command(*args):
    return subprocess.run([sys.executable, "-m", "trainer.horizon", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_a_real_search_through_ray(tmp_path):
    """Tiny probes with a threshold every probe reaches: the lane doubles to the longest distance."""
    logdir = tmp_path / "search"
    result = run_command("--task=agreement", "--cells=gru", "--steps=4", "--units=4", "--solved_accuracy=0.01",
                         "--start=2", "--longest=4", f"--logdir={logdir}", "--cpus_per_run=1")
    assert result.returncode == 0, result.stderr[-3000:]
    with open(logdir / horizon.HORIZON_FILE) as f:
        document = json.load(f)
    (lane,) = document["lanes"]
    assert (lane["horizon"], lane["kind"]) == (4, "at_least")
    assert [(p["distance"], p["solved"], p["steps_to_solve"]) for p in lane["probes"]] == [(2, True, 1), (4, True, 1)]
    assert "agreement gru seed 0: d=2 solved at step 1" in result.stdout
    assert "| gru | >= 4 | 0: >= 4 | 2 |" in result.stdout
    for probe in lane["probes"]:
        assert os.path.isfile(logdir / probe["run"] / RESULTS_FILE)


@pytest.mark.parametrize("change, message", [
    (dict(bounds=horizon.Bounds(10, 5, 0.1)), r"longest \(5\) must be at least start \(10\)"),
    (dict(bounds=horizon.Bounds(5, 80, 0)), r"resolution must be a number in \(0, 1\)"),
    (dict(cells=["rnn", "bogus"]), "unknown cell 'bogus'; valid cells: rnn, relu_rnn"),
    (dict(tasks=["parity"]), "unknown task 'parity'; valid tasks: adding, agreement, copy"),
    (dict(cells=["rnn"], cell_options={"chrono": True}),
     r"no cell in the sweep \(rnn\) takes option 'chrono'; it is an option of: lstm, gru"),
    (dict(seeds=0), "seeds must be an integer >= 1, got 0"),
    (dict(eval_every=7), r"steps \(300\) must be a multiple of eval_every \(7\)"),
    (dict(learning_rate=-1.0), "learning_rate must be a number > 0, got -1.0"),
])
def test_a_bad_search_is_refused_before_anything_is_written(tmp_path, change, message):
    arguments = dict(tasks=["agreement"], cells=["rnn"], seed=0, seeds=1, bounds=SEARCH_BOUNDS,
                     preset=sweep.PRESETS["quick"], logdir=str(tmp_path / "search"), steps=300)
    with pytest.raises(ValueError, match=message):
        horizon.plan(**{**arguments, **change})
    assert not os.path.exists(tmp_path / "search")


@pytest.mark.parametrize("flags, message", [
    (["--start=10", "--longest=5"], "longest (5) must be at least start (10)"),
    (["--preset=huge"], "unknown preset 'huge'; valid presets: quick, full"),
    (["--logdir=/proc/rnn-distance-horizon"], "logdir '/proc/rnn-distance-horizon' cannot be written (no such file or "
                                              "directory: /proc/rnn-distance-horizon); choose a directory you can write to"),
])
def test_bad_input_on_the_command_line_is_one_line_and_exit_2(command, tmp_path, flags, message):
    result = command("trainer.horizon", *(flags if "logdir" in flags[0] else [*flags, f"--logdir={tmp_path / 's'}"]))
    assert (result.returncode, result.stderr) == (2, f"error: {message}\n")
    assert not (tmp_path / "s").exists()
    assert not os.path.exists(tmp_path / "search")
