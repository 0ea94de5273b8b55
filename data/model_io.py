"""How a task's sequences enter a Keras model and how its outputs are scored.

A Task (data.task) holds one input kind and one objective from here; trainer/ builds,
compiles, evaluates and probes a model only through them.

Inputs:
    Tokens(vocab_size, pad_id, pad_at)   int32 ids [B, T] -> Embedding -> [B, T, embedding]
    Features(size, pad_value)            float32 [B, T, size], used as they are
Padding is a step the encoding layer masks (the id pad_id, or a step whose every feature is
pad_value), so the recurrent layer carries its state over it. A task pads at the end of a
row (its sequences are written from step 0: the last output is the one at the sequence's own
last step) or, if it is scored at its last steps, at the start (the state stays at its
initial value until the sequence begins). Padding leaves the function unchanged: the loss
counts only the steps that are not padding (Keras's masked mean), and so a batch padded to
a longer length (pad()) gives the same loss and gradients.

Bucketed lengths. Keras on JAX compiles a training and an evaluation step for every input
shape, about a second each, and a probe trained on distances 1..d would meet d lengths. So
on a backend that compiles per shape (bucketed()), batches are padded up to
bucket_length(T), four lengths per doubling (24, 28, 32, 40, 48, ...: at most a quarter of
the steps are padding), and a probe compiles a dozen lengths, not d. TensorFlow traces one
function for every length and is given the batches as they are.

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
BUCKETS_PER_DOUBLING = 4


def bucketed():
    """Whether batches are padded to bucket lengths: on a backend that compiles a function for
    every input shape (JAX), not on TensorFlow, which traces one for every length."""
    return keras.backend.backend() != "tensorflow"


def bucket_length(length):
    """The bucket of a sequence length: the next multiple of 2^(floor(log2 length) - 2), so
    BUCKETS_PER_DOUBLING lengths per doubling (21 -> 24, 33 -> 40, 129 -> 160)."""
    step = 2 ** max(int(np.log2(length)) - int(np.log2(BUCKETS_PER_DOUBLING)), 0)
    return -(-length // step) * step


def _pad(array, length, at, value):
    """array [B, T, ...] padded with value to [B, length, ...], at the "start" or the "end"."""
    extra = length - array.shape[1]
    if extra < 0:
        raise ValueError(f"cannot pad {array.shape[1]} steps to {length}")
    widths = [(0, 0)] * array.ndim
    widths[1] = (extra, 0) if at == "start" else (0, extra)
    return np.pad(array, widths, constant_values=value)


# ----------------------------------------------------------------------------- inputs
@keras.saving.register_keras_serializable(package=KERAS_PACKAGE)
class PaddedEmbedding(keras.layers.Embedding):
    """keras.layers.Embedding whose padding id may be any id, not only 0 (mask_zero): steps of
    that id are masked."""

    def __init__(self, input_dim, output_dim, pad_id, **kwargs):
        super().__init__(input_dim, output_dim, **kwargs)
        self.pad_id = pad_id
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return ops.not_equal(inputs, self.pad_id)

    def get_config(self):
        return {**super().get_config(), "pad_id": self.pad_id}


@dataclasses.dataclass(frozen=True)
class Tokens:
    """Symbol ids 0..vocab_size - 1, embedded; pad_id is padding (masked), put at the end of a
    row or at its start (pad_at)."""

    vocab_size: int
    pad_id: int
    pad_at: str = "end"

    dtype = "int32"

    def keras_input(self):
        return keras.Input((None,), dtype=self.dtype, name="inputs")

    def encoding(self, embedding_size):
        if self.pad_id == 0:
            return keras.layers.Embedding(self.vocab_size, embedding_size, mask_zero=True, name=ENCODING_LAYER)
        return PaddedEmbedding(self.vocab_size, embedding_size, self.pad_id, name=ENCODING_LAYER)

    def lengths(self, inputs):
        """Steps that belong to each sequence: inputs [B, T] -> int [B]."""
        return (np.asarray(inputs) != self.pad_id).sum(axis=1)

    def pad(self, inputs, length):
        """inputs [B, T] padded to [B, length]."""
        return _pad(np.asarray(inputs), length, self.pad_at, self.pad_id)


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

    pad_at = "end"

    def pad(self, inputs, length):
        """inputs [B, T, size] padded (at the end) to [B, length, size]."""
        if self.pad_value is None:
            raise ValueError("features without a pad_value cannot be padded")
        return _pad(np.asarray(inputs), length, "end", self.pad_value)


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
class LastStepsAccuracy(keras.metrics.Mean):
    """Mean accuracy on the last `steps` steps of each sequence (the positions that count)."""

    def __init__(self, steps, name="accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.steps = steps

    def update_state(self, y_true, y_pred, sample_weight=None):
        """No padding mask: a task scored at its last steps pads at the start, so they are never padding."""
        return super().update_state(last_steps_accuracy(y_true, y_pred, self.steps), sample_weight=sample_weight)

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

    def pad_targets(self, targets, length, at):
        """targets [B, T] padded to [B, length] where the inputs are (the loss skips those steps)."""
        return _pad(np.asarray(targets), length, at, 0)


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

    def pad_targets(self, targets, length, at):
        """One target per sequence: padding leaves it as it is."""
        return targets


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

    def pad_targets(self, targets, length, at):
        """One target per sequence: padding leaves it as it is."""
        return targets
