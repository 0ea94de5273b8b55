import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from data import TASKS
from data.model_io import last_steps_accuracy
from trainer.cells import CELLS
from trainer.model import build_model, compile_model

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))


EXPECTED_OUTPUT = {"copy": (3, 25, 9), "agreement": (3, 1), "adding": (3, 1)}


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("cell", list(CELLS))
def test_model_shapes_for_every_task_and_cell(rng, task, cell):
    model = build_model(TASKS[task], CELLS[cell], units=6, layers=2, embedding=4)
    inputs = TASKS[task].batch(rng, 3, 5)["inputs"]
    outputs = model(inputs)
    assert outputs.shape == EXPECTED_OUTPUT[task]


@pytest.mark.parametrize("task", ["agreement", "adding"])
@pytest.mark.parametrize("cell", ["gru", "keras_lstm"])
def test_padding_is_masked(rng, task, cell):
    """A padded sequence gives the output of the same sequence without its padding."""
    model = build_model(TASKS[task], CELLS[cell], units=5, embedding=4)
    batch = TASKS[task].batch(rng, 8, 6)
    lengths = TASKS[task].inputs.lengths(batch["inputs"])
    assert lengths.min() < batch["inputs"].shape[1], "some rows are padded"
    padded = model.predict(batch["inputs"], verbose=0)
    for row, length in enumerate(lengths):
        alone = model.predict(batch["inputs"][row:row + 1, :length], verbose=0)
        np.testing.assert_allclose(padded[row], alone[0], atol=1e-5)


def test_recall_accuracy_looks_only_at_the_last_ten_steps():
    targets = np.zeros((2, 25), "int32")
    targets[:, -10:] = np.arange(1, 11) % 8 + 1
    logits = np.eye(9, dtype="float32")[np.full((2, 25), 3)]
    logits[:, -10:] = np.eye(9)[targets[:, -10:]]
    np.testing.assert_array_equal(last_steps_accuracy(targets, logits, 10), np.ones((2, 10)))
    logits[0, -1] = np.eye(9)[0]
    assert float(np.mean(last_steps_accuracy(targets, logits, 10))) == pytest.approx(19 / 20)


@pytest.mark.parametrize("task", list(TASKS))
def test_compiled_model_round_trips_with_its_optimizer_state(tmp_path, rng, task):
    model = build_model(TASKS[task], CELLS["lstm"], units=6, embedding=4, dropout=0.1, seed=3)
    compile_model(model, TASKS[task], "adam", 1e-3, clipnorm=1.0)
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


@pytest.mark.integration  # another process
def test_load_model_needs_no_other_import(tmp_path):
    """A run's checkpoint loads in a fresh process that imports only trainer.model."""
    path = str(tmp_path / "checkpoint.keras")
    compile_model(build_model(TASKS["adding"], CELLS["lstm"], 4), TASKS["adding"]).save(path)
    code = f"from trainer.model import load_model; print(load_model({path!r}).name)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "adding_lstm"
