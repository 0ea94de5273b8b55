"""Shared fixtures: every test gets its own seeded generator; TensorFlow stays quiet; a
command-line entry point can be run in this process (command), which costs no Python and
TensorFlow start-up; each entry point also has one test that starts it as users do."""

import collections
import importlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from absl import flags

from common import cli
from common.tempdir import private_tempdir

_PRIVATE_TEMP = pytest.StashKey()

Result = collections.namedtuple("Result", "returncode stdout stderr")


def pytest_configure(config):
    """The suite runs with a temp directory of its own (common.tempdir), made by the first pytest
    process and inherited by its test processes, Ray nodes and subprocesses; pytest's own tmp_path
    directories lie in it too. It is removed when the suite ends, so nothing the suite made stays
    in the system temp directory."""
    if not hasattr(config, "workerinput"):  # the controlling process, before it starts the test processes
        config.stash[_PRIVATE_TEMP] = private_tempdir()
        config.stash[_PRIVATE_TEMP].__enter__()


def pytest_unconfigure(config):
    if _PRIVATE_TEMP in config.stash:
        config.stash[_PRIVATE_TEMP].__exit__(None, None, None)


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)


@pytest.fixture(scope="session")
def eval_data_dir(tmp_path_factory):
    """One cache of evaluation sets for the tests that share it: a set is fixed by its task and
    distance, so building it once per test process is enough."""
    return str(tmp_path_factory.mktemp("eval_data"))


@pytest.fixture(scope="session")
def local_ray():
    """One Ray started in this test process for the sweeps and searches of the tests marked
    xdist_group("local_ray"), two runs at a time."""
    from trainer.study import cluster

    two_at_a_time = cluster.connect(cpus_per_run=1)
    yield two_at_a_time
    cluster.disconnect()


@pytest.fixture
def command(capsys):
    """command("trainer.preview", "--task=maze") -> Result(returncode, stdout, stderr): the
    module's flags are defined, parsed from the arguments and its main() run by common.cli.run,
    exactly as `python -m trainer.preview --task=maze` does; its flags are removed afterwards."""

    def run(module_name, *args):
        module = importlib.import_module(module_name)
        before = set(flags.FLAGS)
        module.define_flags()
        capsys.readouterr()
        try:
            cli.run(module.main, [module_name, *args])
            status = 0
        except SystemExit as exit:
            status = exit.code
        finally:
            for name in set(flags.FLAGS) - before:
                delattr(flags.FLAGS, name)
        out, err = capsys.readouterr()
        return Result(status, out, err)

    return run
