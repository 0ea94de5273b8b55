"""Why a cell forgets, measured: gradients against the lag, and gate activations in time.

Gradient probe. For a batch of sequences, the loss at the last step (copy: the cross-entropy
of the last recall position; agreement: the number decision) is differentiated with respect
to the embedded input at every earlier step. The mean over the batch of the gradient's L2
norm at lag k (the input k steps before the last) is how much the last decision can still
learn from what happened k steps earlier. For the tanh RNN the articles predict a geometric
fall with k (vanishing gradients); for the additive and gated cells, a flat one.

Gate inspection. A gated cell (lstm, gru) is rebuilt with return_gates=True and the trained
weights, so every gate's activation at every step and unit can be read: an LSTM that
remembers across the copy task's delay holds its forget gate near 1 there.
"""

import keras
import numpy as np
import tensorflow as tf

from data import copy_memory, get_task
from trainer.cells import Recurrent, RecurrentCell


def gradient_norms_by_lag(loss_of_inputs, inputs):
    """Mean norm of d loss_b / d inputs[b, t] over the batch, by lag.

    loss_of_inputs: a function of float inputs [B, T, F] returning one loss per sequence
      [B] that depends on sequence b only (then one gradient of the sum gives them all).
    inputs: [B, T, F].
    Returns a NumPy array [T]; element k is the norm at lag k, the input at step T - 1 - k.
    """
    inputs = tf.convert_to_tensor(inputs, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        total = tf.reduce_sum(loss_of_inputs(inputs))
    gradient = tape.gradient(total, inputs)
    norms = tf.reduce_mean(tf.norm(gradient, axis=-1), axis=0)  # [T]
    return norms.numpy()[::-1].astype(np.float64)


def split_embedding(model):
    """(embedding layer, the layers after it in order) of a model made by trainer.model.build_model."""
    embedding = model.get_layer("embedding")
    rest = [layer for layer in model.layers if not isinstance(layer, (keras.layers.InputLayer, keras.layers.Embedding))]
    return embedding, rest


def last_step_loss(task_name, logits, targets):
    """Loss of each sequence at its last step: logits [B, T, C] (copy) or [B, 1] -> [B]."""
    if get_task(task_name).per_step_targets:
        return keras.losses.sparse_categorical_crossentropy(targets[:, -1], logits[:, -1], from_logits=True)
    labels = tf.cast(tf.reshape(targets, (-1, 1)), logits.dtype)
    return tf.reshape(keras.losses.binary_crossentropy(labels, logits, from_logits=True), (-1,))


def model_gradient_norms(model, task_name, inputs, targets):
    """The gradient probe of a build_model model on a batch: ids [B, T], targets -> norms [T] by lag."""
    embedding, rest = split_embedding(model)

    def loss_of_embedded(x):
        for layer in rest:
            x = layer(x)
        return last_step_loss(task_name, x, tf.convert_to_tensor(targets))

    return gradient_norms_by_lag(loss_of_embedded, embedding(tf.convert_to_tensor(inputs)))


def decay_per_step(norms, first_lag=1):
    """exp of the least-squares slope of log(norm) against lag (lags >= first_lag with norm > 0).

    Below 1: the gradient shrinks by that factor per step of lag, on average; 1: it holds.
    NaN if fewer than two lags qualify.
    """
    lags = np.arange(len(norms))
    keep = (lags >= first_lag) & (np.asarray(norms) > 0)
    if keep.sum() < 2:
        return float("nan")
    slope = np.polyfit(lags[keep], np.log(np.asarray(norms)[keep]), 1)[0]
    return float(np.exp(slope))


def first_gated_layer(model):
    """The first recurrent layer whose cell has gates, or None."""
    for layer in model.layers:
        if isinstance(layer, Recurrent) and isinstance(layer.cell, RecurrentCell) and layer.cell.GATES:
            return layer
    return None


def has_gates(model):
    return first_gated_layer(model) is not None


def gate_activations(model, inputs):
    """Gate activations of the model's first gated layer on ids [B, T]: {gate name: [B, T, u]}, in [0, 1].

    The layer is rebuilt with return_gates=True and the trained weights; the layers before it
    are run as they are. Raises ValueError if the model has no gated cell.
    """
    layer = first_gated_layer(model)
    if layer is None:
        raise ValueError(f"model {model.name!r} has no gated recurrent cell; gated cells: lstm, gru")
    cell_config = {**layer.cell.get_config(), "return_gates": True}
    twin = Recurrent(type(layer.cell).from_config(cell_config), return_sequences=True)
    x = tf.convert_to_tensor(inputs)
    for before in model.layers:
        if before is layer:
            break
        if not isinstance(before, keras.layers.InputLayer):
            x = before(x)
    twin.build(x.shape)
    twin.set_weights(layer.get_weights())
    parts = layer.cell.split_output(twin(x))
    return {name: np.asarray(parts[name]) for name in layer.cell.GATES}


def phase_markers(task_name, distance):
    """Where a sequence's parts begin, to mark on gate plots: [(time step, label)]."""
    if get_task(task_name).per_step_targets:
        return [(copy_memory.MEMORY_LENGTH, "delay"), (distance + copy_memory.MEMORY_LENGTH, "recall")]
    return [(1, "subject")]


def probe_run(initial_model, trained_model, task_name, distance, examples, batch_size=128):
    """Both probes for one run, on the first batch_size of examples (a split at distance).

    Returns (document for results.json, {"initial": norms, "trained": norms}, gates of the
    first example {name: [T, u]} or None for an ungated cell).
    """
    inputs, targets = examples["inputs"][:batch_size], examples["targets"][:batch_size]
    norms = {
        "initial": model_gradient_norms(initial_model, task_name, inputs, targets),
        "trained": model_gradient_norms(trained_model, task_name, inputs, targets),
    }
    document = {"gradient": {"distance": distance, **{
        key: value for stage, series in norms.items()
        for key, value in ((f"{stage}_norm_by_lag", series.tolist()), (f"{stage}_decay_per_step", decay_per_step(series)))
    }}}
    gates = None
    if has_gates(trained_model):
        gates = {name: values[0] for name, values in gate_activations(trained_model, inputs[:1]).items()}
        document["gates"] = {f"{name}_mean_by_time": np.mean(values, axis=-1).tolist() for name, values in gates.items()}
    return document, norms, gates
