"""--strategy: tf.distribute strategies by name, jit_compile, and training under
MirroredStrategy (in a fresh process: device settings must precede TensorFlow's start)."""

import json
import os
import subprocess
import sys

import pytest
import tensorflow as tf

from trainer import distribute
from trainer.config import Config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
PROGRAM = os.path.join(ROOT, "tests", "trainer", "distributed_run.py")


def run_program(*args, timeout=240):
    result = subprocess.run([sys.executable, PROGRAM, *args], capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    line = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):]), result.stdout


def test_default_is_tensorflows_default_strategy():
    strategy = distribute.make_strategy("default")
    assert strategy is tf.distribute.get_strategy()
    assert strategy.num_replicas_in_sync == 1


def test_unknown_strategy_is_rejected_with_the_choices(tmp_path):
    with pytest.raises(ValueError, match="unknown strategy 'horovod'; valid strategies: default, mirrored, tpu$"):
        distribute.make_strategy("horovod")
    with pytest.raises(ValueError, match="unknown strategy 'gpu'; valid strategies: default, mirrored"):
        Config(strategy="gpu", logdir=str(tmp_path)).validate()


def test_multi_worker_is_retired_with_the_choices(tmp_path):
    """Keras 3 cannot fit under MultiWorkerMirroredStrategy (keras-team/keras#20585); scale-out is the Ray sweep."""
    with pytest.raises(ValueError, match="unknown strategy 'multi_worker'; valid strategies: default, mirrored, tpu$"):
        Config(strategy="multi_worker", logdir=str(tmp_path)).validate()


@pytest.mark.parametrize("strategy, jit, expected", [
    ("default", "auto", (False, None)),
    ("default", "on", (True, None)),
    ("mirrored", "auto", (False, None)),
    ("mirrored", "off", (False, None)),
])
def test_resolve_jit(strategy, jit, expected):
    assert distribute.resolve_jit(strategy, jit) == expected


@pytest.mark.parametrize("strategy, reason", [
    ("mirrored", "XLA is not used with the mirrored tf.distribute strategy"),
    ("tpu", "TPUStrategy compiles every step with XLA by itself"),
])
def test_jit_on_is_ignored_under_a_distribution_strategy_with_a_note(strategy, reason):
    assert distribute.resolve_jit(strategy, "on") == (False, f"jit_compile=on ignored: {reason}")


def test_tpu_without_a_tpu_is_one_line(command, tmp_path):
    result = command("trainer.train", "--strategy=tpu", "--steps=2", "--eval_every=2", f"--logdir={tmp_path / 'logs'}")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: strategy 'tpu' found no TPU (")
    assert "Traceback" not in result.stderr


@pytest.mark.integration  # another process
def test_mirrored_on_two_logical_cpus_matches_one_device(tmp_path):
    document, printed = run_program(str(tmp_path))
    assert document["replicas"] == 2
    assert "6 steps on 2 replicas" in printed
    assert len(document["default"]) == len(document["mirrored"]) == 2
    assert document["mirrored"] == pytest.approx(document["default"], abs=1e-4)


def test_strategy_is_not_part_of_a_runs_identity(tmp_path):
    """The same settings on another number of devices resume the same run."""
    one, many = Config(logdir=str(tmp_path)), Config(logdir=str(tmp_path), strategy="mirrored")
    assert one.hparams() == many.hparams() and "strategy" not in one.hparams()
