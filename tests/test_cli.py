"""What every command-line entry point shares: --help, and a quiet TensorFlow start-up."""

import os
import re
import subprocess
import sys

import pytest


def run(args, env_update=None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_update or {})
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize("module,flag", [("trainer.preview", "--shortcuts"), ("trainer.sweep", "--chrono"),
                                         ("trainer.sweep", "--address"), ("trainer.sweep", "--cpus_per_run"),
                                         ("trainer.train", "--identity_init"), ("trainer.train", "--learning_rate"),
                                         ("trainer.bench", "--sections"), ("trainer.bench", "--torch_python"),
                                         ("trainer.horizon", "--longest")])
def test_help_lists_the_flags_and_exits_0(module, flag):
    result = run(["-m", module, "--help"])
    assert result.returncode == 0, result.stderr
    assert re.search(rf"^  --(\[no\])?{flag[2:]}:", result.stdout, re.MULTILINE), result.stdout


def test_tensorflow_start_up_info_lines_are_hidden_by_default():
    result = run(["-c", "import trainer"], drop=("TF_CPP_MIN_LOG_LEVEL",))
    assert result.returncode == 0
    assert "I0000" not in result.stderr and "oneDNN" not in result.stderr, result.stderr


def test_tensorflow_start_up_lines_show_when_asked_for():
    result = run(["-c", "import trainer"], env_update={"TF_CPP_MIN_LOG_LEVEL": "0"})
    assert "oneDNN" in result.stderr or "I0000" in result.stderr


@pytest.mark.parametrize("python, message", [
    ("/nonexistent/python", "error: torch_python '/nonexistent/python' cannot be run: No such file or directory"),
    (sys.executable, f"error: torch_python '{sys.executable}' could not time PyTorch: ModuleNotFoundError: No module "
                     "named 'torch'"),
])
def test_bench_without_a_working_pytorch_is_one_line(python, message):
    result = run(["-m", "trainer.bench", "--sections=versus", f"--torch_python={python}"])
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == message  # (TensorFlow may log its own start-up line before it)
