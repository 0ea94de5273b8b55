"""Plain recurrences: the simple tanh RNN and the ReLU RNN (with the IRNN option)."""

import keras
from keras import ops

from trainer.cells.base import PACKAGE, RecurrentCell


@keras.saving.register_keras_serializable(package=PACKAGE)
class TanhRNNCell(RecurrentCell):
    """Simple RNN, `rnn`:  h_t = tanh(x_t W + h_{t-1} U + b).

    Each step back in time multiplies the gradient by U^T diag(1 - h_t^2), usually a
    contraction, so the influence of early inputs vanishes with distance. Weights as
    keras.layers.SimpleRNNCell: kernel [in, u], recurrent_kernel [u, u], bias [u].
    """

    ACTIVATION = staticmethod(ops.tanh)

    def step(self, projected, states, weights, training=False):
        (recurrent_kernel,) = weights
        h_prev = self.recurrent_input(states[0], training)
        h = self.ACTIVATION(projected + ops.matmul(h_prev, recurrent_kernel))
        return h, [h]


@keras.saving.register_keras_serializable(package=PACKAGE)
class ReluRNNCell(TanhRNNCell):
    """ReLU RNN, `relu_rnn`:  h_t = max(0, x_t W + h_{t-1} U + b).

    ReLU's derivative is 1 or 0, so the tanh shrinkage is gone (the risk of explosion is
    not). identity_init=True is the IRNN recipe of Le, Jaitly & Hinton (2015): U = I and
    b = 0 at initialisation. Weights as keras.layers.SimpleRNNCell(activation="relu").
    """

    ACTIVATION = staticmethod(ops.relu)

    def __init__(self, units, identity_init=False, **kwargs):
        if identity_init:
            kwargs["recurrent_initializer"] = keras.initializers.Identity()
            kwargs["bias_initializer"] = "zeros"
        super().__init__(units, **kwargs)
        self.identity_init = bool(identity_init)

    def get_config(self):
        return {**super().get_config(), "identity_init": self.identity_init}
