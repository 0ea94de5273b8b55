"""End to end: train_and_evaluate writes what TensorBoard reads, resumes, and rejects bad input."""

import dataclasses
import glob
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

from trainer import memory, results, rundir, train
from trainer.config import Config
from trainer.model import load_model

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))

TINY = dict(units=8, embedding=4, batch_size=8, steps=4, eval_every=2, distance=3, eval_distances=(1, 2, 3, 5, 6))


@pytest.fixture(autouse=True)
def shared_sets(eval_data_dir, monkeypatch):
    """Tiny configs take their evaluation sets from the session's cache."""
    monkeypatch.setitem(TINY, "data_dir", eval_data_dir)


def tiny_config(tmp_path, **overrides):
    return Config(**{**TINY, "logdir": str(tmp_path / "logs"), **overrides})


def events(directory):
    accumulator = event_accumulator.EventAccumulator(directory, size_guidance={event_accumulator.TENSORS: 0})
    accumulator.Reload()
    return accumulator


def series(accumulator, tag):
    """[(step, value)] of a scalar tag, in the order written."""
    return [(e.step, float(tf.make_ndarray(e.tensor_proto))) for e in accumulator.Tensors(tag)]


@pytest.mark.integration  # a whole training run
@pytest.mark.parametrize("task", ["agreement", "copy", "adding"])
def test_end_to_end_run_writes_the_curves_tensorboard_reads(tmp_path, task):
    config = tiny_config(tmp_path, task=task, cell="lstm")
    workdir = rundir.run_directory(config)
    document = train.train_and_evaluate(config, workdir)
    assert os.path.basename(workdir).startswith(f"{task}-lstm-d3-s0-")
    distances = [1, 2, 3, 5, 6]  # two beyond the training distance: evaluated even if both are at chance

    root = events(workdir)
    by_distance = events(os.path.join(workdir, "by_distance"))
    curve = series(by_distance, "accuracy_by_distance/test")
    assert [step for step, _ in curve] == distances
    assert all(0 <= value <= 1 for _, value in curve)
    assert [step for step, _ in series(by_distance, "reference_by_distance/chance")] == distances
    figure = tf.make_ndarray(root.Tensors("accuracy_by_distance/figure")[0].tensor_proto)
    assert figure[2][:8] == b"\x89PNG\r\n\x1a\n"
    table = tf.make_ndarray(root.Tensors("accuracy_by_distance/table")[0].tensor_proto).item().decode()
    assert table.startswith("| distance | accuracy | 95% interval |") and table.count("\n") == len(distances) + 1
    tags = root.Tags()["tensors"]
    assert "_hparams_/session_start_info" in tags and "custom_scalars__config__" in tags
    for distance in distances:  # one sub-run per eval distance, at training steps
        assert [step for step, _ in series(events(os.path.join(workdir, f"d{distance:04d}")),
                                           "validation/accuracy_at_distance")] == [2, 4]
    baseline = series(by_distance, "reference_by_distance/memoryless_loss")
    assert [step for step, _ in baseline] == distances
    assert [value for _, value in baseline] == pytest.approx([config.resolved_task.baseline_loss(d) for d in distances])
    for breakdown in config.resolved_task.breakdowns:
        by_category = events(os.path.join(workdir, f"by_{breakdown.name}"))
        assert series(by_category, f"accuracy_vs_{breakdown.name}/test")
        assert f"accuracy_vs_{breakdown.name}/figure" in tags and f"accuracy_vs_{breakdown.name}/table" in tags
    assert set(document.breakdowns) == {b.name for b in config.resolved_task.breakdowns}
    # Training curves at training steps, in the run itself: Keras's epoch numbers appear nowhere.
    assert [step for step, _ in series(root, "training/loss")] == [2, 4]
    assert [step for step, _ in series(root, "validation/accuracy")] == [2, 4]
    assert not [tag for tag in tags if tag.startswith("epoch_")]
    assert not os.path.exists(os.path.join(workdir, "train")) and not os.path.exists(os.path.join(workdir, "validation"))
    assert [step for step, _ in series(root, "final/mean_accuracy")] == [4]

    assert results.read(workdir) == document  # results.json holds what the run returned
    assert [r.distance for r in document.by_distance] == distances
    assert document.hparams["cell"] == "lstm" and document.steps == 4
    assert document.steps_to_solve is None and "steps_to_solve" not in document.final_metrics  # 4 steps: not solved
    assert np.isclose(document.final_metrics["accuracy_at_longest"], curve[-1][1])
    solved = [d for d, value in curve if value >= config.resolved_solved_accuracy]
    assert document.final_metrics["generalisation_horizon"] == max(solved, default=0)


@pytest.mark.integration  # a whole training run
def test_hparams_hold_the_settings(tmp_path):
    config = tiny_config(tmp_path, cell="rnn")
    workdir = rundir.run_directory(config)
    train.train_and_evaluate(config, workdir)
    from tensorboard.plugins.hparams import plugin_data_pb2

    content = events(workdir).Tensors("_hparams_/session_start_info")[0]
    data = plugin_data_pb2.HParamsPluginData.FromString(
        events(workdir).summary_metadata["_hparams_/session_start_info"].plugin_data.content
    )
    assert data.session_start_info.hparams["cell"].string_value == "rnn"
    hparams = data.session_start_info.hparams
    assert hparams["units"].string_value.strip() == "8" and hparams["units"].string_value == "      8"  # sorts as numbers
    assert hparams["attractors"].string_value == "chance" and hparams["learning_rate"].number_value == 3e-3
    assert data.session_start_info.hparams["cell_options"].string_value == "default"
    assert content.step == 0


NOISE = ("Downloading and preparing", "dataset_info.json", "Dataset task_eval", "cuInit", "I0000", "Traceback")


@pytest.mark.integration  # another process
def test_make_train_on_an_empty_logdir_is_quiet_and_reaches_tensorboard(tmp_path):
    """make train TASK=adding CELL=relu_rnn EXTRA=--identity_init, tiny, as a user runs it on a
    fresh logdir (TensorFlow's log level left to the Makefile): no line of TFDS's about
    downloads or dataset_info, no CUDA error on a machine without a GPU, no TensorFlow INFO;
    one line of ours per evaluation set built. The accuracy curve and the constant-1 MSE
    baseline reach TensorBoard, and the option reaches the cell."""
    logdir = tmp_path / "logs"
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        ["make", "--no-print-directory", "train", f"VENV={sys.prefix}", f"LOGDIR={logdir}", "TASK=adding",
         "CELL=relu_rnn", "DISTANCE=3", "STEPS=4", "UNITS=4", "EXTRA=--identity_init --batch_size=8 --eval_every=2"],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert not [line for line in output.splitlines() if any(noise in line for noise in NOISE)], output
    built = [line for line in output.splitlines() if line.startswith("evaluation sets adding d=")]
    (workdir,) = glob.glob(str(logdir / "adding-relu_rnn+identity_init-d3-s0-*"))  # the option in its name
    by_distance = events(os.path.join(workdir, "by_distance"))
    distances = [step for step, _ in series(by_distance, "accuracy_by_distance/test")]
    assert sorted(int(line.split("d=")[1].split(":")[0]) for line in built) == distances  # one line per set built
    assert all(line.endswith(" s") and "512 validation and 2048 test sequences, built in" in line for line in built)
    assert distances[:5] == [1, 2, 3, 5, 6] and set(distances) <= {1, 2, 3, 5, 6, 10, 20, 50, 60}  # the ladder to 20 x 3
    assert [value for _, value in series(by_distance, "reference_by_distance/memoryless_loss")] == pytest.approx([1 / 6] * len(distances))
    assert [value for _, value in series(by_distance, "reference_by_distance/chance")] == pytest.approx([0.0784] * len(distances))
    with open(os.path.join(workdir, "config.json")) as f:
        assert json.load(f)["cell_options"] == "identity_init=True"
    model = load_model(os.path.join(workdir, "checkpoint.keras"))
    cell = model.get_layer(index=2).cell
    assert cell.identity_init and "| constant-1 MSE |" in result.stdout


def run_cli(*flags, timeout=300):
    return subprocess.Popen(
        [sys.executable, "-m", "trainer.train", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )


@pytest.mark.integration  # another process
def test_interrupted_run_resumes_without_duplicated_steps(tmp_path):
    logdir = str(tmp_path / "logs")
    flags = [f"--logdir={logdir}", "--task=agreement", "--cell=gru", "--units=8", "--batch_size=8", "--distance=3",
             "--steps=200", "--eval_every=50", "--nostop_when_solved", f"--data_dir={TINY['data_dir']}"]
    first = run_cli(*flags)  # 150 steps after its first checkpoint: time to interrupt it on a fast machine too
    deadline = time.time() + 240
    while not glob.glob(os.path.join(logdir, "*", "checkpoint.keras")) and time.time() < deadline:
        time.sleep(0.2)
        assert first.poll() is None, first.communicate()
    first.send_signal(signal.SIGINT)
    out, err = first.communicate(timeout=120)
    assert first.returncode == train.EXIT_INTERRUPTED, err
    assert "run the same command again to resume" in err.strip().splitlines()[-1]
    (workdir,) = glob.glob(os.path.join(logdir, "agreement-gru-d3-s0-*"))
    assert not os.path.exists(os.path.join(workdir, "results.json"))

    second = run_cli(*flags)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    assert "resuming" in out
    assert glob.glob(os.path.join(logdir, "agreement-gru-d3-s0-*")) == [workdir], "resumed in place"
    for distance in (1, 2, 3, 5, 6):
        steps = [step for step, _ in series(events(os.path.join(workdir, f"d{distance:04d}")),
                                            "validation/accuracy_at_distance")]
        assert steps == list(range(50, 201, 50)), steps
    steps = [step for step, _ in series(events(workdir), "training/loss")]
    assert steps == list(range(50, 201, 50)), steps
    with open(os.path.join(workdir, "results.json")) as f:
        assert json.load(f)["steps"] == 200


def test_nan_loss_stops_with_a_message_naming_the_cell(tmp_path):
    config = tiny_config(tmp_path, cell="relu_rnn", learning_rate=1e12, clipnorm=0.0, optimizer="sgd", steps=20, eval_every=10)
    workdir = rundir.run_directory(config)
    with pytest.raises(train.TrainingStopped) as stopped:
        train.train_and_evaluate(config, workdir)
    message = str(stopped.value)
    assert stopped.value.status == train.EXIT_DIVERGED
    assert "cell 'relu_rnn'" in message and "--learning_rate" in message and "--clipnorm" in message
    assert "\n" not in message
    assert os.path.exists(os.path.join(workdir, "config.json")) and glob.glob(os.path.join(workdir, "events.*"))
    assert not os.path.exists(os.path.join(workdir, "results.json"))


BAD = [
    (dict(cell="lstmm"), "unknown cell 'lstmm'; valid cells: rnn, relu_rnn, additive, ungated_lstm, lstm, gru, min_gru, min_lstm, lru, "
                        "ind_rnn, sco_rnn, keras_rnn, keras_lstm, keras_gru"),
    (dict(task="maze"), "unknown task 'maze'; valid tasks: adding, agreement, copy"),
    (dict(distance=0), "distance must be an integer >= 1, got 0"),
    (dict(eval_distances=(3, 0)), "eval_distances must be positive integers, got 0"),
    (dict(task="agreement", attractors=2, distance=10), "attractors must be an integer from 0 to 0"),
    (dict(task="agreement", attractors=4, distance=10, distance_mode="fixed"), "attractors must be an integer from 0 to 3"),
    (dict(attractors=1, task="copy"), "task 'copy' has no option 'attractors'; its options: none"),
    (dict(attractors=1, task="adding"), "task 'adding' has no option 'attractors'; its options: none"),
    (dict(cell="gru", identity_init=True), "cell 'gru' has no option 'identity_init'; its options: chrono"),
    (dict(cell="rnn", chrono=True), "cell 'rnn' has no option 'chrono'; its options: none"),
    (dict(cell="lstm", chrono=True, chrono_max_distance=1), "chrono needs a longest time scale chrono_max_distance >= 2"),
    (dict(units=0), "units must be an integer >= 1, got 0"),
    (dict(batch_size=0), "batch_size must be an integer >= 1, got 0"),
    (dict(steps=0), "steps must be an integer >= 1, got 0"),
    (dict(steps=5, eval_every=2), "steps (5) must be a multiple of eval_every (2), e.g. steps=4"),
    (dict(optimizer="adamw"), "unknown optimizer 'adamw'; valid optimizers: adam, rmsprop, sgd"),
    (dict(learning_rate=0.0), "learning_rate must be a number > 0"),
    (dict(jit_compile="yes"), "unknown jit_compile 'yes'; valid: auto, on, off"),
    (dict(distance_mode="sometimes"), "unknown distance_mode 'sometimes'; valid: range, fixed"),
]


@pytest.mark.parametrize("overrides,message", BAD, ids=[m.split(" ")[0] + str(i) for i, (_, m) in enumerate(BAD)])
def test_bad_settings_are_rejected_before_anything_is_written(tmp_path, overrides, message):
    config = tiny_config(tmp_path, **overrides)
    with pytest.raises(ValueError) as error:
        train.train_and_evaluate(config, rundir.run_directory(config))
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
    assert not os.path.exists(tmp_path / "logs")


@pytest.mark.parametrize("steps,eval_every", [(8000, 1000), (3000, 1000), (40, 5), (300, 30), (7, 1)])
def test_without_eval_every_a_run_evaluates_at_an_interval_that_divides_its_steps(tmp_path, steps, eval_every):
    config = Config(steps=steps, logdir=str(tmp_path))
    config.validate()
    assert config.resolved_eval_every == eval_every and config.hparams()["eval_every"] == eval_every


def test_a_short_run_says_how_often_it_evaluates_in_its_first_line(tmp_path, capsys):
    config = tiny_config(tmp_path, steps=6, eval_every=None, dashboards=False)  # six evaluations: only the first line counts
    train.train_and_evaluate(config, rundir.run_directory(config))
    first = capsys.readouterr().out.splitlines()[0]
    assert ", 6 steps, evaluated every 1 steps (--eval_every not given, and 1000 does not divide 6); logs in " in first


def test_unwritable_logdir_is_rejected(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    config = tiny_config(tmp_path, logdir=str(blocker / "logs"))
    with pytest.raises(ValueError, match=r"^logdir .* cannot be created: .* is a file, not a directory$"):
        train.train_and_evaluate(config, rundir.run_directory(config))


@pytest.mark.parametrize(
    "flags,message",
    [
        (["--cell=lstmm"], "error: unknown cell 'lstmm'; valid cells: rnn, relu_rnn,"),
        (["--eval_distances=1,x,3"], "error: eval_distances must be positive integers, got 'x'"),
        (["--units=-4"], "error: units must be an integer >= 1, got -4"),
        (["--steps=ten"], "error: flag --steps=ten:"),
        (["--cell=gru", "--identity_init"], "error: cell 'gru' has no option 'identity_init'; its options: chrono"),
        (["--cell=relu_rnn", "--forget_bias=2"], "error: cell 'relu_rnn' has no option 'forget_bias'; its options: identity_init"),
        (["--task=copy", "--distance=100000", "--steps=10", "--eval_every=10"],
         "error: distance 100000 does not fit in memory: this run needs about "),
    ],
)
def test_command_line_bad_input_is_one_line_and_exit_status_2(command, tmp_path, flags, message):
    logdir = tmp_path / "logs"
    result = command("trainer.train", f"--logdir={logdir}", *flags)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
    assert not logdir.exists()


def test_the_command_line_refuses_a_logdir_it_cannot_make_in_one_line(command):
    """A logdir that cannot be made (/proc takes no new directories, even for root): one line,
    exit status 2, no traceback."""
    result = command("trainer.train", "--logdir=/proc/rnn-distance-logs")
    assert (result.returncode, result.stderr) == (2, "error: logdir '/proc/rnn-distance-logs' cannot be written (no "
                                                     "such file or directory: /proc/rnn-distance-logs); choose a "
                                                     "directory you can write to\n")


def test_a_run_that_would_not_fit_in_memory_is_refused_with_the_longest_distance_that_fits(tmp_path):
    config = tiny_config(tmp_path, task="copy", distance=100000, eval_distances=None, steps=10, eval_every=10,
                         batch_size=64, units=128, embedding=16)
    with pytest.raises(ValueError) as error:
        config.validate()
    message = str(error.value)
    fits = int(message.rsplit(" ", 1)[1])
    assert 1000 < fits < 100000 and "more than the" in message and "\n" not in message
    config.distance = fits
    config.validate()  # the distance it names does fit
    config.distance = fits + 1
    with pytest.raises(ValueError, match="does not fit in memory"):
        config.validate()
    assert not os.path.exists(tmp_path / "logs")


@pytest.mark.integration  # a whole training run
def test_the_default_ladder_stops_below_rungs_that_would_not_fit(tmp_path, monkeypatch, capsys):
    config = tiny_config(tmp_path, task="agreement", eval_distances=None, steps=2)
    assert config.resolved_eval_distances == (1, 2, 3, 5, 6, 10, 20, 50, 60)
    needed = memory.run_bytes(config, (1, 2, 3, 5, 6))
    monkeypatch.setattr(memory, "budget_bytes", lambda: sum(needed) + 1)
    assert config.resolved_eval_distances == (1, 2, 3, 5, 6)
    kept, left_out = memory.fitting_rungs(config, config.default_ladder)
    assert (kept, left_out) == ((1, 2, 3, 5, 6), 10)
    train.train_and_evaluate(config, rundir.run_directory(config))
    assert "evaluation stops at d=6: the evaluation sets at d=10 and beyond would not fit in the " in capsys.readouterr().out


@pytest.mark.integration  # a whole training run
def test_a_run_stops_once_solved_and_records_the_step(tmp_path):
    """An easy setting (agreement at distance 2) reaches the threshold long before its budget; once
    solved, it climbs the ladder for its retention (to 20 d) until two rungs fall below the threshold."""
    config = tiny_config(tmp_path, task="agreement", cell="gru", distance=2, eval_distances=(1, 2, 4, 5), steps=400,
                         eval_every=20, solved_accuracy=0.9, retention=True)
    workdir = rundir.run_directory(config)
    document = train.train_and_evaluate(config, workdir)
    solved_at = document.steps_to_solve
    assert solved_at is not None and document.steps == solved_at < 400
    assert document.final_metrics["steps_to_solve"] == solved_at
    curve = series(events(os.path.join(workdir, "d0002")), "validation/accuracy_at_distance")
    assert [step for step, _ in curve] == list(range(20, solved_at + 1, 20))  # evaluated up to the solved step, not after
    assert curve[-1][1] >= 0.9
    climbed = [(r.distance, r.accuracy.accuracy) for r in document.by_distance if r.distance > 5]
    assert config.retention_rungs == (10, 20, 40) and [d for d, _ in climbed] == list(config.retention_rungs[:len(climbed)])
    assert len(climbed) == 3 or [a < 0.9 for _, a in climbed[-2:]] == [True, True]

    os.remove(os.path.join(workdir, "results.json"))  # as if stopped before its final evaluation
    again = train.train_and_evaluate(config, workdir)
    assert (again.steps, again.steps_to_solve) == (solved_at, solved_at)  # nothing more trained


class Look:
    """What SolvedCheck reads of DistanceAccuracy: the latest validation results and their step."""

    def __init__(self):
        self.latest, self.latest_step = [], None


def accuracies(*values, distance=5):
    from trainer import evaluate
    return [evaluate.DistanceResult(distance, evaluate.Accuracy.from_counts(round(v * 2048), 2048), 0.5) for v in values]


def test_a_model_just_under_the_threshold_is_not_solved_on_a_lucky_first_look(tmp_path):
    """A stand-in model whose true accuracy is 0.985, under the 0.99 threshold, looked at 32
    times as a probe is: its validation accuracy (512 trials) passes the threshold by chance
    several times, and each time the test split (2048 trials) evaluated at that step rejects
    it (it would pass about one look in forty); it is not counted as solved."""
    from trainer.callbacks import SolvedCheck

    rng, look = np.random.default_rng(1), Look()
    check = SolvedCheck(look, [5], 0.99, True, str(tmp_path / "solved.json"),
                        confirm=lambda model: accuracies(rng.binomial(2048, 0.985) / 2048), resumed_at=0,
                        logdir=str(tmp_path))
    check.set_model(type("Model", (), {"stop_training": False})())
    passes = 0
    for epoch in range(32):
        look.latest, look.latest_step = accuracies(rng.binomial(512, 0.985) / 512), 10 * (epoch + 1)
        check.on_epoch_end(epoch)
        passes = len(check.looks)
    assert passes >= 3, "the first look alone would have called it solved"
    assert check.step is None and not check.model.stop_training
    assert all(not look_["confirmed"] and look_["validation"] >= 0.99 > look_["test"] for look_ in check.looks)
    with open(tmp_path / "solved.json") as f:
        saved = json.load(f)
    assert saved["steps_to_solve"] is None and len(saved["first_looks"]) == passes  # a resumed run keeps them


def test_a_confirmed_look_solves_at_the_first_look_s_step(tmp_path):
    from trainer.callbacks import SolvedCheck

    look, tests = Look(), iter([accuracies(0.985), accuracies(0.995)])
    check = SolvedCheck(look, [5], 0.99, True, str(tmp_path / "solved.json"), confirm=lambda model: next(tests),
                        resumed_at=0, logdir=str(tmp_path))
    check.set_model(type("Model", (), {"stop_training": False})())
    for step, validation in ((10, 0.98), (20, 0.992), (30, 0.995)):
        look.latest, look.latest_step = accuracies(validation), step
        check.on_epoch_end(step // 10 - 1)
    assert check.step == 30 and check.model.stop_training
    assert [(l["step"], l["confirmed"]) for l in check.looks] == [(20, False), (30, True)]
    again = SolvedCheck(look, [5], 0.99, True, str(tmp_path / "solved.json"), confirm=None, resumed_at=30,
                        logdir=str(tmp_path))
    assert (again.step, len(again.looks)) == (30, 2)
    earlier = SolvedCheck(look, [5], 0.99, True, str(tmp_path / "solved.json"), confirm=None, resumed_at=20,
                          logdir=str(tmp_path))  # gone on from an earlier checkpoint: it looks again after step 20
    assert (earlier.step, len(earlier.looks)) == (None, 1)


@pytest.mark.parametrize("distance", [5, 40])
def test_chrono_spans_its_own_longest_time_scale_whatever_the_training_distance(tmp_path, distance):
    """--chrono_max_distance=160: forget-gate time scales 1 + e^b spread from 2 to 160 at any
    training distance; left out, the longest eval distance (20 x distance) is the scale."""
    config = tiny_config(tmp_path, cell="lstm", distance=distance, units=256, chrono=True, chrono_max_distance=160,
                         eval_distances=None)
    assert config.hparams()["cell_options"] == "chrono=True,chrono_max_distance=160"
    scales = forget_time_scales(train.initial_model(config))
    assert scales.min() >= 2 - 1e-3 and scales.max() <= 160 + 1e-2 and scales.max() > 140 and np.median(scales) > 50
    default = tiny_config(tmp_path, cell="lstm", distance=distance, units=256, chrono=True, eval_distances=None)
    assert default.resolved_chrono_max_distance == 20 * distance
    assert forget_time_scales(train.initial_model(default)).max() <= 20 * distance + 1e-2


def forget_time_scales(model):
    layer = next(layer for layer in model.layers if hasattr(layer, "cell"))
    units = layer.cell.units
    forget_bias = layer.cell.bias.numpy()[units:2 * units]  # gate order i, f, c, o
    return 1 + np.exp(forget_bias)


def test_default_eval_ladder_reaches_twenty_times_the_distance():
    assert Config(distance=10).resolved_eval_distances == (1, 2, 5, 10, 20, 50, 100, 200)
    assert Config(distance=3).resolved_eval_distances == (1, 2, 3, 5, 6, 10, 20, 50, 60)
    assert Config(distance=3, distance_mode="fixed").solved_distances == (3,)
    assert Config(distance=3).solved_distances == (1, 2, 3)
    assert Config(task="adding").resolved_solved_accuracy == 0.9
    assert Config(task="copy", solved_accuracy=0.5).hparams()["solved_accuracy"] == 0.5


@pytest.mark.parametrize("value", [0, 1.5, -0.1])
def test_solved_accuracy_outside_0_1_is_refused(tmp_path, value):
    with pytest.raises(ValueError, match=rf"solved_accuracy must be a number in \(0, 1\], got {value}"):
        tiny_config(tmp_path, solved_accuracy=value).validate()


@pytest.mark.parametrize("cell,jit_compile,expected", [
    ("lstm", False, None),  # the layer decides: unrolled in training where the length is static
    ("lstm", True, False),  # XLA: always the while-loop
    ("gru", True, False),
    ("keras_lstm", True, "no option"),
])
def test_xla_keeps_the_while_loop(tmp_path, cell, jit_compile, expected):
    model = train.initial_model(tiny_config(tmp_path, cell=cell), jit_compile=jit_compile)
    recurrent = [layer for layer in model.layers if "unroll" in layer.get_config()][0]
    assert recurrent.get_config().get("unroll_training", "no option") == expected
