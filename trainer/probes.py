"""Why a cell forgets, measured: gradients against the lag, and gate activations in time.

Gradient probe. For a batch of sequences, the loss at the last step (what the task's
objective says: the cross-entropy of copy's last recall position, agreement's number
decision, adding's squared error) is differentiated with respect to the encoded input at
every earlier step (the output of the model's encoding layer: the embedding, or the raw
features). The mean over the batch of the gradient's L2 norm at lag k (the input k steps
before the sequence's own last step; padded sequences are aligned at their ends) is how
much the last decision can still learn from what happened k steps earlier. For the tanh
RNN the articles predict a geometric fall with k (vanishing gradients); for the additive
and gated cells, a flat one.

Gate inspection. A gated cell (lstm, gru, min_gru, min_lstm) is rebuilt with return_gates=True
and the trained weights, so every gate's activation at every step and unit can be read: an
LSTM that remembers across the copy task's delay holds its forget gate near 1 there.
"""

import keras
import numpy as np
from keras import ops

from data.model_io import ENCODING_LAYER
from trainer.cells import Recurrent, RecurrentCell


def _tensorflow_gradient(function, inputs):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(inputs)
        total = function(inputs)
    return tape.gradient(total, inputs)


def _jax_gradient(function, inputs):
    import jax

    return jax.grad(function)(inputs)


def _torch_gradient(function, inputs):
    inputs = inputs.detach().requires_grad_(True)
    function(inputs).backward()
    return inputs.grad


# Keras has no backend-neutral gradient of a function: each backend's own, in one place.
_GRADIENTS = {"tensorflow": _tensorflow_gradient, "jax": _jax_gradient, "torch": _torch_gradient}


def gradient(function, inputs):
    """d function(inputs) / d inputs for a scalar function of a tensor, on the backend Keras runs."""
    return _GRADIENTS[keras.backend.backend()](function, inputs)


def gradient_norms_by_lag(loss_of_inputs, inputs, lengths=None):
    """Mean norm of d loss_b / d inputs[b, t] over the batch, by lag.

    loss_of_inputs: a function of float inputs [B, T, F] returning one loss per sequence
      [B] that depends on sequence b only (then one gradient of the sum gives them all).
    inputs: [B, T, F].
    lengths: int [B], the steps of each sequence (the rest is padding); default: all T.
    Returns a NumPy array [max length]; element k is the mean norm at lag k, the input at step
    lengths[b] - 1 - k, over the sequences that have that lag.
    """
    inputs = ops.convert_to_tensor(inputs, dtype="float32")
    grads = gradient(lambda x: ops.sum(loss_of_inputs(x)), inputs)
    norms = ops.convert_to_numpy(ops.norm(grads, axis=-1)).astype(np.float64)  # [B, T]
    batch, steps = norms.shape
    lengths = np.full(batch, steps) if lengths is None else np.asarray(lengths)
    lags = np.arange(int(lengths.max()))
    positions = lengths[:, None] - 1 - lags[None, :]  # [B, lags]
    present = positions >= 0
    by_lag = np.where(present, norms[np.arange(batch)[:, None], np.maximum(positions, 0)], 0.0)
    return by_lag.sum(axis=0) / present.sum(axis=0)


def encoder_and_rest(model):
    """(the encoding layer, the layers after it in order) of a model made by trainer.model.build_model."""
    encoding = model.get_layer(ENCODING_LAYER)
    rest = model.layers[model.layers.index(encoding) + 1:]
    return encoding, rest


def run_after_encoding(rest, x, mask):
    """The layers after the encoding on encoded inputs x, with the padding mask given to recurrent layers."""
    for layer in rest:
        x = layer(x, mask=mask) if isinstance(layer, keras.layers.RNN) else layer(x)
        if not getattr(layer, "return_sequences", True):
            mask = None
    return x


def model_gradient_norms(model, task, inputs, targets):
    """The gradient probe of a build_model model on a batch of a data.task.Task -> norms by lag [T]."""
    encoding, rest = encoder_and_rest(model)
    raw = ops.convert_to_tensor(inputs)
    mask = encoding.compute_mask(raw)
    targets = ops.convert_to_tensor(targets)

    def loss_of_encoded(x):
        return task.objective.last_step_loss(run_after_encoding(rest, x, mask), targets)

    return gradient_norms_by_lag(loss_of_encoded, encoding(raw), task.inputs.lengths(inputs))


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
    """Gate activations of the model's first gated layer on a batch of inputs: {gate name: [B, T, u]}, in [0, 1].

    The layer is rebuilt with return_gates=True and the trained weights; the layers before it
    are run as they are, with the padding mask. Raises ValueError if the model has no gated cell.
    """
    layer = first_gated_layer(model)
    if layer is None:
        raise ValueError(f"model {model.name!r} has no gated recurrent cell; gated cells: lstm, gru, min_gru, min_lstm")
    cell_config = {**layer.cell.get_config(), "return_gates": True}
    twin = Recurrent(type(layer.cell).from_config(cell_config), return_sequences=True)
    encoding, rest = encoder_and_rest(model)
    raw = ops.convert_to_tensor(inputs)
    mask = encoding.compute_mask(raw)
    x = run_after_encoding(rest[:rest.index(layer)], encoding(raw), mask)
    twin.build(x.shape)
    twin.set_weights(layer.get_weights())
    # Without the mask (a new tensor carries none): padding comes after a sequence's own steps, so
    # their gates are the same, and Keras's JAX loop cannot mask an output wider than the state.
    parts = layer.cell.split_output(twin(ops.add(x, 0.0)))
    return {name: ops.convert_to_numpy(parts[name]) for name in layer.cell.GATES}


def probe_run(initial_model, trained_model, task, examples, batch_size=128):
    """Both probes for one run, on the first batch_size of examples (a split at one distance).

    Returns (document for results.json, {"initial": norms, "trained": norms}, gates of the
    first example {name: [T, u]} over its own steps, or None for an ungated cell).
    """
    inputs, targets = examples["inputs"][:batch_size], examples["targets"][:batch_size]
    norms = {
        "initial": model_gradient_norms(initial_model, task, inputs, targets),
        "trained": model_gradient_norms(trained_model, task, inputs, targets),
    }
    document = {"gradient": {"distance": int(examples["distance"][0]), **{
        key: value for stage, series in norms.items()
        for key, value in ((f"{stage}_norm_by_lag", series.tolist()), (f"{stage}_decay_per_step", decay_per_step(series)))
    }}}
    gates = None
    if has_gates(trained_model):
        length = int(task.inputs.lengths(inputs[:1])[0])
        gates = {name: values[0, :length] for name, values in gate_activations(trained_model, inputs[:1]).items()}
        document["gates"] = {f"{name}_mean_by_time": np.mean(values, axis=-1).tolist() for name, values in gates.items()}
    return document, norms, gates
