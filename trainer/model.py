"""build_model: embedding, the chosen recurrent cell, and the task's head, compiled.

    copy:      ids [B, T + 20] -> Embedding -> RNN (every step) -> Dense(9)  -> logits [B, T + 20, 9]
    agreement: ids [B, d + 1]  -> Embedding -> RNN (last step)  -> Dense(1)  -> logit  [B, 1]

Copy is trained on the cross-entropy of every step (the task's standard loss) but its
accuracy metric, recall_accuracy, counts only the 10 recall positions: accuracy over all
positions approaches 1 for a model that remembers nothing. Agreement is a binary decision
(1 = plural) trained with the logistic loss.
"""

import keras
from keras import ops

from data import copy_memory, get_task
from trainer.cells import get_cell
from trainer.cells.base import PACKAGE

OPTIMIZERS = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}


@keras.saving.register_keras_serializable(package=PACKAGE)
def recall_accuracy(y_true, y_pred):
    """Copy task: accuracy on the last 10 steps only. y_true [B, T + 20], y_pred [B, T + 20, 9] -> [B, 10]."""
    recall_true = y_true[:, -copy_memory.MEMORY_LENGTH:]
    recall_pred = ops.argmax(y_pred[:, -copy_memory.MEMORY_LENGTH:], axis=-1)
    return ops.cast(ops.equal(ops.cast(recall_true, "int32"), ops.cast(recall_pred, "int32")), "float32")


def build_model(task_name, cell_name, units, layers=1, embedding=16, dropout=0.0, seed=None, **cell_options):
    """An uncompiled keras.Model for the task: int32 ids [B, T] -> logits (see the module docstring)."""
    task, cell = get_task(task_name), get_cell(cell_name)
    if dropout:
        cell_options.update(dropout=dropout, recurrent_dropout=dropout)
    if seed is not None and cell.cell_class is not None:
        cell_options["seed"] = seed
    inputs = keras.Input((None,), dtype="int32", name="ids")
    x = keras.layers.Embedding(task.vocab_size, embedding, name="embedding")(inputs)
    for index in range(layers):
        keep_sequence = task.per_step_targets or index < layers - 1
        x = cell.layer(units, return_sequences=keep_sequence, **cell_options)(x)
    outputs = keras.layers.Dense(task.num_classes if task.per_step_targets else 1, name="head")(x)
    return keras.Model(inputs, outputs, name=f"{task_name}_{cell_name}")


def compile_model(model, task_name, optimizer="adam", learning_rate=1e-3, clipnorm=None, jit_compile=False):
    """Compiles with the task's loss and accuracy metric (recall_accuracy for copy)."""
    task = get_task(task_name)
    options = {"learning_rate": learning_rate}
    if clipnorm:
        options["clipnorm"] = clipnorm
    if task.per_step_targets:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        metrics = [keras.metrics.MeanMetricWrapper(recall_accuracy, name="accuracy")]
    else:
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
        metrics = [keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)]
    model.compile(optimizer=OPTIMIZERS[optimizer](**options), loss=loss, metrics=metrics, jit_compile=jit_compile)
    return model


def load_model(path):
    """A model saved by a run (checkpoint.keras), with its optimizer state. Importing this module
    registers what loading needs: the cells and recall_accuracy."""
    return keras.models.load_model(path)
