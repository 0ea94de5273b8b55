"""Quiet for every cell and task: training and evaluating a cell on a task, at a fixed distance
(a static length, so the training loop is unrolled), writes no line of TensorFlow's C++ logging,
no warning and no error. What TensorFlow prints comes from a cell's ops (relu_rnn's warned at
every step) or from a task's encoding and loss (agreement's boolean mask warned), so every cell
is trained on one task and every task trains a third of the cells: a third of every pair's time."""

import os
import subprocess
import sys

import pytest

from data import TASKS
from trainer.cells import CELLS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

THE_CELLS = """
import sys
import keras
import numpy as np
from data import TASKS, pipeline
from trainer.cells import CELLS
from trainer.model import build_model, compile_model

task = TASKS[sys.argv[1]]
examples = task.batch(np.random.default_rng(0), 8, 3)
for name in sys.argv[2].split(","):
    cell = CELLS[name]
    keras.backend.clear_session()
    model = compile_model(build_model(task, cell, 4, embedding=4), task)
    model.fit(pipeline.training_stream(task, 8, (3,), seed=[0, 0]), steps_per_epoch=2, epochs=1, shuffle=False, verbose=0)
    model.evaluate(examples["inputs"], examples["targets"], verbose=0)
    print("trained", cell.name, flush=True)
"""
# One process trains many cells: after five models TensorFlow warns that a training function was
# traced again and again, which a run (one model per process) never does.
ONE_PROCESS_ARTIFACT = "triggered tf.function retracing"


# Every cell on one task, dealt out in turn, so that each task trains a third of the cells.
CELLS_ON = {task: tuple(list(CELLS)[index::len(TASKS)]) for index, task in enumerate(sorted(TASKS))}


def test_every_task_and_cell_is_trained():
    assert set(CELLS_ON) == set(TASKS) and sorted(c for cells in CELLS_ON.values() for c in cells) == sorted(CELLS)
    assert all(len(cells) >= len(CELLS) // len(TASKS) for cells in CELLS_ON.values())


@pytest.mark.integration  # another process
@pytest.mark.parametrize("task", sorted(TASKS))
def test_the_cells_train_on_the_task_without_a_line_of_tensorflow_s(task):
    env = {key: value for key, value in os.environ.items() if key not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}
    result = subprocess.run([sys.executable, "-c", "import trainer\n" + THE_CELLS, task, ",".join(CELLS_ON[task])],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == [word for name in CELLS_ON[task] for word in ("trained", name)]
    noise = [line for line in result.stderr.splitlines() if line.strip() and ONE_PROCESS_ARTIFACT not in line]
    assert noise == [], "\n".join(noise[-20:])
