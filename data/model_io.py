"""How a task's sequences enter a Keras model and how its outputs are scored.

A Task (data.task) holds one input kind and one objective from here; trainer/ builds,
compiles, evaluates and probes a model only through them.

Inputs:
    Tokens(vocab_size, padded)   int32 ids [B, T] -> Embedding -> [B, T, embedding]
    Features(size, pad_value)    float32 [B, T, size], used as they are
A padded task writes each sequence from step 0 and fills the rest of the row with padding
(id 0, or steps whose every feature is pad_value); the encoding layer masks those steps,
so the recurrent layer carries its state over them and the last output is the one at the
sequence's own last step.

Objectives:
    StepClasses(num_classes, scored_steps)   a class at every step [B, T], cross-entropy at
                                             every step, accuracy on the last scored_steps only
    Decision()                               one binary label per sequence [B], logistic loss
    Regression(tolerance)                    one real target per sequence [B], squared error;
                                             a trial is correct within tolerance of the target
"""

import dataclasses
from typing import Optional

import numpy as np

from common import KERAS_PACKAGE
from common.backend import import_keras

keras = import_keras()
ops = keras.ops

ENCODING_LAYER = "encoding"  # name of the layer between the raw inputs and the first recurrent layer


# ----------------------------------------------------------------------------- inputs
@dataclasses.dataclass(frozen=True)
class Tokens:
    """Symbol ids 0..vocab_size - 1, embedded; with padded=True id 0 is padding (masked)."""

    vocab_size: int
    padded: bool = False

    dtype = "int32"

    def keras_input(self):
        return keras.Input((None,), dtype=self.dtype, name="inputs")

    def encoding(self, embedding_size):
        return keras.layers.Embedding(self.vocab_size, embedding_size, mask_zero=self.padded, name=ENCODING_LAYER)

    def lengths(self, inputs):
        """Steps that belong to each sequence: inputs [B, T] -> int [B]."""
        inputs = np.asarray(inputs)
        if not self.padded:
            return np.full(len(inputs), inputs.shape[1])
        return (inputs != 0).sum(axis=1)


@dataclasses.dataclass(frozen=True)
class Features:
    """Real-valued features [B, T, size]; with pad_value set, a step whose every feature equals
    it is padding (masked)."""

    size: int
    pad_value: Optional[float] = None

    dtype = "float32"

    def keras_input(self):
        return keras.Input((None, self.size), dtype=self.dtype, name="inputs")

    def encoding(self, embedding_size):
        del embedding_size  # the features enter the recurrent layer as they are
        if self.pad_value is None:
            return keras.layers.Identity(name=ENCODING_LAYER)
        return keras.layers.Masking(mask_value=self.pad_value, name=ENCODING_LAYER)

    def lengths(self, inputs):
        """Steps that belong to each sequence: inputs [B, T, size] -> int [B]."""
        inputs = np.asarray(inputs)
        if self.pad_value is None:
            return np.full(len(inputs), inputs.shape[1])
        return np.any(inputs != self.pad_value, axis=-1).sum(axis=1)


# ----------------------------------------------------------------------------- metrics
def last_steps_accuracy(y_true, y_pred, steps):
    """Accuracy on the last `steps` steps: y_true [B, T], y_pred logits [B, T, C] -> [B, steps]."""
    scored_true = ops.cast(y_true[:, -steps:], "int32")
    scored_pred = ops.cast(ops.argmax(y_pred[:, -steps:], axis=-1), "int32")
    return ops.cast(ops.equal(scored_true, scored_pred), "float32")


def within_tolerance(y_true, y_pred, tolerance):
    """1 where |prediction - target| < tolerance: y_true [B], y_pred [B, 1] -> [B]."""
    error = ops.abs(ops.reshape(y_pred, (-1,)) - ops.cast(ops.reshape(y_true, (-1,)), y_pred.dtype))
    return ops.cast(error < tolerance, "float32")


@keras.saving.register_keras_serializable(package=KERAS_PACKAGE)
class LastStepsAccuracy(keras.metrics.MeanMetricWrapper):
    """Mean accuracy on the last `steps` steps of each sequence (the positions that count)."""

    def __init__(self, steps, name="accuracy", dtype=None):
        super().__init__(last_steps_accuracy, name=name, dtype=dtype, steps=steps)
        self.steps = steps

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "steps": self.steps}


@keras.saving.register_keras_serializable(package=KERAS_PACKAGE)
class ToleranceAccuracy(keras.metrics.MeanMetricWrapper):
    """Share of sequences whose prediction is within `tolerance` of the target."""

    def __init__(self, tolerance, name="accuracy", dtype=None):
        super().__init__(within_tolerance, name=name, dtype=dtype, tolerance=tolerance)
        self.tolerance = tolerance

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "tolerance": self.tolerance}


# ----------------------------------------------------------------------------- objectives
@dataclasses.dataclass(frozen=True)
class StepClasses:
    """A class at every step; what counts is the last scored_steps steps."""

    num_classes: int
    scored_steps: int

    per_step = True  # the head reads every step
    target_dtype = np.int32

    @property
    def head_units(self):
        return self.num_classes

    def loss(self):
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def metrics(self):
        return [LastStepsAccuracy(self.scored_steps)]

    def hits(self, predictions, targets):
        """Outcome of every trial: logits [N, T, C], targets [N, T] -> bool [N, scored_steps]."""
        scored = slice(-self.scored_steps, None)
        return np.argmax(predictions[:, scored], axis=-1) == targets[:, scored]

    def last_step_loss(self, outputs, targets):
        """Loss of each sequence at its last step (the gradient probe): [B, T, C] -> [B]."""
        return keras.losses.sparse_categorical_crossentropy(targets[:, -1], outputs[:, -1], from_logits=True)


@dataclasses.dataclass(frozen=True)
class Decision:
    """One binary label per sequence (0 or 1), read after the last step."""

    per_step = False
    head_units = 1
    target_dtype = np.int32

    def loss(self):
        return keras.losses.BinaryCrossentropy(from_logits=True)

    def metrics(self):
        return [keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)]

    def hits(self, predictions, targets):
        """logits [N, 1], labels [N] -> bool [N]."""
        return (predictions[:, 0] > 0) == (targets == 1)

    def last_step_loss(self, outputs, targets):
        labels = ops.cast(ops.reshape(targets, (-1, 1)), outputs.dtype)
        return ops.reshape(keras.losses.binary_crossentropy(labels, outputs, from_logits=True), (-1,))


@dataclasses.dataclass(frozen=True)
class Regression:
    """One real target per sequence, read after the last step; correct within tolerance."""

    tolerance: float

    per_step = False
    head_units = 1
    target_dtype = np.float32

    def loss(self):
        return keras.losses.MeanSquaredError()

    def metrics(self):
        return [ToleranceAccuracy(self.tolerance)]

    def hits(self, predictions, targets):
        """predictions [N, 1], targets [N] -> bool [N]."""
        return np.abs(predictions[:, 0] - targets) < self.tolerance

    def errors(self, predictions, targets):
        """How far predictions [N, 1] lie from targets [N]: a dict of the root mean squared error
        (rmse), the mean signed error (bias), and the shares within the tolerance and within twice it."""
        error = predictions[:, 0].astype(np.float64) - targets
        return {"rmse": float(np.sqrt(np.mean(error**2))), "bias": float(np.mean(error)),
                "within": float(np.mean(np.abs(error) < self.tolerance)),
                "within_twice": float(np.mean(np.abs(error) < 2 * self.tolerance))}

    def last_step_loss(self, outputs, targets):
        return ops.square(ops.reshape(outputs, (-1,)) - ops.cast(ops.reshape(targets, (-1,)), outputs.dtype))
