"""build_model: the task's input encoding, the chosen recurrent cell, and the task's head.

    inputs [B, T] ids or [B, T, F] features -> encoding (Embedding, Masking or Identity)
        -> recurrent layer(s) -> Dense head, at every step if the task scores steps
        ([B, T, C]) else after the last step ([B, C])

Everything task-specific comes from the Task (data.task): its inputs say how sequences
enter (data.model_io.Tokens or Features, with padding masked), its objective gives the
head's width, the loss and the metric named "accuracy" (on the positions that count).
"""

import keras

from data import model_io  # noqa: F401  (registers the task metrics that saved models name)
from trainer import config
from trainer import cells  # noqa: F401  (registers the cells that saved models name)

OPTIMIZERS = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}
assert tuple(OPTIMIZERS) == config.OPTIMIZERS, "every optimizer a Config may name is built here"


def build_model(task, cell, units, layers=1, embedding=16, dropout=0.0, seed=None, **cell_options):
    """An uncompiled keras.Model for a data.task.Task and a trainer.cells.Cell (see the module docstring)."""
    if dropout:
        cell_options.update(dropout=dropout, recurrent_dropout=dropout)
    if seed is not None and cell.cell_class is not None:
        cell_options["seed"] = seed
    inputs = task.inputs.keras_input()
    x = task.inputs.encoding(embedding)(inputs)
    for index in range(layers):
        keep_sequence = task.objective.per_step or index < layers - 1
        x = cell.layer(units, return_sequences=keep_sequence, **cell_options)(x)
    outputs = keras.layers.Dense(task.objective.head_units, name="head")(x)
    return keras.Model(inputs, outputs, name=f"{task.name}_{cell.name}")


def compile_model(model, task, optimizer="adam", learning_rate=1e-3, clipnorm=None, jit_compile=False):
    """Compiles with the task's loss and its accuracy metric."""
    options = {"learning_rate": learning_rate}
    if clipnorm:
        options["clipnorm"] = clipnorm
    model.compile(optimizer=OPTIMIZERS[optimizer](**options), loss=task.objective.loss(),
                  metrics=task.objective.metrics(), jit_compile=jit_compile)
    return model


def load_model(path):
    """A model saved by a run (checkpoint.keras), with its optimizer state. Importing this module
    registers what loading needs: the cells and the task metrics."""
    return keras.models.load_model(path)
