"""trainer.study.horizon and its report (trainer.study.report): the protocol against a
stand-in trainer (a function with a known solved-fraction curve over distance, seed noise and
a non-monotone failure), resuming, bad input, and one tiny real search through Ray."""

import dataclasses
import glob
import json
import os
import subprocess
import sys

import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

from common import cli
from trainer.study import engine, horizon, report
from trainer.study import search
from trainer.study.presets import PRESETS
from trainer.accuracy import Accuracy
from trainer.rundir import CONFIG_FILE, run_directory
from trainer import results as run_results
from trainer.results import RESULTS_FILE

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
BOUNDS = horizon.Bounds(start=5, longest=160, resolution=0.2)
BUDGET = 300


# ----------------------------------------------------------------------------- a stand-in trainer
# Each cell's seeds solve every distance up to a horizon of their own (at the fastest rate), the
# last gru seed fails one distance far below its horizon; a probe solves at step 3 d + 20, times
# the rate's slowdown (None: never). Probes that fail had a first look the test split rejected.
# A solved probe's solution holds to HOLDS times its seed's horizon on the retention climb. A seed's
# horizon grows with the size: it is the listed one at 4 units, twice it at 8, and so on.
HORIZONS = {"gru": (20, 30, 40, 60, 90), "rnn": (5, 8, 9, 12, 15), "lstm": (10, 10, 10, 10, 10)}
BREAKS = {("gru", 4): 26}
HOLDS = 4
SLOWDOWN = {"gru": {0.001: None, 0.003: 2, 0.01: 1}, "rnn": {0.001: None, 0.003: 2, 0.01: 1},
            "lstm": {0.001: None, 0.003: 1, 0.01: 1}}  # lstm: a tie the final loss breaks


def seed_horizon(cell, seed, units):
    return HORIZONS[cell][seed] * units // 4


def solve_step(cell, seed, distance, rate, units):
    slowdown = SLOWDOWN[cell][rate]
    if slowdown is None or distance > seed_horizon(cell, seed, units) or BREAKS.get((cell, seed)) == distance:
        return None
    return (3 * distance + 20) * slowdown


class StandIn:
    """Trains nothing: writes each probe's run directory as train_and_evaluate would."""

    def __init__(self, interrupt_after=None):
        self.trained, self.interrupt_after = [], interrupt_after

    def __call__(self, configs):
        if self.interrupt_after is not None and len(self.trained) >= self.interrupt_after:
            raise KeyboardInterrupt
        outcomes = []
        for config in configs:
            self.trained.append((config.cell, config.seed, config.distance, config.learning_rate))
            step = solve_step(config.cell, config.seed, config.distance, config.learning_rate, config.units)
            solved = step is not None and step <= config.steps
            run_dir = run_directory(config)
            os.makedirs(run_dir)
            with open(os.path.join(run_dir, CONFIG_FILE), "w") as f:
                json.dump(config.hparams(), f)
            accuracy = Accuracy.from_counts(2048 if solved else 1100, 2048)
            below = Accuracy.from_counts(1100, 2048)
            retention = [{"distance": d, "accuracy": (accuracy if d <= HOLDS * seed_horizon(config.cell, config.seed, config.units)
                                                      else below).__dict__, "chance": 0.5}
                         for d in (config.retention_rungs if solved else ())]
            looks = [{"step": step or config.steps, "validation": 0.99, "test": 1.0 if solved else 0.98,
                      "confirmed": solved}] if solved or config.distance > 5 else []
            results = {"hparams": config.hparams(), "steps": step if solved else config.steps,
                       "steps_to_solve": step if solved else None, "first_looks": looks,
                       "final_loss": 0.1 + config.learning_rate if solved else 0.69,
                       "final_metrics": {"generalisation_horizon": float(config.distance if solved else 0)},
                       "by_distance": [{"distance": d, "accuracy": accuracy.__dict__, "chance": 0.5}
                                       for d in config.resolved_eval_distances] + retention,
                       "breakdowns": {}, "probes": {}}
            with open(os.path.join(run_dir, RESULTS_FILE), "w") as f:
                json.dump(results, f)
            outcomes.append(engine.Outcome(config, "finished", run_dir, run_results.read(run_dir)))
        return outcomes


def plan(logdir, cells=("gru", "rnn", "lstm"), seeds=5, units=4, **options):
    return horizon.plan(["agreement"], list(cells), 0, seeds, BOUNDS, PRESETS["quick"], str(logdir),
                        steps=BUDGET, units=units, **options)


@pytest.fixture(scope="session")  # once per test process: xdist may interleave other modules
def stand_in_search(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("horizon")
    trainer = StandIn()
    document = horizon.run_search(plan(logdir), str(logdir), train=trainer)
    return logdir, trainer, document


def cell(document, label):
    return next(entry for entry in document["cells"] if entry["cell"] == label)


def test_each_cell_picks_the_rate_its_seeds_solve_fastest_with(stand_in_search):
    _, _, document = stand_in_search
    assert cell(document, "gru")["learning_rate"] == 0.01  # solves in half the steps of 0.003
    assert cell(document, "lstm")["learning_rate"] == 0.003  # the same steps as 0.01: the lower final loss
    choice = {row["rate"]: row for row in cell(document, "gru")["rate_choice"]}
    assert (choice[0.01]["median_steps"], choice[0.003]["median_steps"], choice[0.001]["solved"]) == (35, 70, 0)


def test_seeds_share_the_grid_and_the_horizon_is_where_half_of_them_fail(stand_in_search):
    _, trainer, document = stand_in_search
    gru = cell(document, "gru")
    # doubling until two points in a row fail (45: 2 of 5 solve, 92: none), then filled from 21 to 45
    assert gru["distances"] == [5, 10, 21, 26, 31, 37, 45, 92]
    assert gru["fractions"] == pytest.approx([1, 1, 0.8, 0.6, 0.6, 0.6, 0.4, 0])
    assert gru["horizon"]["value"] == pytest.approx((37 * 45) ** 0.5, abs=0.01)  # halfway from 0.6 at 37 to 0.4 at 45
    assert gru["horizon"]["low"] < gru["horizon"]["value"] < 45 < gru["horizon"]["high"] < 92  # 92: no seed solves
    assert gru["horizon"]["low"] >= (10 * 21) ** 0.5  # no resample of these seeds falls below it
    rnn = cell(document, "rnn")
    assert rnn["distances"] == [5, 6, 7, 9, 10, 21] and rnn["horizon"]["value"] == pytest.approx(90 ** 0.5, abs=0.01)
    every_seed = {d for name, seed, d, rate in trainer.trained if name == "gru" and rate == 0.01}
    for seed in range(5):  # every seed probed every distance the cell did
        assert {d for name, s, d, rate in trainer.trained if name == "gru" and s == seed and rate == 0.01} == every_seed


def test_each_seed_s_last_solved_distance_and_the_probes_out_of_order_are_kept(stand_in_search):
    gru = cell(stand_in_search[2], "gru")
    assert [seed["last_solved"] for seed in gru["seeds"]] == [10, 26, 37, 45, 45]
    assert gru["breaks"] == [{"seed": 4, "failed": 26, "solved": 31}]
    probe = next(p for p in gru["seeds"][4]["probes"] if p["distance"] == 26 and p["learning_rate"] == 0.01)
    assert (probe["solved"], probe["rejected_looks"]) == (False, 1)


def test_retention_is_how_far_each_seed_s_solutions_hold_beyond_what_they_learned(stand_in_search):
    """gru's seeds learn up to 10, 26, 37, 45 and 45 and hold to 4 x their horizons (20, 30, 40, 60, 90):
    on the ladder beyond each probe's twice-distance, the longest rung that holds is 50, 100,
    100, 200 and 200 (a seed takes its best probe); the median is 100. Seeds 1 to 4 still held
    at the end of a climb (their d = 5 or d = 10 probe's, at 20 times its distance)."""
    retention = cell(stand_in_search[2], "gru")["retention"]
    assert [(s["holds_to"], s["at_least"]) for s in retention["seeds"]] == [
        (50, False), (100, True), (100, True), (200, True), (200, True)]
    assert retention["value"] == 100 and retention["low"] <= 100 <= retention["high"]
    assert "| 100 (50 to 200); 4 of 5 seeds still held at the climb's end |" in report.horizon_table(stand_in_search[2])


def test_searched_at_several_sizes_each_cell_says_whether_its_size_or_its_budget_bounds_it(tmp_path):
    """rnn's horizon doubles from 4 to 8 units and is flat in steps (it solves in 3 d + 20 steps of
    300): capacity-bound; the report names the smallest size at which a cell solves d = 5."""
    document = horizon.run_search(plan(tmp_path, cells=("rnn",), units=(4, 8)), str(tmp_path), train=StandIn())
    assert [(c["name"], c["units"], c["status"]) for c in document["cells"]] == [
        ("rnn, 4 units", 4, "flat"), ("rnn, 8 units", 8, "flat")]
    small, large = (c["horizon"]["value"] for c in document["cells"])
    assert small == pytest.approx(90 ** 0.5, abs=0.01) and large > 1.2 * small
    table = report.horizon_table(document)
    assert "| rnn | 9.5 (" in table and "| capacity-bound: rises with units, flat in steps |" in table
    assert "The smallest size at which a cell solves d = 5 with half its seeds within the budget: 4 units (rnn)." in table
    assert os.path.isfile(tmp_path / "summary" / "capacity_agreement.png")
    partial = dict(document, cells=document["cells"][:1])  # as an interrupted search has it: 8 units not done
    assert "| rnn | 9.5 (5.8 to 13) |  | 20 (20 to 50) |  | not known yet: 8 units not done |" in report.horizon_table(partial)
    assert report.capacity_state([(4, {"kind": "exact", "value": 20.0}), (8, {"kind": "exact", "value": 21.0})],
                                 "budget-bound", 0.2, 160) == "budget-bound: rises with steps, not with units"
    assert report.capacity_state([(64, {"kind": "exact", "value": 32.0}), (128, {"kind": "exact", "value": 5.5})],
                                 "budget-bound", 0.2, 320) == "budget-bound: rises with steps; lower at the larger size"
    assert report.capacity_state([(4, {"kind": "below", "value": 0.0}), (8, {"kind": "below", "value": 0.0})],
                                 "below start", 0.2, 160) == "not solved at the first distance at any size"


def test_a_probe_holds_to_the_last_rung_before_one_below_the_threshold():
    probe = search.Probe(0, 10, 0.01, True, 100, 0.1, 1.0, ((5, 1.0), (10, 1.0), (20, 0.995), (50, 0.98), (100, 1.0)))
    assert search.held_to(probe, 0.99) == (20, False)  # 50 fell below: 100 does not count
    assert search.held_to(probe, 0.9) == (100, True)  # held at the climb's end: at least 100
    assert search.held_to(dataclasses.replace(probe, solved=False), 0.9) == (0, False)


def test_the_budget_curve_comes_from_the_steps_to_solve_and_never_falls(stand_in_search):
    gru = cell(stand_in_search[2], "gru")
    budgets = [(entry["budget"], entry["kind"], entry["value"]) for entry in gru["budgets"]]
    assert [b for b, _, _ in budgets] == [18, 37, 75, 150, 300]
    assert budgets[0][1] == search.BELOW  # nothing is solved by step 18 (3 x 5 + 20 = 35)
    assert [v for _, _, v in budgets[1:]] == pytest.approx([50 ** 0.5, 210 ** 0.5, 37 * (45 / 37) ** (1 / 6),
                                                            (37 * 45) ** 0.5], abs=0.01)
    values = [v for _, _, v in budgets]
    assert values == sorted(values)
    assert gru["status"] == "flat"  # 40.8 at 300 steps is within one grid step (x 1.2) of 38.2 at 150


def test_first_looks_the_test_split_rejected_are_counted(stand_in_search):
    looks = stand_in_search[2]["first_looks"]
    probes = sum(c["probes"] for c in stand_in_search[2]["cells"])
    assert looks["probes"] == probes and looks["with_a_rejected_first_look"] > 0
    assert looks["confirmed_later"] == 0 and looks["never_confirmed"] == looks["with_a_rejected_first_look"]


def test_report_files_and_tensorboard_run(stand_in_search):
    logdir, _, document = stand_in_search
    with open(os.path.join(logdir, report.HORIZON_FILE)) as f:
        assert json.load(f) == json.loads(json.dumps(document))
    summary_dir = os.path.join(logdir, "summary")
    assert sorted(name for name in os.listdir(summary_dir) if name.endswith(".png")) == [
        "budget_agreement.png", "fractions_agreement.png", "horizon_agreement.png", "retention_agreement.png",
        "steps_agreement.png"]
    with open(os.path.join(summary_dir, report.TABLE_FILE)) as f:
        table = f.read()
    assert "| gru | 0.01 | 41 (" in table and "| flat over the last doubling | 100 (50 to 200); 4 of 5 seeds still held at the climb's end | 10, 26, 37, 45, 45 |" in table
    assert "seed 4 failed 26, solved 31" in table

    def events(run):
        accumulator = event_accumulator.EventAccumulator(os.path.join(summary_dir, run), size_guidance={"tensors": 0})
        accumulator.Reload()
        return accumulator
    assert {"horizon/summary", "horizon/horizon_agreement", "horizon/budget_agreement",
            "horizon/fractions_agreement"} <= set(events("").Tags()["tensors"])
    curve = [(e.step, float(tf.make_ndarray(e.tensor_proto))) for e in events("by_budget").Tensors("horizon/agreement/gru")]
    assert [step for step, _ in curve] == [18, 37, 75, 150, 300]  # step = the budget
    assert curve[-1][1] == pytest.approx(40.8, abs=0.01)
    fractions = {e.step: float(tf.make_ndarray(e.tensor_proto))
                 for e in events("by_distance").Tensors("solved_fraction/agreement/gru")}
    assert fractions[45] == pytest.approx(0.4)
    assert os.path.isdir(os.path.join(summary_dir, "cells", "agreement-gru"))


def test_a_second_invocation_reuses_every_probe(stand_in_search, capsys):
    logdir, _, document = stand_in_search
    trainer = StandIn()
    again = horizon.run_search(plan(logdir), str(logdir), train=trainer)
    assert trainer.trained == [] and again["probes_trained"] == 0
    assert [c["horizon"] for c in again["cells"]] == [c["horizon"] for c in document["cells"]]
    out = capsys.readouterr().out
    assert "(finished earlier, reused)" in out
    assert out.splitlines()[-1].startswith(f"to see it in TensorBoard: make tensorboard LOGDIR={logdir}/summary ")


def test_a_damaged_probe_is_moved_aside_trained_again_and_listed(tmp_path, capsys):
    """A kept probe's results.json cut in half and another's config.json overwritten: neither
    stops the search; each run directory is moved to damaged/ (kept), trained again, and listed."""
    horizon.run_search(plan(tmp_path, cells=("gru",), seeds=2), str(tmp_path), train=StandIn())
    runs = sorted(glob.glob(str(tmp_path / "agreement-gru-*")))
    with open(os.path.join(runs[0], RESULTS_FILE), "r+") as f:
        f.truncate(len(f.read()) // 2)
    with open(os.path.join(runs[1], CONFIG_FILE), "w") as f:
        f.write("\x00\x00")
    again = StandIn()
    document = horizon.run_search(plan(tmp_path, cells=("gru",), seeds=2), str(tmp_path), train=again)
    assert len(again.trained) == 2
    damaged = {entry["path"]: entry for entry in document["damaged"]}
    assert set(damaged) == set(runs[:2])
    assert damaged[runs[0]]["reason"].startswith("results.json is damaged, not valid JSON: ")
    assert damaged[runs[1]]["reason"].startswith("config.json is damaged, not valid JSON: ")
    out = capsys.readouterr().out
    for path, entry in damaged.items():
        assert entry["moved_to"] == os.path.join(str(tmp_path), "damaged", os.path.basename(path))
        assert os.path.isdir(entry["moved_to"]) and not os.path.exists(path)
        assert f"damaged: {path} ({entry['reason']}); moved to {entry['moved_to']}" in out
    with open(tmp_path / "summary" / report.TABLE_FILE) as f:
        table = f.read()
    assert "Damaged files found, moved aside (kept) and trained again:" in table
    assert all(f"moved to {entry['moved_to']}" in table for entry in damaged.values())


def test_an_interrupted_search_resumes_and_trains_each_probe_once(tmp_path):
    first = StandIn(interrupt_after=12)
    with pytest.raises(KeyboardInterrupt):
        horizon.run_search(plan(tmp_path, cells=("gru",)), str(tmp_path), train=first)
    second = StandIn()
    document = horizon.run_search(plan(tmp_path, cells=("gru",)), str(tmp_path), train=second)
    uninterrupted = StandIn()
    horizon.run_search(plan(tmp_path / "whole", cells=("gru",)), str(tmp_path / "whole"), train=uninterrupted)
    assert sorted(first.trained + second.trained) == sorted(uninterrupted.trained)  # none twice, none lost
    assert len(first.trained) == 15 and cell(document, "gru")["horizon"]["value"] == pytest.approx(40.8, abs=0.01)


def test_an_interrupted_search_reports_the_cells_it_finished_and_lists_the_others(tmp_path, stand_in_search):
    _, _, whole = stand_in_search
    stand_in = StandIn()

    def until_lstm_is_done(configs):  # lstm's search ends first; the first batch without it is interrupted
        if all(config.cell == "gru" for config in configs):
            raise KeyboardInterrupt
        return stand_in(configs)
    with pytest.raises(KeyboardInterrupt):
        horizon.run_search(plan(tmp_path, cells=("gru", "lstm")), str(tmp_path), train=until_lstm_is_done)
    with open(os.path.join(tmp_path, report.HORIZON_FILE)) as f:
        document = json.load(f)
    gru_probes = sum(1 for trained in stand_in.trained if trained[0] == "gru")
    assert [c["cell"] for c in document["cells"]] == ["lstm"]
    assert document["pending"] == [{"task": "agreement", "cell": "gru", "probes": gru_probes}] and gru_probes > 0
    for key in ("horizon", "budgets", "learning_rate", "distances", "fractions"):
        assert cell(document, "lstm")[key] == cell(whole, "lstm")[key]
    with open(os.path.join(tmp_path, "summary", report.TABLE_FILE)) as f:
        assert f"Interrupted before these cells were done (the same command resumes them): agreement gru " \
               f"({gru_probes} probes so far)." in f.read()


def test_a_failed_probe_stops_its_cell_and_the_search_exits_1(tmp_path):
    def failing(configs):
        return [engine.Outcome(c, "failed", error="worker died") if c.cell == "rnn" else outcome
                for c, outcome in zip(configs, StandIn()(configs))]
    with pytest.raises(cli.Stop, match="1 of 2 cells stopped because a probe failed after 3 retries, the "
                                               "first agreement rnn: worker died") as stop:
        horizon.run_search(plan(tmp_path, cells=("gru", "rnn"), seeds=1, learning_rate=0.01), str(tmp_path),
                           train=failing)
    assert stop.value.status == 1
    with open(os.path.join(tmp_path, report.HORIZON_FILE)) as f:
        document = json.load(f)
    assert [entry["cell"] for entry in document["cells"]] == ["gru"]
    assert document["failed"] == [{"task": "agreement", "cell": "rnn", "error": "worker died"}]


def test_probe_configs(tmp_path):
    search_plan = plan(tmp_path, cells=("lstm:chrono", "relu_rnn:identity_init"), seeds=1, probe_distances="fixed")
    assert [(k.task, k.label, k.units, k.name) for k in search_plan.searches] == [
        ("agreement", "lstm:chrono", 4, "lstm:chrono"), ("agreement", "relu_rnn:identity_init", 4, "relu_rnn:identity_init")]
    config = search_plan.config_for(next(iter(search_plan.searches)), (0, 40, 0.003))
    assert (config.distance, config.distance_mode, config.resolved_eval_distances) == (40, "fixed", (1, 2, 5, 10, 20, 40, 80))
    assert config.solved_distances == (40,) and config.validation_distances == (40,)
    assert (config.steps, config.eval_every, config.units, config.learning_rate) == (300, 15, 4, 0.003)
    assert config.cell_options() == {"chrono": True} and config.resolved_chrono_max_distance == 160  # --longest
    assert config.retention and config.retention_rungs == (100, 200, 500, 800)  # beyond 2 d, to 20 d
    ranged_plan = plan(tmp_path, cells=("gru",), seeds=1)
    ranged = ranged_plan.config_for(next(iter(ranged_plan.searches)), (0, 40, 0.01))
    assert ranged.distance_mode == "range" and ranged.solved_distances == (1, 2, 5, 10, 20, 40)
    assert horizon.default_eval_every(4000) == 250 and horizon.default_eval_every(7) == 1


@pytest.mark.parametrize("change, message", [
    (dict(bounds=horizon.Bounds(10, 5, 0.1)), r"longest \(5\) must be at least start \(10\)"),
    (dict(bounds=horizon.Bounds(5, 80, 0)), r"resolution must be a number in \(0, 1\)"),
    (dict(cells=["rnn", "bogus"]), "unknown cell 'bogus'; valid cells: rnn, relu_rnn"),
    (dict(cells=["rnn:chrono"]), "cell 'rnn' has no option 'chrono'; its options: none"),
    (dict(tasks=["parity"]), "unknown task 'parity'; valid tasks: adding, agreement, copy"),
    (dict(cells=["rnn"], cell_options={"chrono": True}), r"no cell of the search \(rnn\) takes option 'chrono'"),
    (dict(seeds=0), "seeds must be an integer >= 1, got 0"),
    (dict(eval_every=7), r"steps \(300\) must be a multiple of eval_every \(7\)"),
    (dict(learning_rate=-1.0), "learning_rates must be numbers > 0, got -1.0"),
    (dict(probe_distances="both"), "unknown probe_distances 'both'; valid: range, fixed"),
])
def test_a_bad_search_is_refused_before_anything_is_written(tmp_path, change, message):
    arguments = dict(tasks=["agreement"], cells=["rnn"], seed=0, seeds=1, bounds=BOUNDS,
                     preset=PRESETS["quick"], logdir=str(tmp_path / "search"), steps=300)
    with pytest.raises(ValueError, match=message):
        horizon.plan(**{**arguments, **change})
    assert not os.path.exists(tmp_path / "search")


@pytest.mark.parametrize("flags, message", [
    (["--start=10", "--longest=5"], "longest (5) must be at least start (10)"),
    (["--preset=huge"], "unknown preset 'huge'; valid presets: quick, full"),
    (["--learning_rates=0.01,fast"], "learning_rates must be numbers > 0, got 'fast'"),
    (["--units=64,x"], "units must be integers >= 1, got 64,x"),
    (["--units=64,0"], "units must be an integer >= 1, got 0"),
    (["--logdir=/proc/rnn-distance-horizon"], "logdir '/proc/rnn-distance-horizon' cannot be written (no such file or "
                                              "directory: /proc/rnn-distance-horizon); choose a directory you can write to"),
])
def test_bad_input_on_the_command_line_is_one_line_and_exit_2(command, tmp_path, flags, message):
    result = command("trainer.horizon", *(flags if "logdir" in flags[0] else [*flags, f"--logdir={tmp_path / 's'}"]))
    assert (result.returncode, result.stderr) == (2, f"error: {message}\n")
    assert not (tmp_path / "s").exists()


@pytest.mark.integration  # another process, with a Ray of its own
def test_the_command_shows_its_progress_and_nothing_of_ray_s_and_leaves_no_temp_files(tmp_path):
    """python -m trainer.horizon as a user runs it, with a temp directory of its own: the console
    holds our lines alone (none of Ray's notices, Tune's tables or the probes' own training
    output, which goes to each probe's train.log), the probes write no TensorBoard runs of
    their own, and the temp directory is empty after."""
    temp, logdir = tmp_path / "temp", tmp_path / "search"
    temp.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "trainer.horizon", "--tasks=agreement", "--cells=gru", "--seeds=1", "--steps=4",
         "--units=4", "--learning_rate=0.01", "--start=2", "--longest=2", "--solved_accuracy=0.01",
         "--cpus_per_run=1", f"--logdir={logdir}"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "TMPDIR": str(temp)})
    assert result.returncode == 0, result.stderr
    assert os.listdir(temp) == []
    ours = ("training probes on a Ray started on this machine", "[", "agreement gru seed 0 lr 0.01: d=",
            "## agreement", "The distance at which half", "|", "First looks:", "search of 1 cells done in",
            "to see it in TensorBoard:")
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert [line for line in lines if not line.startswith(ours)] == [], result.stdout + result.stderr
    assert any(line.startswith("agreement gru seed 0 lr 0.01: d=2 solved at step 1") for line in lines)
    assert "| gru | 0.01 | >= 2 |" in result.stdout
    assert len([line for line in lines if line.startswith("agreement gru seed 0")]) == 1  # a line per probe
    (gru,) = report.read(str(logdir))["cells"]  # a tiny probe with a threshold it reaches: at least the grid's end
    assert (gru["horizon"]["kind"], gru["horizon"]["value"]) == ("at_least", 2)
    (found,) = gru["seeds"][0]["probes"]
    assert (found["distance"], found["solved"], found["steps_to_solve"]) == (2, True, 1)
    # the ladder below it, it and twice it, then the retention climb to 20 times it (it holds all the way)
    assert set(found["by_distance"]) == {"1", "2", "4", "5", "10", "20", "40"}
    assert gru["retention"]["seeds"] == [{"holds_to": 40, "trained": 2, "at_least": True}]
    probes = glob.glob(str(logdir / "agreement-gru-*"))
    assert len(probes) == 1
    for probe in probes:
        with open(os.path.join(probe, engine.LOG_FILE)) as f:
            assert "validation accuracy by distance" in f.read()
        assert not glob.glob(os.path.join(probe, "**", "events.out.tfevents.*"), recursive=True)
    assert glob.glob(str(logdir / report.SUMMARY_DIR / "events.out.tfevents.*"))


def test_the_live_line_of_a_search_of_many_cells_counts_them_by_state(tmp_path):
    few = horizon.ProbeSource(plan(tmp_path / "few", cells=("gru", "rnn"), units=(4, 8)), say=lambda line: None)
    assert few.status().endswith("| agreement gru, 4 units: choosing rate | agreement gru, 8 units: choosing rate "
                                 "| agreement rnn, 4 units: choosing rate | agreement rnn, 8 units: choosing rate")
    many = horizon.ProbeSource(plan(tmp_path / "many", units=(4, 8, 16)), say=lambda line: None)
    assert many.status().endswith("| 9 cells: 9 choosing rate, 0 probing, 0 done")
    horizon.train_in_batches(many, StandIn())
    line = many.status()
    assert "| 9 cells: 0 choosing rate, 0 probing, 9 done | agreement " in line
    assert line.count(": horizon ") == 8  # the eight that finished last
