"""The cells that came after (min_gru, min_lstm, lru, ind_rnn, sco_rnn) compute their papers'
equations, initialise as their papers do, and give the same numbers as a parallel scan as
in the step loop.

Each reference below is written in NumPy from the paper's equations, cross-checked against
the authors' (or a well-known) public code, named in its docstring; gradients are compared
with central finite differences of the reference in float64. Those comparisons run the
layers in float64 (the floatx fixture), so that 1e-5 measures the equations, not rounding.
"""

import math

import keras
from keras import ops
import numpy as np
import pytest
import tensorflow as tf

from trainer.cells import CELLS, IndRNNCell, LRUCell, Recurrent, ScoRNNCell
from trainer.cells import layer as layer_module
from trainer.config import Config
from layer_gradients import layer_results

BATCH, TIME, FEATURES, UNITS = 2, 6, 3, 4
SCANNED = ["min_gru", "min_lstm", "lru"]


@pytest.fixture
def float64():
    """Layers made in the test compute in float64 (Keras keeps a default dtype policy of its own
    once one is asked for, so both it and floatx are set and restored)."""
    floatx, policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    yield
    keras.config.set_floatx(floatx)
    keras.config.set_dtype_policy(policy)


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def g(v):
    return np.where(v >= 0, v + 0.5, sigmoid(v))


def numpy_min_gru(x, h0, weights, positive_candidate=False):
    """minGRU as Feng et al. (2024) write it (their Algorithm for minGRU, sequential mode):
    z = sig(Linear_z(x)), h~ = Linear_h(x), h = (1 - z) h_prev + z h~. Read beside
    lucidrains/minGRU-pytorch minGRU_pytorch/minGRU.py, whose sequential step is the same
    (torch.lerp(h_prev, h~, z)) but always applies g to h~ (it implements only the log-space
    variant) and has no biases; this reference follows the paper and has both forms."""
    kernel, bias = weights
    (h,), outputs = h0, []
    for t in range(x.shape[1]):
        pre = x[:, t] @ kernel + bias
        z, candidate = sigmoid(pre[:, :UNITS]), pre[:, UNITS:]
        candidate = g(candidate) if positive_candidate else candidate
        h = (1 - z) * h + z * candidate
        outputs.append(h)
    return np.stack(outputs, 1), [h]


def numpy_min_lstm(x, h0, weights, positive_candidate=False):
    """minLSTM (Feng et al. 2024): f, i = sig(Linear(x)); f' = f / (f + i), i' = i / (f + i);
    h = f' h_prev + i' h~. lucidrains/minGRU-pytorch minGRU_pytorch/minLSTM.py computes the same
    sequential step (with g on h~ and no biases, as for minGRU)."""
    kernel, bias = weights
    (h,), outputs = h0, []
    for t in range(x.shape[1]):
        pre = x[:, t] @ kernel + bias
        f, i, candidate = sigmoid(pre[:, :UNITS]), sigmoid(pre[:, UNITS:2 * UNITS]), pre[:, 2 * UNITS:]
        candidate = g(candidate) if positive_candidate else candidate
        h = f / (f + i) * h + i / (f + i) * candidate
        outputs.append(h)
    return np.stack(outputs, 1), [h]


def numpy_lru(x, h0, weights):
    """The LRU (Orvieto et al. 2023) in complex NumPy, as the authors' minimal-LRU computes it
    (read in JuanFMontesinos/minimal-LRU lru/model.py, LRU.__call__): lambda = exp(-exp(nu_log)
    + i exp(theta_log)), B_norm = (B_re + i B_im) * exp(gamma_log), x_k = lambda x_{k-1} +
    B_norm u_k, y_k = Re(C x_k) + D u_k. Their D is a vector (input width = output width);
    the project's is a full [in, H] matrix (LRUCell's docstring says why), used here as given."""
    kernel, nu_log, theta_log, gamma_log, output_kernel = weights
    n = len(nu_log)
    lam = np.exp(-np.exp(nu_log) + 1j * np.exp(theta_log))
    b_norm = (kernel[:, :n] + 1j * kernel[:, n:2 * n]).T * np.exp(gamma_log)[:, None]  # [N, in]
    c = (output_kernel[:n] + 1j * output_kernel[n:]).T  # [H, N]
    d = kernel[:, 2 * n:]
    state, outputs = h0[0] + 1j * h0[1], []
    for t in range(x.shape[1]):
        state = lam * state + x[:, t] @ b_norm.T
        outputs.append((state @ c.T).real + x[:, t] @ d)
    return np.stack(outputs, 1), [state.real, state.imag]


def numpy_ind_rnn(x, h0, weights):
    """IndRNN (Li et al. 2018): h = relu(W x + u * h_prev + b), as the authors' PyTorch cell
    computes it (Sunnydreamrain/IndRNN_pytorch IndRNN_onlyrecurrent.py: relu(input + hx *
    weight_hh), input = W x + b made by the layer before it)."""
    kernel, bias, u = weights
    (h,), outputs = h0, []
    for t in range(x.shape[1]):
        h = np.maximum(0, x[:, t] @ kernel + bias + u * h)
        outputs.append(h)
    return np.stack(outputs, 1), [h]


def skew_from(vector, units):
    a = np.zeros((units, units))
    a[np.triu_indices(units, 1)] = vector
    return a - a.T


def cayley(a, d):
    """The authors' makeW (SpartinStuff/scoRNN scoRNN_copying.py): (I + A)^-1 (I - A) D."""
    eye = np.eye(len(a))
    return np.linalg.solve(eye + a, eye - a) @ np.diag(d)


def scaling(units, negative_ones):
    return np.concatenate([np.ones(units - negative_ones), -np.ones(negative_ones)])


def numpy_sco_rnn_with(x, h0, kernel, bias, w):
    """The scoRNN step of the authors' scoRNNCell (SpartinStuff/scoRNN scoRNN.py): res = x U +
    h W, out = relu(|res| + b) * sign(res)."""
    (h,), outputs = h0, []
    for t in range(x.shape[1]):
        res = x[:, t] @ kernel + h @ w
        h = np.maximum(0, np.abs(res) + bias) * np.sign(res)
        outputs.append(h)
    return np.stack(outputs, 1), [h]


def numpy_sco_rnn(x, h0, weights):
    kernel, bias, skew = weights
    return numpy_sco_rnn_with(x, h0, kernel, bias, cayley(skew_from(skew, UNITS), scaling(UNITS, UNITS // 2)))


REFERENCES = [
    ("min_gru", {}, numpy_min_gru),
    ("min_gru", {"positive_candidate": True}, lambda x, h0, w: numpy_min_gru(x, h0, w, positive_candidate=True)),
    ("min_lstm", {}, numpy_min_lstm),
    ("min_lstm", {"positive_candidate": True}, lambda x, h0, w: numpy_min_lstm(x, h0, w, positive_candidate=True)),
    ("lru", {}, numpy_lru),
    ("ind_rnn", {}, numpy_ind_rnn),
    ("sco_rnn", {}, numpy_sco_rnn),
]
LOOPS = {"scan": {"scan": True}, "loop": {"scan": False}, "loop-hoisted": {"scan": False, "hoist_inputs": True}}
CASES = [(name, options, reference, loop) for name, options, reference in REFERENCES for loop in LOOPS
         if loop != "scan" or name in SCANNED]  # a cell without a linear recurrence has no scan


def numerical_gradient(function, values, eps=1e-6):
    """d function / d values[k] for each array of values, by central differences (float64)."""
    gradients = []
    for value in values:
        gradient = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            saved = value[index]
            value[index] = saved + eps
            up = function()
            value[index] = saved - eps
            down = function()
            value[index] = saved
            gradient[index] = (up - down) / (2 * eps)
        gradients.append(gradient)
    return gradients


def assert_all_close(got, expected, tolerance=1e-5):
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, atol=tolerance, rtol=tolerance)


@pytest.mark.parametrize("name,options,reference,loop", CASES,
                         ids=[f"{n}-{'-'.join(o) or 'plain'}-{loop}" for n, o, _, loop in CASES])
def test_outputs_states_and_gradients_equal_the_papers_equations_in_numpy(float64, rng, name, options, reference, loop):
    layer = Recurrent(CELLS[name].cell(UNITS, **options), return_sequences=True, return_state=True, **LOOPS[loop])
    x = rng.normal(size=(BATCH, TIME, FEATURES))
    layer(x)
    assert layer.cell.compute_dtype == "float64"
    weights = [rng.normal(scale=0.5, size=w.shape) for w in layer.get_weights()]
    layer.set_weights(weights)
    h0 = [rng.normal(scale=0.5, size=(BATCH, size)) for size in layer.cell.state_size]
    output_weights = rng.normal(size=(BATCH, TIME, layer.cell.output_size))
    state_weights = [rng.normal(size=h.shape) for h in h0]

    def loss():
        outputs, states = reference(x, h0, weights)
        return np.sum(outputs * output_weights) + sum(np.sum(s * v) for s, v in zip(states, state_weights))

    outputs, states = reference(x, h0, weights)
    expected = [outputs] + states + numerical_gradient(loss, [x] + h0 + weights)
    assert_all_close(layer_results(layer, x, output_weights, h0, state_weights), expected)


@pytest.mark.parametrize("name", SCANNED)
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
def test_scan_and_step_loop_give_the_same_outputs_states_and_gradients(float64, rng, name, masked, go_backwards):
    """With padding masked (at the end, at the start and in the middle of rows), an initial
    state, and backwards: the scan equals the while-loop, return_sequences both ways."""
    mask = None
    if masked:
        mask = np.ones((BATCH, TIME), bool)
        mask[0, 4:] = mask[1, :2] = mask[1, 3] = False
    x = rng.normal(size=(BATCH, TIME, FEATURES))
    for return_sequences in (True, False):
        layers = [Recurrent(CELLS[name].cell(UNITS), scan=scan, unroll_training=False, go_backwards=go_backwards,
                            return_sequences=return_sequences, return_state=True) for scan in (True, False)]
        for layer in layers:
            layer(x)
        layers[0].set_weights([rng.normal(scale=0.5, size=w.shape) for w in layers[0].get_weights()])
        layers[1].set_weights(layers[0].get_weights())
        h0 = [rng.normal(size=(BATCH, size)) for size in layers[0].cell.state_size]
        output_weights = rng.normal(size=(BATCH, TIME, UNITS) if return_sequences else (BATCH, UNITS))
        state_weights = [rng.normal(size=h.shape) for h in h0]
        scanned, looped = (layer_results(layer, x, output_weights, h0, state_weights, mask) for layer in layers)
        assert_all_close(scanned, looped)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow traces a function for an unknown "
                                                                    "length; JAX compiles one per length")
@pytest.mark.parametrize("name", SCANNED)
def test_scan_of_a_sequence_whose_length_is_unknown_when_traced(rng, name):
    """Range-mode training traces the layer with time axis None: the scan runs by doubling
    then, and still equals the loop, gradients included (float32, as trained)."""
    layers = [Recurrent(CELLS[name].cell(UNITS), scan=scan, return_sequences=True) for scan in (True, False)]
    x = rng.normal(size=(BATCH, TIME, FEATURES)).astype("float32")
    for layer in layers:
        layer(x)
    layers[1].set_weights(layers[0].get_weights())
    results = []
    for layer in layers:
        @tf.function(input_signature=[tf.TensorSpec((None, None, FEATURES), tf.float32)])
        def run(inputs):
            with tf.GradientTape() as tape:
                tape.watch(inputs)
                outputs = layer(inputs, training=True)
                loss = tf.reduce_sum(outputs * tf.range(UNITS, dtype=tf.float32))
            return [outputs] + tape.gradient(loss, [inputs] + layer.trainable_weights)

        results.append([value.numpy() for value in run(tf.constant(x))])
    assert_all_close(*results)


@pytest.mark.parametrize("gpu", [False, True], ids=["cpu", "gpu"])
def test_scan_is_the_default_on_a_gpu_where_the_cell_allows_it(monkeypatch, gpu):
    monkeypatch.setattr(layer_module, "gpu_visible", lambda: gpu)
    assert all(CELLS[name].layer(UNITS).scans == gpu for name in SCANNED)
    assert all(CELLS[name].layer(UNITS, scan=True).scans for name in SCANNED)
    assert not CELLS["min_gru"].layer(UNITS, scan=False).scans
    assert not any(CELLS[name].layer(UNITS).scans for name in ("ind_rnn", "sco_rnn", "gru"))


@pytest.mark.parametrize("name", SCANNED)
def test_scan_drops_what_keras_loop_drops(rng, name):
    """Input and recurrent dropout: the scan uses the masks keras.layers.RNN makes, one per
    sequence (the generic dropout test runs the loop on a CPU)."""
    options = dict(dropout=0.5, recurrent_dropout=0.5, seed=11)
    plain = keras.layers.RNN(CELLS[name].cell(UNITS, **options), return_sequences=True)
    scanned = Recurrent(CELLS[name].cell(UNITS, **options), scan=True, return_sequences=True)
    x = rng.normal(size=(BATCH, TIME, FEATURES)).astype("float32")
    plain(x), scanned(x)
    scanned.set_weights(plain.get_weights())
    trained = ops.convert_to_numpy(scanned(x, training=True))
    np.testing.assert_allclose(trained, plain(x, training=True), atol=1e-5)
    assert np.abs(trained - ops.convert_to_numpy(scanned(x, training=False))).max() > 1e-3


def test_min_lstm_gates_are_normalised_and_min_gru_returns_its_update_gate(rng):
    x = rng.normal(size=(BATCH, TIME, FEATURES)).astype("float32")
    for name, gates in (("min_gru", ("update",)), ("min_lstm", ("forget", "input"))):
        cell = CELLS[name].cell(UNITS, return_gates=True)
        parts = cell.split_output(Recurrent(cell, return_sequences=True)(x))
        assert tuple(parts) == ("h",) + gates
    np.testing.assert_allclose(parts["forget"] + parts["input"], 1.0, atol=1e-6)


@pytest.mark.parametrize("r_min,r_max,max_phase", [(0.0, 1.0, 2 * math.pi), (0.9, 0.999, math.pi / 10)])
def test_lru_ring_initialisation(r_min, r_max, max_phase):
    """|lambda| on the ring, uniform by area (|lambda|^2 uniform), phase in [0, max_phase],
    gamma = sqrt(1 - |lambda|^2), B and C at the paper's scales."""
    units, features = 512, 16
    cell = LRUCell(units, r_min=r_min, r_max=r_max, max_phase=max_phase, seed=1)
    Recurrent(cell)(np.zeros((1, 2, features), "float32"))
    modulus = np.exp(-np.exp(cell.nu_log.numpy()))
    phase = np.exp(cell.theta_log.numpy())
    assert modulus.min() >= r_min - 1e-6 and modulus.max() <= r_max + 1e-6
    assert phase.min() >= 0 and phase.max() <= max_phase * (1 + 1e-6)
    squared = (modulus ** 2 - r_min ** 2) / (r_max ** 2 - r_min ** 2)
    assert abs(squared.mean() - 0.5) < 0.05 and abs((phase / max_phase).mean() - 0.5) < 0.05
    np.testing.assert_allclose(np.exp(cell.gamma_log.numpy()), np.sqrt(1 - modulus ** 2), rtol=1e-4)
    kernel = cell.kernel.numpy()
    assert abs(kernel[:, :2 * units].std() - 1 / math.sqrt(2 * features)) < 0.01
    assert abs(kernel[:, 2 * units:].std() - 1 / math.sqrt(features)) < 0.01
    assert abs(cell.output_kernel.numpy().std() - 1 / math.sqrt(units)) < 0.01


def test_lru_sizes_state_units_and_output_units():
    cell = LRUCell(5, state_units=7)
    layer = Recurrent(cell, return_sequences=True, return_state=True)
    outputs, real, imaginary = layer(np.zeros((2, 3, FEATURES), "float32"))
    assert outputs.shape == (2, 3, 5) and real.shape == imaginary.shape == (2, 7)
    assert [tuple(w.shape) for w in layer.get_weights()] == [(FEATURES, 2 * 7 + 5), (7,), (7,), (7,), (14, 5)]


def test_ind_rnn_recurrent_weights_start_in_and_stay_in_the_bound(rng):
    """u uniform on [0, 2^(1/T)] at first, and clipped to |u| <= 2^(1/T) after each update."""
    bound = 2 ** (1 / 10)
    cell = IndRNNCell(256, ind_rnn_max_distance=10, seed=2)
    model = keras.Sequential([keras.Input((TIME, FEATURES)), Recurrent(cell), keras.layers.Dense(1)])
    u = cell.recurrent_kernel.numpy()
    assert u.min() >= 0 and u.max() <= bound and u.max() > 0.9 * bound
    assert cell.kernel.numpy().std() < 0.002
    cell.recurrent_kernel.assign(np.where(np.arange(256) % 2, 5.0, -5.0))
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.fit(rng.normal(size=(8, TIME, FEATURES)), rng.normal(size=(8, 1)), epochs=2, verbose=0)
    assert np.abs(cell.recurrent_kernel.numpy()).max() <= bound + 1e-6


def test_sco_rnn_initialisation_is_the_authors(rng):
    """A block-diagonal, blocks [[0, s], [-s, 0]] with s = -tan(t/2) in (-1, 0); D with half -1."""
    units = 8
    cell = ScoRNNCell(units, seed=3)
    Recurrent(cell)(np.zeros((1, 2, FEATURES), "float32"))
    a = ops.convert_to_numpy(cell.skew_matrix())
    blocks = np.zeros((units, units), bool)
    for k in range(0, units, 2):
        blocks[k, k + 1] = blocks[k + 1, k] = True
    assert not a[~blocks].any()
    s = a[np.arange(0, units, 2), np.arange(1, units, 2)]
    assert s.min() > -1 and s.max() < 0
    np.testing.assert_allclose(cell.scaling, scaling(units, units // 2))
    assert np.abs(cell.kernel.numpy()).max() <= 0.01 and not cell.bias.numpy().any()


def test_sco_rnn_recurrent_matrix_stays_orthogonal_through_training(rng):
    """W W^T = I to 1e-5 at initialisation and after Adam steps at a large rate (float32)."""
    units = 8
    cell = ScoRNNCell(units, negative_ones=3)
    model = keras.Sequential([keras.Input((TIME, FEATURES)), Recurrent(cell), keras.layers.Dense(1)])
    w = ops.convert_to_numpy(cell.recurrent_weights()[0])
    np.testing.assert_allclose(w @ w.T, np.eye(units), atol=1e-5)
    before = cell.skew.numpy().copy()
    model.compile(keras.optimizers.Adam(0.05), "mse")
    model.fit(rng.normal(size=(16, TIME, FEATURES)), rng.normal(size=(16, 1)), epochs=5, verbose=0)
    assert np.abs(cell.skew.numpy() - before).max() > 0.1
    w = ops.convert_to_numpy(cell.recurrent_weights()[0])
    np.testing.assert_allclose(w @ w.T, np.eye(units), atol=1e-5)
    np.testing.assert_allclose(np.linalg.det(w), (-1) ** 3, atol=1e-4)


def test_sco_rnn_gradient_of_a_is_the_papers_cayley_gradient(float64, rng):
    """The gradient of the stored upper triangle of A is that of the authors' update:
    dL/dA = V^T - V, V = (I + A)^-T dL/dW (D + W^T) (SpartinStuff/scoRNN scoRNN_adding.py,
    Cayley_Transform_Deriv), with dL/dW by finite differences of the NumPy reference."""
    layer = Recurrent(ScoRNNCell(UNITS), return_sequences=True, return_state=True)
    x = rng.normal(size=(BATCH, TIME, FEATURES))
    layer(x)
    kernel, bias, skew = [rng.normal(scale=0.5, size=w.shape) for w in layer.get_weights()]
    layer.set_weights([kernel, bias, skew])
    a, d = skew_from(skew, UNITS), scaling(UNITS, UNITS // 2)
    w = cayley(a, d)
    output_weights = rng.normal(size=(BATCH, TIME, UNITS))
    h0 = [np.zeros((BATCH, UNITS))]
    (grad_w,) = numerical_gradient(lambda: np.sum(numpy_sco_rnn_with(x, h0, kernel, bias, w)[0] * output_weights), [w])
    update = np.linalg.solve((np.eye(UNITS) + a).T, grad_w @ (np.diag(d) + w.T))
    paper = update.T - update
    got = layer_results(layer, x, output_weights)[-1]  # the last trainable weight: the skew
    np.testing.assert_allclose(got, paper[np.triu_indices(UNITS, 1)], atol=1e-5, rtol=1e-5)


def parameters(name, units=64, features=16):
    layer = CELLS[name].layer(units)
    layer(np.zeros((1, 2, features), "float32"))
    return layer.count_params()


def test_parameter_counts_at_64_units_on_a_16_wide_input_are_the_documented_formulas():
    """docs/cells.md gives these, u = 64 units on in = 16 inputs."""
    u, n = 64, 16
    assert parameters("min_gru") == 2 * (n * u + u) == 2176
    assert parameters("min_lstm") == 3 * (n * u + u) == 3264
    assert parameters("lru") == n * (2 * u + u) + 3 * u + 2 * u * u == 11456
    assert parameters("ind_rnn") == n * u + 2 * u == 1152
    assert parameters("sco_rnn") == n * u + u + u * (u - 1) // 2 == 3104
    assert parameters("gru") == 3 * (n * u + u * u + u) == 15552
    assert parameters("lstm") == 4 * (n * u + u * u + u) == 20736


def config(tmp_path, **overrides):
    return Config(task="adding", distance=5, steps=10, eval_every=10, batch_size=4, units=4,
                  eval_distances=(5,), logdir=str(tmp_path / "logs"), **overrides)


@pytest.mark.parametrize(
    "overrides,message",
    [
        (dict(cell="gru", r_min=0.9), r"^cell 'gru' has no option 'r_min'; its options: chrono$"),
        (dict(cell="lru", positive_candidate=True), r"^cell 'lru' has no option 'positive_candidate'; its options: "
                                                    r"r_min, r_max, max_phase$"),
        (dict(cell="lru", r_min=0.99, r_max=0.9), r"^r_min and r_max must satisfy 0 <= r_min < r_max <= 1, got 0.99 "
                                                  r"and 0.9$"),
        (dict(cell="lru", max_phase=0.0), r"^max_phase must be a number in \(0, 2 pi\], got 0.0$"),
        (dict(cell="ind_rnn", ind_rnn_max_distance=0), r"^ind_rnn_max_distance must be an integer >= 1, got 0$"),
        (dict(cell="sco_rnn", chrono=True), r"^cell 'sco_rnn' has no option 'chrono'; its options: none$"),
    ],
)
def test_bad_cell_options_are_rejected_by_the_config(tmp_path, overrides, message):
    with pytest.raises(ValueError, match=message):
        config(tmp_path, **overrides).validate()


def test_cell_options_reach_the_layer_and_name_the_run(tmp_path):
    lru = config(tmp_path, cell="lru", r_min=0.9, r_max=0.999, max_phase=0.314)
    lru.validate()
    assert lru.layer_options() == {"r_min": 0.9, "r_max": 0.999, "max_phase": 0.314}
    assert lru.hparams()["cell_options"] == "max_phase=0.314,r_max=0.999,r_min=0.9"
    ind_rnn = config(tmp_path, cell="ind_rnn", ind_rnn_max_distance=500)
    assert ind_rnn.cell_option_labels() == ["ind_rnn_max_distance=500"]
    cell = CELLS["ind_rnn"].layer(4, **ind_rnn.layer_options()).cell
    assert cell.bound == 2 ** (1 / 500)
    min_gru = config(tmp_path, cell="min_gru", positive_candidate=True)
    assert CELLS["min_gru"].layer(4, **min_gru.layer_options()).cell.positive_candidate


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: Recurrent(CELLS["lstm"].cell(4), scan=True),
         r"^scan=True needs a cell with a linear recurrence \(min_gru, min_lstm, lru\); LSTMCell has none$"),
        (lambda: CELLS["lru"].layer(4, scan="yes"), r"^scan must be None, True or False, got 'yes'$"),
        (lambda: LRUCell(4, state_units=0), r"^state_units must be an integer >= 1, got 0$"),
        (lambda: ScoRNNCell(4, negative_ones=5), r"^negative_ones must be an integer from 0 to 4, got 5$"),
        (lambda: CELLS["min_gru"].cell(4, scan=False), r"^scan is an option of the layer, not of the cell"),
    ],
)
def test_bad_arguments_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
