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


@pytest.mark.integration  # another process
@pytest.mark.parametrize("module,flags,log_level", [
    ("trainer.preview", ["--shortcuts"], None),
    ("trainer.sweep", ["--chrono", "--address", "--cpus_per_run"], None),
    ("trainer.train", ["--identity_init", "--learning_rate"], None),
    ("trainer.horizon", ["--longest"], None),
    ("tools.bench", ["--sections", "--torch_python"], "0"),
])
def test_help_lists_the_flags_and_tensorflow_says_only_what_is_asked(module, flags, log_level):
    """--help lists the program's own flags and exits 0. With TF_CPP_MIN_LOG_LEVEL unset, the
    TensorFlow the program imports prints none of its start-up INFO lines, nor CUDA's error
    line on a machine without a GPU; with TF_CPP_MIN_LOG_LEVEL=0 it prints them."""
    if log_level is None:
        result = run(["-m", module, "--help"], drop=("TF_CPP_MIN_LOG_LEVEL",))
    else:
        result = run(["-m", module, "--help"], env_update={"TF_CPP_MIN_LOG_LEVEL": log_level})
    assert result.returncode == 0, result.stderr
    for flag in flags:
        assert re.search(rf"^  --(\[no\])?{flag[2:]}:", result.stdout, re.MULTILINE), result.stdout
    if log_level is None:
        assert not any(line in result.stderr for line in ("I0000", "oneDNN", "cuInit")), result.stderr
    else:
        assert "oneDNN" in result.stderr or "I0000" in result.stderr


@pytest.mark.integration  # another process
def test_bench_without_a_working_pytorch_is_one_line():
    result = run(["-m", "tools.bench", "--sections=versus", "--torch_python=/nonexistent/python"])
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == ("error: torch_python '/nonexistent/python' cannot be run: No such file "
                                              "or directory")  # (TensorFlow may log its own start-up line before it)


def test_bench_with_a_python_that_has_no_pytorch_says_so():
    from tools import bench

    with pytest.raises(ValueError) as error:
        bench.torch_rates(sys.executable)
    assert str(error.value) == (f"torch_python '{sys.executable}' could not time PyTorch: ModuleNotFoundError: No "
                                f"module named 'torch'")
