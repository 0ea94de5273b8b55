"""What a run meets after its first week: a full disk, a damaged checkpoint or record, the
same command started twice, and the temp directory left as it was found."""

import glob
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import tensorflow as tf

from trainer import checkpoints, results, rundir, train
from trainer.config import Config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
TINY = ["--task=copy", "--cell=gru", "--distance=3", "--units=4", "--embedding=4", "--batch_size=8",
        "--eval_distances=1,2,3", "--novalidate_all_distances", "--nostop_when_solved"]


def flags_in(logdir, data_dir, steps, eval_every):
    return [*TINY, f"--logdir={logdir}", f"--data_dir={data_dir}", f"--steps={steps}", f"--eval_every={eval_every}"]


def config_in(logdir, data_dir, steps, eval_every):
    return Config(task="copy", cell="gru", distance=3, units=4, embedding=4, batch_size=8, eval_distances=(1, 2, 3),
                  validate_all_distances=False, stop_when_solved=False, logdir=str(logdir), data_dir=data_dir,
                  steps=steps, eval_every=eval_every)


def steps_written(run_dir):
    """{tag: [step, ...]} of the summaries in the run's root event files, in the order a reader meets them."""
    written = {}
    for path in sorted(glob.glob(os.path.join(run_dir, "events.out.tfevents.*"))):
        for record in tf.data.TFRecordDataset(path):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                written.setdefault(value.tag, []).append(event.step)
    return written


def only_run(logdir):
    (run_dir,) = [path for path in glob.glob(os.path.join(logdir, "copy-gru-*")) if os.path.isdir(path)]
    return run_dir


def one_line(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines and "Traceback" not in stderr, stderr
    return lines[-1]


# ----------------------------------------------------------------------------- a full disk
def can_mount():
    if os.geteuid() != 0:
        return False
    probe = f"/tmp/rnnd-mount-probe-{os.getpid()}"
    os.makedirs(probe, exist_ok=True)
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], capture_output=True).returncode == 0
        if mounted:
            subprocess.run(["umount", probe], check=True)
        return mounted
    finally:
        os.rmdir(probe)


@pytest.fixture
def small_disk(tmp_path):
    """small_disk(size) -> a tmpfs of that size, unmounted after the test."""
    if not can_mount():
        pytest.skip("mounting a small tmpfs needs root (and a kernel that lets this process mount)")
    mounted = []

    def mount(size):
        path = tmp_path / f"disk{len(mounted)}"
        path.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
        mounted.append(path)
        return path

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=True)


@pytest.mark.integration  # a whole training run, twice
def test_a_full_disk_stops_with_one_line_keeps_the_checkpoint_and_the_same_command_resumes(
        small_disk, eval_data_dir, command):
    """128 KB hold the run's settings, event files and two checkpoints of a tiny GRU (36 KB
    each), not a third beside them: the run stops when it saves at step 60."""
    disk = small_disk("128k")
    flags = flags_in(disk / "logs", eval_data_dir, steps=100, eval_every=20)
    stopped = command("trainer.train", *flags)
    line = one_line(stopped.stderr)
    assert stopped.returncode == 4, stopped.stderr
    run_dir = only_run(disk / "logs")
    assert line == (f"stopped: no room left on the device of {run_dir} while writing the checkpoint; the last complete "
                    f"checkpoint is kept ({run_dir}/checkpoint.keras): free some space there, then run the same "
                    f"command again to resume"), line
    assert not glob.glob(os.path.join(run_dir, "*partial*"))
    assert checkpoints.load(run_dir, str(disk / "logs"))[1] == 40, "whole: it loads"

    subprocess.run(["mount", "-o", "remount,size=32m", str(disk)], check=True)
    resumed = command("trainer.train", *flags)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming {os.path.basename(run_dir)} from step 40 of 100" in resumed.stdout
    assert steps_written(run_dir)["training/loss"] == [20, 40, 60, 80, 100]


def test_evaluation_sets_on_a_full_disk_are_one_line(small_disk, tmp_path, command):
    disk = small_disk("64k")
    result = command("trainer.train", *flags_in(tmp_path / "logs", str(disk / "sets"), steps=20, eval_every=20))
    assert result.returncode == 4, result.stderr
    line = one_line(result.stderr)
    assert line.startswith(f"stopped: no room left on the device of {disk}/sets/task_eval/copy_d") and \
        "while writing the evaluation sets (copy d=" in line and "no checkpoint was written yet" in line, line


# ----------------------------------------------------------------------------- damaged checkpoints
@pytest.fixture
def two_checkpoints(tmp_path, eval_data_dir):
    """A run of 60 steps stopped right after its last checkpoint, before its results were
    written: checkpoints at step 60 (the newest) and 40 (the one before)."""
    config = config_in(tmp_path / "logs", eval_data_dir, steps=60, eval_every=20)
    run_dir = rundir.run_directory(config)
    train.train_and_evaluate(config, run_dir)
    os.remove(results.path(run_dir))
    return config, run_dir, flags_in(tmp_path / "logs", eval_data_dir, steps=60, eval_every=20)


def cut_in_half(path):
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])


@pytest.mark.integration  # whole training runs
def test_a_damaged_checkpoint_is_moved_aside_and_the_run_goes_on_from_the_one_before(two_checkpoints, command):
    config, run_dir, flags = two_checkpoints
    newest, previous = checkpoints.paths(run_dir)
    cut_in_half(newest)
    result = command("trainer.train", *flags)
    assert result.returncode == 0, result.stderr
    moved = os.path.join(config.logdir, rundir.DAMAGED_DIR, os.path.basename(run_dir), "checkpoint.keras")
    assert f"damaged: {newest} (it does not load: " in result.stdout and f"moved to {moved}" in result.stdout
    assert f"{os.path.basename(run_dir)} goes on from checkpoint.previous.keras, at step 40" in result.stdout
    assert os.path.exists(moved) and results.finished(run_dir)
    written = steps_written(run_dir)
    assert written["training/loss"] == [20, 40, 60], "no step twice after going back to step 40"
    (record,) = rundir.damaged_files(config.logdir)
    assert record["path"] == newest and record["moved_to"] == moved


@pytest.mark.integration  # whole training runs
def test_when_no_checkpoint_loads_one_line_names_them_and_the_ways_out(two_checkpoints, command):
    config, run_dir, flags = two_checkpoints
    for path in checkpoints.paths(run_dir):
        cut_in_half(path)
    result = command("trainer.train", *flags)
    assert result.returncode == train.EXIT_NO_CHECKPOINT_LOADS, result.stderr
    line = one_line(result.stderr)
    assert f"checkpoint.keras and checkpoint.previous.keras in {run_dir} do not load" in line
    assert "run the same command again to start this run over from step 0, or with --fresh" in line
    assert len(rundir.damaged_files(config.logdir)) == 2, "kept, never deleted"
    again = command("trainer.train", *flags)
    assert again.returncode == 0 and results.read(run_dir).steps == 60, again.stderr
    assert steps_written(run_dir)["training/loss"] == [20, 40, 60]


# ----------------------------------------------------------------------------- one run, one writer
HOLD_LOCK = """
import sys, time
from trainer.rundir import training_lock
with training_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(600)
"""


def hold_lock(run_dir):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, run_dir], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_run_being_trained_is_never_resumed_by_a_second_process_and_a_killed_one_is(tmp_path, eval_data_dir, capsys):
    config = config_in(tmp_path / "logs", eval_data_dir, steps=40, eval_every=20)
    run_dir = rundir.run_directory(config)
    os.makedirs(run_dir)
    with open(os.path.join(run_dir, rundir.CONFIG_FILE), "w") as f:
        json.dump(config.hparams(), f)
    holder = hold_lock(run_dir)
    try:
        assert rundir.trainer_of(run_dir) == str(holder.pid)
        other = rundir.run_directory(config)
        assert other != run_dir
        assert f"{os.path.basename(run_dir)} is being trained by process {holder.pid}; this one starts a run of its " \
               f"own" in capsys.readouterr().out
        with pytest.raises(rundir.RunBusy, match=f"run {run_dir} is being trained by process {holder.pid}; "):
            train.train_and_evaluate(config, run_dir)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert rundir.trainer_of(run_dir) is None, "a killed process holds no lock"
    assert rundir.run_directory(config) == run_dir, "so its run is resumed"


# ----------------------------------------------------------------------------- nothing left behind
@pytest.mark.integration  # another process
def test_a_run_leaves_nothing_in_the_temp_directory_even_when_interrupted(tmp_path, eval_data_dir):
    """make train's command with a temp directory of its own: after a finished run with new
    evaluation sets (TFDS makes a temp directory for each), and after Ctrl-C, it is empty."""
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "TF_CPP_MIN_LOG_LEVEL": "2"}
    finished = subprocess.run([sys.executable, "-m", "trainer.train", *flags_in(
        tmp_path / "logs", str(tmp_path / "new_sets"), steps=20, eval_every=20)], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert os.listdir(temp) == []
    running = subprocess.Popen([sys.executable, "-m", "trainer.train", *flags_in(
        tmp_path / "logs", eval_data_dir, steps=100000, eval_every=20)], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    # Both runs' checkpoints: Ctrl-C while this one trains. Sent once its directory alone existed
    # (before its model is built), a loaded machine's run had not ended 120 s later.
    while len(glob.glob(str(tmp_path / "logs" / "copy-gru-*" / "checkpoint.keras"))) < 2:
        assert running.poll() is None and time.time() < deadline, running.communicate()
        time.sleep(0.2)
    assert os.listdir(temp), "the run has a temp directory of its own while it runs"
    running.send_signal(signal.SIGINT)
    _, err = running.communicate(timeout=240)
    assert running.returncode == 130, err
    assert os.listdir(temp) == []
