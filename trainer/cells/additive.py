"""Additive state: the half-steps from the simple RNN toward the LSTM."""

import keras
from keras import ops

from trainer.cells.base import PACKAGE, RecurrentCell


@keras.saving.register_keras_serializable(package=PACKAGE)
class AdditiveCell(RecurrentCell):
    """Additive state, `additive`:  h_t = tanh(x_t W + b) + h_{t-1}.

    The gradient passes back through the sum unchanged, but the state is a plain sum of
    per-step terms, so the order of the inputs is lost: shuffling the time steps leaves
    the final state the same. Weights: kernel [in, u], bias [u] (no recurrent kernel).
    Recurrent dropout, if any, drops parts of h_{t-1} in the sum.
    """

    RECURRENT_BLOCKS = 0

    def step(self, projected, states, weights, training=False):
        h = ops.tanh(projected) + self.recurrent_input(states[0], training)
        return h, [h]


@keras.saving.register_keras_serializable(package=PACKAGE)
class UngatedLSTMCell(RecurrentCell):
    """Cell state without gates, `ungated_lstm`:

        c_t = tanh(x_t W + h_{t-1} U + b) + c_{t-1}
        h_t = tanh(c_t)

    c carries gradients additively; h, fed back through U, carries order. The states are
    [h, c], each [B, u], both zero at the start (h_0 is not tanh(c_0) in general).
    Weights: kernel [in, u], recurrent_kernel [u, u], bias [u].
    """

    STATES = ("h", "c")

    def step(self, projected, states, weights, training=False):
        (recurrent_kernel,) = weights
        h_prev, c_prev = states
        h_prev = self.recurrent_input(h_prev, training)
        c = ops.tanh(projected + ops.matmul(h_prev, recurrent_kernel)) + c_prev
        h = ops.tanh(c)
        return h, [h, c]
