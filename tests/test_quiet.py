"""Quiet for every cell and task: training and evaluating each cell on each task, at a fixed
distance (a static length, so the training loop is unrolled, with padding masked where the
task pads), writes no line of TensorFlow's C++ logging, no warning and no error."""

import os
import subprocess
import sys

import pytest

from data import TASKS
from trainer.cells import CELLS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

EVERY_CELL = """
import sys
import keras
import numpy as np
from data import TASKS, pipeline
from trainer.cells import CELLS
from trainer.model import build_model, compile_model

task = TASKS[sys.argv[1]]
examples = task.batch(np.random.default_rng(0), 8, 3)
for cell in CELLS.values():
    keras.backend.clear_session()
    model = compile_model(build_model(task, cell, 4, embedding=4), task)
    model.fit(pipeline.training_stream(task, 8, (3,), seed=[0, 0]), steps_per_epoch=2, epochs=1, shuffle=False, verbose=0)
    model.evaluate(examples["inputs"], examples["targets"], verbose=0)
    print("trained", cell.name, flush=True)
"""
# One process trains every cell: after five models TensorFlow warns that a training function was
# traced again and again, which a run (one model per process) never does.
ONE_PROCESS_ARTIFACT = "triggered tf.function retracing"


@pytest.mark.integration  # another process
@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_cell_trains_on_the_task_without_a_line_of_tensorflow_s(task):
    env = {key: value for key, value in os.environ.items() if key not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}
    result = subprocess.run([sys.executable, "-c", "import trainer\n" + EVERY_CELL, task], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == [word for name in CELLS for word in ("trained", name)]
    noise = [line for line in result.stderr.splitlines() if line.strip() and ONE_PROCESS_ARTIFACT not in line]
    assert noise == [], "\n".join(noise[-20:])
