"""What every custom cell shares: weights in Keras's layout, dropout, the split of a step
into an input projection and a recurrence, get_config.

A step of every cell here starts with the input projection x_t W + b ([B, in] ->
[B, k * units] for k blocks of gates), then the recurrence (step) reads the recurrent
weights. RecurrentCell.call does both, so a cell works one step at a time inside
keras.layers.RNN like any Keras cell. trainer.cells.layer.Recurrent instead reads the
recurrent weights once per sequence (recurrent_weights(): a GRU slices its kernel there,
not at every step) and, with hoist_inputs=True, projects the whole sequence in one matrix
product before the loop; the numbers are the same. A cell whose state enters its
recurrence linearly (SCANS) also computes a whole sequence at once in scan(), which
Recurrent runs instead of the loop (trainer.cells.scan).
"""

import keras
from keras import ops

from common import KERAS_PACKAGE
from common.checks import check_positive_integer
from trainer.cells.keras_private import DropoutRNNCell

PACKAGE = KERAS_PACKAGE  # prefix of the registered names of the project's Keras objects


def check_rate(name, rate):
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {rate!r}")


class RecurrentCell(DropoutRNNCell, keras.layers.Layer):
    """Base of the custom cells.

    Subclasses set INPUT_BLOCKS (the input kernel is [in, INPUT_BLOCKS * units]),
    RECURRENT_BLOCKS (the recurrent kernel is [units, RECURRENT_BLOCKS * units], none if 0),
    INPUT_BIAS (False where the bias is not added to the projection but used in the step),
    GATES (names of the gate activations the cell can return) and STATES (names of its
    states), and implement step(projected, states, weights, training); a cell whose step
    reads its recurrent kernel in parts overrides recurrent_weights(). A cell whose
    recurrence is linear in its state sets SCANS and implements scan().

    Args:
      units: size u of the hidden state (>= 1).
      dropout: fraction of the inputs dropped in training (one mask per sequence).
      recurrent_dropout: fraction of h_{t-1} dropped in training before the recurrent product.
      kernel_initializer, recurrent_initializer, bias_initializer: Keras initializers.
      return_gates: if True, the output at each step is [h_t, gate_1, gate_2, ...]
        concatenated on the last axis ([B, (1 + len(GATES)) * u]); split it with
        split_output(). Only for cells that have gates.
      seed: seed of the dropout masks.
    """

    INPUT_BLOCKS = 1
    RECURRENT_BLOCKS = 1
    INPUT_BIAS = True
    GATES = ()
    STATES = ("h",)
    SCANS = False

    def __init__(
        self,
        units,
        dropout=0.0,
        recurrent_dropout=0.0,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        return_gates=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_integer("units", units)
        check_rate("dropout", dropout)
        check_rate("recurrent_dropout", recurrent_dropout)
        if return_gates and not self.GATES:
            raise ValueError(f"return_gates needs a gated cell; {type(self).__name__} has no gates")
        self.units = units
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.return_gates = bool(return_gates)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.state_size = [units] * len(self.STATES)
        self.output_size = units * (1 + len(self.GATES) * self.return_gates)

    @classmethod
    def check_arguments(cls, **options):
        """Raises a one-line ValueError for a bad value of a cell-specific option (as __init__
        would), so that a Config is rejected before anything is built; cells with such options
        override it."""

    # ------------------------------------------------------------------ weights
    def initial_bias(self, shape, dtype=None):
        """The bias at initialisation; cells with special recipes (forget bias 1, chrono) override it."""
        return self.bias_initializer(shape, dtype=dtype)

    def build(self, input_shape):
        """Weights in Keras's order and layout: kernel, recurrent_kernel (if any), bias."""
        blocks = self.INPUT_BLOCKS * self.units
        self.kernel = self.add_weight(
            shape=(input_shape[-1], blocks), name="kernel", initializer=self.kernel_initializer
        )
        if self.RECURRENT_BLOCKS:
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.RECURRENT_BLOCKS * self.units),
                name="recurrent_kernel",
                initializer=self.recurrent_initializer,
            )
        self.bias = self.add_weight(shape=(blocks,), name="bias", initializer=self.initial_bias)
        self.built = True

    # ------------------------------------------------------------------ computation
    def project_inputs(self, inputs, training=False):
        """x W + b (x W without INPUT_BIAS), with input dropout in training.

        inputs: one step [B, in], or a whole time-major sequence [T, B, in].
        Returns [B, k u] or [T, B, k u]. The dropout mask [B, in] is the same at every step.
        """
        if training and 0.0 < self.dropout < 1.0:
            inputs = inputs * self.get_dropout_mask(inputs if len(inputs.shape) == 2 else inputs[0])
        projected = ops.matmul(inputs, self.kernel)
        return ops.add(projected, self.bias) if self.INPUT_BIAS else projected

    def recurrent_mask(self, state, training):
        """The recurrent dropout mask [B, n] (one per sequence) in training, or None."""
        if training and 0.0 < self.recurrent_dropout < 1.0:
            return self.get_recurrent_dropout_mask(state)
        return None

    def recurrent_input(self, h, training):
        """h_{t-1} as the recurrent product sees it: with the recurrent dropout mask in training."""
        mask = self.recurrent_mask(h, training)
        return h if mask is None else h * mask

    def recurrent_weights(self):
        """What step() reads besides its inputs and states, read once per sequence: a tuple
        of tensors, by default (recurrent_kernel [u, k u],), or () for a cell without one."""
        return (ops.convert_to_tensor(self.recurrent_kernel),) if self.RECURRENT_BLOCKS else ()

    def step(self, projected, states, weights, training=False):
        """One recurrence step from the projected input [B, k u] and recurrent_weights();
        returns (output, new_states)."""
        raise NotImplementedError

    def scan(self, projected, states, weights, keep=None, training=False):
        """The whole sequence at once, for a cell with SCANS: projected [T, B, k u] (time-major,
        project_inputs of every step), states the initial states, weights recurrent_weights(),
        keep None or [T, B, 1] bool, True on padded steps, where the state is kept. Returns
        (outputs [T, B, out], final states): what step() gives step by step, padded steps'
        outputs aside (the layer repeats the last output there)."""
        raise NotImplementedError

    def call(self, inputs, states, training=False):
        """The Keras cell contract: inputs [B, in], states list of [B, u] -> (output, new states)."""
        return self.step(self.project_inputs(inputs, training), states, self.recurrent_weights(), training)

    def output_with_gates(self, h, gates):
        """h [B, u], or [h, gates...] concatenated to [B, (1 + G) u] when return_gates is on."""
        return ops.concatenate([h, *gates], axis=-1) if self.return_gates else h

    def split_output(self, output):
        """Splits an output made with return_gates=True ([..., (1 + G) u]) into {"h": ..., gate: ...}."""
        parts = ops.split(output, 1 + len(self.GATES), axis=-1)
        return dict(zip(("h",) + self.GATES, parts))

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in self.state_size]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "return_gates": self.return_gates,
            "seed": self.seed,
        }
