"""The custom cells compute their equations, match Keras's cells, and behave as Keras cells."""

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

from trainer.cells import CELLS, AdditiveCell, GRUCell, LSTMCell, Recurrent, RecurrentCell, ReluRNNCell, TanhRNNCell, get_cell
from trainer.cells import layer as layer_module
from layer_gradients import layer_results

CUSTOM = [name for name, entry in CELLS.items() if entry.cell_class is not None]
BATCH, TIME, FEATURES, UNITS = 3, 9, 5, 4


@pytest.fixture
def sequences(rng):
    return rng.normal(size=(BATCH, TIME, FEATURES)).astype("float32")


def randomise(layer, rng):
    layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32") for w in layer.get_weights()])


LOOPS = {  # the ways a cell can run: Keras's own loop, and Recurrent's loops
    "keras.layers.RNN": lambda cell: keras.layers.RNN(cell, return_sequences=True, return_state=True),
    "Recurrent": lambda cell: Recurrent(cell, unroll_training=False, return_sequences=True, return_state=True),
    "Recurrent-hoisted": lambda cell: Recurrent(cell, hoist_inputs=True, unroll_training=False, return_sequences=True,
                                                return_state=True),
    "Recurrent-unrolled": lambda cell: Recurrent(cell, unroll_training=True, return_sequences=True, return_state=True),
}


def run_with_grads(layer, x, weights_for_loss):
    """Outputs, final states, and gradients of sum(outputs * w) w.r.t. the inputs and every
    weight, in training mode (where Recurrent may unroll its loop), on the tests' backend."""
    outputs, *rest = layer_results(layer, x, weights_for_loss)
    states = len(rest) - 1 - len(layer.trainable_weights)
    return outputs, rest[:states], rest[states:]


TWINS = [
    ("lstm", lambda: keras.layers.LSTMCell(UNITS), {}),
    ("gru", lambda: keras.layers.GRUCell(UNITS, reset_after=False), {}),
    ("rnn", lambda: keras.layers.SimpleRNNCell(UNITS), {}),
    ("relu_rnn", lambda: keras.layers.SimpleRNNCell(UNITS, activation="relu"), {}),
]


@pytest.mark.parametrize("name,keras_cell,options", TWINS, ids=[t[0] for t in TWINS])
@pytest.mark.parametrize("loop", list(LOOPS))
def test_equal_to_keras_cell_outputs_states_and_gradients(rng, sequences, name, keras_cell, options, loop):
    reference = keras.layers.RNN(keras_cell(), return_sequences=True, return_state=True)
    ours = LOOPS[loop](CELLS[name].cell(UNITS, **options))
    reference(sequences), ours(sequences)
    randomise(reference, rng)
    ours.set_weights(reference.get_weights())
    w = rng.normal(size=(BATCH, TIME, UNITS)).astype("float32")
    expected, got = run_with_grads(reference, sequences, w), run_with_grads(ours, sequences, w)
    np.testing.assert_allclose(got[0], expected[0], atol=1e-5)
    for a, b in zip(got[1], expected[1]):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert len(got[2]) == len(expected[2])
    for a, b in zip(got[2], expected[2]):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    # and weights move the other way
    randomise(ours, rng)
    reference.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours(sequences)[0], reference(sequences)[0], atol=1e-5)


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def numpy_additive(x, kernel, bias):
    h = np.zeros((x.shape[0], kernel.shape[1]))
    outputs = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ kernel + bias) + h
        outputs.append(h)
    return np.stack(outputs, 1), [h]


def numpy_ungated_lstm(x, kernel, recurrent, bias):
    h = c = np.zeros((x.shape[0], kernel.shape[1]))
    outputs = []
    for t in range(x.shape[1]):
        c = np.tanh(x[:, t] @ kernel + h @ recurrent + bias) + c
        h = np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, 1), [h, c]


def numpy_lstm_1997(x, kernel, recurrent, bias):
    u = recurrent.shape[0]
    h = c = np.zeros((x.shape[0], u))
    outputs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, g, o = sigmoid(z[:, :u]), np.tanh(z[:, u:2 * u]), sigmoid(z[:, 2 * u:])
        c = c + i * g
        h = o * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, 1), [h, c]


@pytest.mark.parametrize(
    "name,options,reference",
    [("additive", {}, numpy_additive), ("ungated_lstm", {}, numpy_ungated_lstm), ("lstm", {"forget_gate": False}, numpy_lstm_1997)],
)
@pytest.mark.parametrize("loop", list(LOOPS))
def test_equal_to_numpy_recurrence(rng, sequences, name, options, reference, loop):
    layer = LOOPS[loop](CELLS[name].cell(UNITS, **options))
    layer(sequences)
    randomise(layer, rng)
    outputs, *states = layer(sequences, training=True)
    expected_outputs, expected_states = reference(sequences.astype(np.float64), *layer.get_weights())
    np.testing.assert_allclose(outputs, expected_outputs, atol=1e-5)
    for a, b in zip(states, expected_states):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_lstm_without_forget_gate_has_three_blocks():
    layer = Recurrent(LSTMCell(UNITS, forget_gate=False))
    layer(np.zeros((1, 2, FEATURES), "float32"))
    assert [tuple(w.shape) for w in layer.get_weights()] == [(FEATURES, 3 * UNITS), (UNITS, 3 * UNITS), (3 * UNITS,)]


@pytest.mark.parametrize("name", ["additive", "rnn"])
def test_shuffling_time_steps_keeps_the_additive_state_but_not_the_rnn_state(rng, sequences, name):
    layer = Recurrent(CELLS[name].cell(UNITS))
    final = layer(sequences).numpy()
    shuffled = layer(sequences[:, rng.permutation(TIME)]).numpy()
    if name == "additive":
        np.testing.assert_allclose(shuffled, final, atol=1e-5)
    else:
        assert np.abs(shuffled - final).max() > 1e-2


SERIALISED = [(name, {}) for name in CELLS] + [
    ("lstm", {"forget_gate": False}),
    ("min_gru", {"positive_candidate": True, "return_gates": True, "scan": False}),
    ("min_lstm", {"recurrent_dropout": 0.2, "dropout": 0.1}),
    ("lru", {"r_min": 0.9, "r_max": 0.999, "max_phase": 0.3, "state_units": 6}),
    ("ind_rnn", {"ind_rnn_max_distance": 50}),
    ("sco_rnn", {"negative_ones": 1}),
    ("lstm", {"chrono_max_distance": 50, "return_gates": True, "dropout": 0.1}),
    ("gru", {"chrono_max_distance": 20, "recurrent_dropout": 0.2}),
    ("relu_rnn", {"identity_init": True}),
    ("ungated_lstm", {"hoist_inputs": True}),
    ("gru", {"unroll_training": True}),
]


@pytest.mark.parametrize("name,options", SERIALISED, ids=[f"{n}-{'-'.join(o)}" for n, o in SERIALISED])
def test_saved_model_loads_without_custom_objects_and_predicts_the_same(tmp_path, rng, sequences, name, options):
    model = keras.Sequential([
        keras.Input((None, FEATURES)),
        CELLS[name].layer(UNITS, return_sequences=True, **options),
        keras.layers.Dense(2),
    ])
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(sequences, verbose=0), model.predict(sequences, verbose=0), atol=1e-6)
    if CELLS[name].cell_class is not None:
        assert type(loaded.layers[0]) is Recurrent
        assert loaded.layers[0].cell.get_config() == model.layers[0].cell.get_config()
        layer_config = lambda layer: {k: v for k, v in layer.get_config().items() if k != "cell"}
        assert layer_config(loaded.layers[0]) == layer_config(model.layers[0])


@pytest.mark.parametrize("name", CUSTOM)
def test_get_config_holds_every_constructor_argument(name):
    cls = CELLS[name].cell_class
    arguments = set()
    for klass in inspect.getmro(cls):
        if issubclass(klass, RecurrentCell):
            arguments |= {p for p in inspect.signature(klass.__init__).parameters if p not in ("self", "kwargs")}
    config = cls(UNITS).get_config()
    assert arguments <= set(config), arguments - set(config)
    assert cls.from_config(config).get_config() == config


def bias_blocks(cell, blocks):
    layer = Recurrent(cell)
    layer(np.zeros((1, 2, FEATURES), "float32"))
    return np.split(cell.bias.numpy(), blocks)


def test_lstm_forget_bias_is_one_by_default():
    i, f, g, o = bias_blocks(LSTMCell(UNITS), 4)
    np.testing.assert_array_equal(f, 1.0)
    assert not i.any() and not g.any() and not o.any()


@pytest.mark.parametrize("max_distance", [2, 10, 1000])
def test_chrono_biases_lie_in_the_documented_range(max_distance):
    units = 256
    i, f, g, o = bias_blocks(LSTMCell(units, chrono_max_distance=max_distance, seed=3), 4)
    assert f.min() >= 0 and f.max() <= np.log(max_distance - 1) + 1e-6
    np.testing.assert_allclose(i, -f)
    assert not g.any() and not o.any()
    z, r, h = bias_blocks(GRUCell(units, chrono_max_distance=max_distance, seed=3), 3)
    assert z.min() >= 0 and z.max() <= np.log(max_distance - 1) + 1e-6
    assert not r.any() and not h.any()
    if max_distance == 1000:  # time scales 1 + e^b spread over the range
        assert np.log(3) > f.min() and f.max() > np.log(500)


def test_irnn_starts_from_an_identity_recurrent_kernel():
    cell = ReluRNNCell(UNITS, identity_init=True)
    Recurrent(cell)(np.zeros((1, 2, FEATURES), "float32"))
    np.testing.assert_array_equal(cell.recurrent_kernel.numpy(), np.eye(UNITS))
    assert not cell.bias.numpy().any()


LEARNING_STEPS = {"min_lstm": 80}  # its output is a convex combination of candidates (f' + i' = 1): from
# 0.66 to 0.41 in 40 steps, short of 0.6 x, and 0.21 in 80 (three seeds alike)


@pytest.mark.parametrize("name", CUSTOM + ["keras_lstm"])
def test_each_cell_learns_a_tiny_problem(name):
    """Predict the sign of the sum of a 6-step sequence (order-free, so additive can too);
    the loss must fall within 40 steps (LEARNING_STEPS for the slow)."""
    keras.utils.set_random_seed(0)
    data_rng = np.random.default_rng(0)
    x = data_rng.normal(size=(64, 6, 1)).astype("float32")
    y = (x.sum(axis=(1, 2)) > 0).astype("float32")
    model = keras.Sequential([keras.Input((6, 1)), CELLS[name].layer(16), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.02), keras.losses.BinaryCrossentropy(from_logits=True))
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=64, epochs=LEARNING_STEPS.get(name, 40), verbose=0)
    after = model.evaluate(x, y, verbose=0)
    assert after < 0.6 * before, (before, after)


@pytest.mark.parametrize("name", list(CELLS) + ["relu_rnn-irnn"])
def test_no_nan_on_length_200_at_initialisation(rng, name):
    options = {"identity_init": True} if name == "relu_rnn-irnn" else {}
    layer = get_cell(name.split("-")[0]).layer(32, return_sequences=True, **options)
    x = tf.constant(rng.normal(size=(4, 200, 8)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_mean(layer(x)[:, -1])
    grads = tape.gradient(loss, [x] + layer.trainable_weights)
    assert all(np.isfinite(g.numpy()).all() for g in grads)


@pytest.mark.parametrize("name", CUSTOM)
def test_works_like_a_keras_cell_stacked_bidirectional_and_without_sequences(rng, sequences, name):
    entry = CELLS[name]
    last = Recurrent(entry.cell(UNITS))(sequences)
    assert last.shape == (BATCH, UNITS)
    stacked = keras.layers.RNN(keras.layers.StackedRNNCells([entry.cell(UNITS), entry.cell(UNITS)]), return_sequences=True)
    assert stacked(sequences).shape == (BATCH, TIME, UNITS)
    both = keras.layers.Bidirectional(entry.layer(UNITS, return_sequences=True))
    assert both(sequences).shape == (BATCH, TIME, 2 * UNITS)
    model = keras.Sequential([keras.Input((TIME, FEATURES)), keras.layers.Bidirectional(entry.layer(UNITS)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(sequences, np.zeros((BATCH, 1)), verbose=0, epochs=1)


@pytest.mark.parametrize("name", CUSTOM)
def test_dropout_is_the_same_in_both_loops_and_off_at_inference(rng, sequences, name):
    options = dict(dropout=0.5, recurrent_dropout=0.5, seed=11)
    plain = keras.layers.RNN(CELLS[name].cell(UNITS, **options), return_sequences=True)
    fast = Recurrent(CELLS[name].cell(UNITS, **options), hoist_inputs=True, return_sequences=True)
    plain(sequences), fast(sequences)
    randomise(plain, rng)
    fast.set_weights(plain.get_weights())
    trained = fast(sequences, training=True).numpy()
    np.testing.assert_allclose(trained, plain(sequences, training=True), atol=1e-5)
    inference = fast(sequences, training=False).numpy()
    assert np.abs(trained - inference).max() > 1e-3
    np.testing.assert_allclose(inference, fast(sequences, training=False), atol=0)


@pytest.mark.parametrize("name,gates", [("lstm", ("input", "forget", "output")), ("gru", ("update", "reset")),
                                        ("min_gru", ("update",)), ("min_lstm", ("forget", "input"))])
def test_gate_activations_come_with_the_output(rng, sequences, name, gates):
    cell = CELLS[name].cell(UNITS, return_gates=True)
    layer = Recurrent(cell, return_sequences=True)
    parts = cell.split_output(layer(sequences))
    assert tuple(parts) == ("h",) + gates
    for gate in gates:
        values = parts[gate].numpy()
        assert values.shape == (BATCH, TIME, UNITS) and values.min() >= 0 and values.max() <= 1
    plain = Recurrent(CELLS[name].cell(UNITS), return_sequences=True)
    plain(sequences)
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(parts["h"], plain(sequences), atol=1e-6)


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: get_cell("lstmm"), r"^unknown cell 'lstmm'; valid cells: rnn, relu_rnn, additive, ungated_lstm, lstm, gru, min_gru, min_lstm, lru, ind_rnn, sco_rnn, keras_rnn, keras_lstm, keras_gru$"),
        (lambda: CELLS["rnn"].layer(8, forget_bias=2.0), r"^cell 'rnn' has no option 'forget_bias'; its options: dropout, recurrent_dropout, kernel_initializer, recurrent_initializer, bias_initializer, return_gates, seed, unroll, hoist_inputs, unroll_training, scan$"),
        (lambda: CELLS["keras_lstm"].layer(8, chrono_max_distance=5), r"^cell 'keras_lstm' has no option 'chrono_max_distance'; its options: dropout, recurrent_dropout, unroll$"),
        (lambda: CELLS["gru"].cell(8, hoist_inputs=True), r"^hoist_inputs is an option of the layer, not of the cell"),
        (lambda: CELLS["lstm"].layer(8, unroll_training="yes"), r"^unroll_training must be None, True or False, got 'yes'$"),
        (lambda: TanhRNNCell(0), r"^units must be an integer >= 1, got 0$"),
        (lambda: GRUCell(4, dropout=1.0), r"^dropout must be a number in \[0, 1\), got 1.0$"),
        (lambda: LSTMCell(4, recurrent_dropout=-0.1), r"^recurrent_dropout must be a number in \[0, 1\), got -0.1$"),
        (lambda: LSTMCell(4, chrono_max_distance=1), r"^chrono_max_distance must be None or an integer >= 2, got 1$"),
        (lambda: LSTMCell(4, forget_gate=False, chrono_max_distance=10), r"^chrono_max_distance needs forget_gate=True"),
        (lambda: AdditiveCell(4, return_gates=True), r"^return_gates needs a gated cell; AdditiveCell has no gates$"),
        (lambda: CELLS["keras_gru"].cell(4), r"^'keras_gru' is a Keras layer, not a cell; use layer\(\)$"),
    ],
)
def test_bad_arguments_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("name", CUSTOM)
@pytest.mark.parametrize("go_backwards", [False, True])
def test_hoisted_loop_matches_for_last_output_and_backwards(rng, sequences, name, go_backwards):
    """The loop (scan=False: a cell with a linear recurrence would be scanned instead)."""
    plain = Recurrent(CELLS[name].cell(UNITS), go_backwards=go_backwards, scan=False)
    hoisted = Recurrent(CELLS[name].cell(UNITS), hoist_inputs=True, go_backwards=go_backwards, scan=False)
    plain(sequences), hoisted(sequences)
    randomise(plain, rng)
    hoisted.set_weights(plain.get_weights())
    np.testing.assert_allclose(hoisted(sequences), plain(sequences), atol=1e-5)


@pytest.mark.parametrize("name", CUSTOM)
def test_unrolled_training_loop_matches_the_loop_with_padding_masked(rng, sequences, name):
    """Padded rows (agreement, adding) as the unrolled loop sees them: the same outputs, last
    state and gradients as the while-loop (scan=False: the loop of every cell)."""
    mask = np.ones((BATCH, TIME), bool)
    mask[0, 5:] = mask[2, 7:] = False
    looped = Recurrent(CELLS[name].cell(UNITS), unroll_training=False, scan=False)
    unrolled = Recurrent(CELLS[name].cell(UNITS), unroll_training=True, scan=False)
    looped(sequences), unrolled(sequences)
    randomise(looped, rng)
    unrolled.set_weights(looped.get_weights())
    results = []
    for layer in (looped, unrolled):
        with tf.GradientTape() as tape:
            last = layer(tf.constant(sequences), mask=tf.constant(mask), training=True)
            loss = tf.reduce_sum(last * np.arange(UNITS, dtype="float32"))
        results.append([last.numpy()] + [g.numpy() for g in tape.gradient(loss, layer.trainable_weights)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)


def has_while_loop(layer, steps, training):
    """Whether the layer, traced on [BATCH, steps, FEATURES] (steps None: not static), runs a while-loop."""
    traced = tf.function(lambda x: layer(x, training=training)).get_concrete_function(
        tf.TensorSpec((BATCH, steps, FEATURES), tf.float32))
    return any(op.type in ("While", "StatelessWhile") for op in traced.graph.get_operations())


@pytest.mark.parametrize(
    "name,options,steps,training,gpu,looped",
    [
        ("lstm", {}, TIME, True, False, False),  # the default where the length is static: unrolled
        ("rnn", {}, layer_module.UNROLL_TRAINING_STEPS, True, False, False),
        ("lstm", {}, TIME, False, False, True),  # evaluation keeps the loop
        ("lstm", {}, None, True, False, True),  # length not known when traced
        ("lstm", {}, layer_module.UNROLL_TRAINING_STEPS + 1, True, False, True),  # too long
        ("lstm", {}, TIME, True, True, True),  # a GPU: defaults unchanged
        ("gru", {}, TIME, True, False, False),
        ("gru", {"unroll_training": False}, TIME, True, False, True),
        ("lstm", {"unroll_training": True}, layer_module.UNROLL_TRAINING_STEPS + 1, True, True, False),
        ("lstm", {"unroll": True}, TIME, False, False, False),  # Keras's unroll: every loop
    ],
)
def test_when_the_loop_is_unrolled(monkeypatch, name, options, steps, training, gpu, looped):
    monkeypatch.setattr(layer_module, "gpu_visible", lambda: gpu)
    layer = CELLS[name].layer(UNITS, **options)
    assert has_while_loop(layer, steps, training) == looped
