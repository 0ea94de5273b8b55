"""Fixtures of the tools' tests: tiny finished runs, trained once per test process."""

import pytest

from trainer import rundir, train
from trainer.config import Config


@pytest.fixture(scope="session")
def tiny_finished_run(tmp_path_factory):
    """tiny_finished_run(task) -> the directory of a tiny finished run of the task (a GRU, range
    distances up to 3, evaluated at 1, 3 and 6) in a logdir of its own, with its checkpoint."""
    made = {}

    def make(task):
        if task not in made:
            logdir = str(tmp_path_factory.mktemp("logs"))
            config = Config(task=task, cell="gru", distance=3, distance_mode="range", units=4, batch_size=8, steps=4,
                            eval_every=2, eval_distances=(1, 3, 6), logdir=logdir)
            made[task] = rundir.run_directory(config)
            train.train_and_evaluate(config, made[task])
        return made[task]
    return make
