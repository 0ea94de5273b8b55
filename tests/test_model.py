import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from data import TASKS
from trainer.cells import CELLS
from trainer.model import build_model, compile_model, recall_accuracy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("task", ["copy", "agreement"])
@pytest.mark.parametrize("cell", list(CELLS))
def test_model_shapes_for_every_task_and_cell(rng, task, cell):
    model = build_model(task, cell, units=6, layers=2, embedding=4)
    inputs = TASKS[task].batch(rng, 3, 5)["inputs"]
    outputs = model(inputs)
    assert outputs.shape == ((3, 25, 9) if task == "copy" else (3, 1))


def test_recall_accuracy_looks_only_at_the_last_ten_steps():
    targets = np.zeros((2, 25), "int32")
    targets[:, -10:] = np.arange(1, 11) % 8 + 1
    logits = np.eye(9, dtype="float32")[np.full((2, 25), 3)]
    logits[:, -10:] = np.eye(9)[targets[:, -10:]]
    np.testing.assert_array_equal(recall_accuracy(targets, logits), np.ones((2, 10)))
    logits[0, -1] = np.eye(9)[0]
    assert float(np.mean(recall_accuracy(targets, logits))) == pytest.approx(19 / 20)


@pytest.mark.parametrize("task", ["copy", "agreement"])
def test_compiled_model_round_trips_with_its_optimizer_state(tmp_path, rng, task):
    model = build_model(task, "lstm", units=6, embedding=4, dropout=0.1, seed=3)
    compile_model(model, task, "adam", 1e-3, clipnorm=1.0)
    batch = TASKS[task].batch(rng, 8, 4)
    model.fit(batch["inputs"], batch["targets"], epochs=2, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert int(loaded.optimizer.iterations.numpy()) == 2
    assert loaded.optimizer.clipnorm == 1.0
    np.testing.assert_allclose(loaded.predict(batch["inputs"], verbose=0), model.predict(batch["inputs"], verbose=0), atol=1e-6)
    assert [m.name for m in loaded.metrics][-1] in ("compile_metrics", "accuracy")
    assert "accuracy" in loaded.evaluate(batch["inputs"], batch["targets"], return_dict=True, verbose=0)


def test_load_model_needs_no_other_import(tmp_path):
    """A run's checkpoint loads in a fresh process that imports only trainer.model."""
    path = str(tmp_path / "checkpoint.keras")
    compile_model(build_model("copy", "lstm", 4), "copy").save(path)
    code = f"from trainer.model import load_model; print(load_model({path!r}).name)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "copy_lstm"
