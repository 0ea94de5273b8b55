"""The gradient probe and the gate inspection (trainer.probes)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from data import TASKS, get_task
from trainer import probes
from trainer.cells import CELLS
from trainer.model import build_model


@pytest.mark.parametrize("a", [0.5, 0.9, -0.8])
def test_linear_recurrence_gives_powers_of_a(a):
    """h_t = a h_{t-1} + x_t, loss = h_T: d loss / d x_{T-1-k} = a^k exactly."""
    steps = 15

    def loss_of_inputs(x):
        h = tf.zeros_like(x[:, 0, 0])
        for t in range(steps):
            h = a * h + x[:, t, 0]
        return h

    inputs = np.random.default_rng(0).normal(size=(4, steps, 1))
    norms = probes.gradient_norms_by_lag(loss_of_inputs, inputs)
    np.testing.assert_allclose(norms, np.abs(a) ** np.arange(steps), rtol=1e-5, atol=1e-7)
    assert probes.decay_per_step(norms) == pytest.approx(abs(a), rel=1e-5)


def test_linear_keras_rnn_gives_powers_of_a():
    """The same recurrence as a Keras layer, SimpleRNN(1, activation=None) with weights 1 and a."""
    a, steps = 0.7, 12
    layer = keras.layers.SimpleRNN(1, activation=None, use_bias=False)
    layer.build((None, steps, 1))
    layer.set_weights([np.ones((1, 1)), np.full((1, 1), a)])
    inputs = np.random.default_rng(1).normal(size=(3, steps, 1))
    norms = probes.gradient_norms_by_lag(lambda x: layer(x)[:, 0], inputs)
    np.testing.assert_allclose(norms, a ** np.arange(steps), rtol=1e-5)


def test_norms_are_per_sequence_means():
    """Each sequence's loss depends on its own inputs only: the norm is the batch mean of |w|."""
    weights = np.array([[1.0], [3.0]])

    def loss_of_inputs(x):
        return tf.reduce_sum(x[:, :, 0] * tf.constant(weights, tf.float32), axis=1)

    norms = probes.gradient_norms_by_lag(loss_of_inputs, np.zeros((2, 5, 1)))
    np.testing.assert_allclose(norms, np.full(5, 2.0))


def test_untrained_rnn_gradient_falls_with_the_lag():
    rng = np.random.default_rng(0)
    batch = get_task("copy").generate(rng, 32, 100)
    keras.utils.set_random_seed(0)
    model = build_model(TASKS["copy"], CELLS["rnn"], 16)
    norms = probes.model_gradient_norms(model, TASKS["copy"], batch["inputs"], batch["targets"])
    assert norms.shape == (120,)
    assert np.all(norms > 0)
    assert probes.decay_per_step(norms) < 1
    assert norms[:10].mean() > 2 * norms[-20:].mean()


def test_additive_gradient_does_not_depend_on_the_lag():
    """h_t = tanh(x_t W + b) + h_{t-1}: d h_T / d x_t = tanh'(x_t W + b) W at every lag; only the
    word at each step changes it a little."""
    batch = get_task("agreement").generate(np.random.default_rng(0), 16, 30)
    keras.utils.set_random_seed(0)
    model = build_model(TASKS["agreement"], CELLS["additive"], 8)
    norms = probes.model_gradient_norms(model, TASKS["agreement"], batch["inputs"], batch["targets"])
    assert len(norms) == TASKS["agreement"].inputs.lengths(batch["inputs"]).max()
    common = norms[:31]  # lags every sentence has ("the SUBJECT" at lags 30 and 29); preambles differ before them
    np.testing.assert_allclose(common, common[0], rtol=5e-3)
    assert probes.decay_per_step(common) == pytest.approx(1.0, abs=1e-4)


def test_padded_sequences_are_aligned_at_their_own_last_step():
    """Lag k is k steps before each sequence's own end: padding adds no lag and no gradient."""
    weights = np.arange(1.0, 7.0)

    def loss_of_inputs(x):
        return tf.reduce_sum(x[:, :, 0] * tf.constant(weights, tf.float32), axis=1)

    inputs = np.zeros((2, 6, 1))
    norms = probes.gradient_norms_by_lag(loss_of_inputs, inputs, lengths=np.array([6, 3]))
    # sequence 0: lags 0..5 read steps 5..0 (weights 6..1); sequence 1: lags 0..2 read steps 2..0 (3, 2, 1)
    np.testing.assert_allclose(norms, [(6 + 3) / 2, (5 + 2) / 2, (4 + 1) / 2, 3, 2, 1])


def test_adding_probe_differentiates_the_raw_features():
    batch = get_task("adding").generate(np.random.default_rng(0), 8, 12)
    model = build_model(TASKS["adding"], CELLS["relu_rnn"], 6)
    norms = probes.model_gradient_norms(model, TASKS["adding"], batch["inputs"], batch["targets"])
    assert len(norms) == TASKS["adding"].inputs.lengths(batch["inputs"]).max() and np.all(norms > 0)


def test_decay_per_step_skips_lag_zero_and_zeros():
    norms = np.array([5.0, 0.5, 0.25, 0.0, 0.0625])
    assert probes.decay_per_step(norms) == pytest.approx(0.5)
    assert np.isnan(probes.decay_per_step(np.array([1.0, 0.0, 0.0])))


@pytest.mark.parametrize("cell, gates", [("lstm", ("input", "forget", "output")), ("gru", ("update", "reset"))])
@pytest.mark.parametrize("task", ["copy", "agreement", "adding"])
def test_gate_activations_have_the_right_shape_and_range(cell, gates, task):
    batch = get_task(task).generate(np.random.default_rng(0), 3, 6)
    model = build_model(TASKS[task], CELLS[cell], 5, layers=2)
    activations = probes.gate_activations(model, batch["inputs"])
    assert tuple(activations) == gates
    for values in activations.values():
        assert values.shape == (3, batch["inputs"].shape[1], 5)
        assert values.min() >= 0 and values.max() <= 1


def test_gate_activations_use_the_trained_weights():
    """The rebuilt layer computes the model's own h: its forget gate moves with the bias."""
    batch = get_task("copy").generate(np.random.default_rng(0), 2, 3)
    model = build_model(TASKS["copy"], CELLS["lstm"], 4)
    layer = probes.first_gated_layer(model)
    kernel, recurrent, bias = layer.get_weights()
    bias[4:8] = 20.0  # forget-gate block of the bias: sigmoid(20) = 1 to float precision
    layer.set_weights([kernel, recurrent, bias])
    np.testing.assert_allclose(probes.gate_activations(model, batch["inputs"])["forget"], 1.0, atol=1e-6)


def test_gate_inspection_needs_a_gated_cell():
    model = build_model(TASKS["copy"], CELLS["rnn"], 4)
    assert not probes.has_gates(model)
    with pytest.raises(ValueError, match="no gated recurrent cell; gated cells: lstm, gru"):
        probes.gate_activations(model, np.zeros((1, 3), np.int32))


def test_probe_run_documents_both_stages():
    examples = get_task("copy").generate(np.random.default_rng(0), 8, 4)
    initial, trained = build_model(TASKS["copy"], CELLS["gru"], 4), build_model(TASKS["copy"], CELLS["gru"], 4)
    document, norms, gates = probes.probe_run(initial, trained, TASKS["copy"], examples)
    gradient = document["gradient"]
    assert gradient["distance"] == 4
    assert len(gradient["initial_norm_by_lag"]) == len(gradient["trained_norm_by_lag"]) == 24
    assert set(norms) == {"initial", "trained"}
    assert set(gates) == {"update", "reset"} and gates["update"].shape == (24, 4)
    assert len(document["gates"]["update_mean_by_time"]) == 24
    assert TASKS["copy"].phase_markers(examples, 0) == [(0, "store"), (10, "delay"), (14, "recall")]


def test_agreement_gates_cover_the_sentence_only():
    examples = get_task("agreement").generate(np.random.default_rng(2), 8, 5)
    model = build_model(TASKS["agreement"], CELLS["lstm"], 4)
    _, _, gates = probes.probe_run(model, model, TASKS["agreement"], examples)
    length = int(TASKS["agreement"].inputs.lengths(examples["inputs"][:1])[0])
    assert gates["forget"].shape == (length, 4)
    subject = int(examples["subject_position"][0])
    assert TASKS["agreement"].phase_markers(examples, 0) == [(subject, "subject"), (subject + 4, "verb next")]
