"""The independently recurrent network (IndRNN) of Li et al. (2018): one recurrent weight per
unit, bounded so that no unit's state can grow more than twofold over T steps."""

import keras
from keras import ops

from trainer.cells.base import PACKAGE, RecurrentCell

DEFAULT_MAX_DISTANCE = 1000  # T of the bound 2^(1/T) when none is given (see IndRNNCell)


def check_max_distance(max_distance):
    if isinstance(max_distance, bool) or not isinstance(max_distance, int) or max_distance < 1:
        raise ValueError(f"ind_rnn_max_distance must be an integer >= 1, got {max_distance!r}")


@keras.saving.register_keras_serializable(package=PACKAGE)
class IndRNNCell(RecurrentCell):
    """IndRNN, `ind_rnn` (Li et al. 2018):

        h_t = relu(x_t W + u * h_{t-1} + b)        u [u] a vector: each unit recurs on itself

    x_t [B, in], h_t [B, u]. dh_t/dh_{t-1} = diag(u * relu'(.)): over k steps a unit that
    stays active scales a gradient by u^k, so |u| <= 2^(1/T) keeps that factor at most 2
    over T steps (no explosion), and u near 1 keeps it near 1 (no vanishing); units do not
    mix in time, only through the next layer or the head.

    Initialisation and constraint, as the authors' adding-problem code (Theano/Lasagne,
    IndRNN_Theano_Lasagne/adding): u uniform on [0, 2^(1/T)], W ~ N(0, 0.001^2), b = 0, and u
    clipped to [-2^(1/T), 2^(1/T)] after every update (a Keras weight constraint, which the
    optimizer applies after each step). Their last layer draws u on [2^(-1/T), 2^(1/T)]
    instead, so that no unit of it forgets fast; the project's single layer keeps the first
    layer's [0, 2^(1/T)]. recurrent_initializer does not apply (u has its own draw).

    T (ind_rnn_max_distance) is a setting of its own, like chrono's T_max, never the
    training distance: the paper sets it to the sequence length; the default 1000 bounds
    the growth over every distance the project trains at (u^160 <= 2^0.16 = 1.12).

    Weights: kernel [in, u], recurrent_kernel [u] (the vector u), bias [u].
    """

    RECURRENT_BLOCKS = 0

    def __init__(self, units, ind_rnn_max_distance=DEFAULT_MAX_DISTANCE, kernel_initializer=None, **kwargs):
        check_max_distance(ind_rnn_max_distance)
        if kernel_initializer is None:  # the authors' N(0, 0.001^2)
            kernel_initializer = keras.initializers.RandomNormal(stddev=0.001)
        super().__init__(units, kernel_initializer=kernel_initializer, **kwargs)
        self.ind_rnn_max_distance = ind_rnn_max_distance

    @classmethod
    def check_arguments(cls, ind_rnn_max_distance=DEFAULT_MAX_DISTANCE, **options):
        check_max_distance(ind_rnn_max_distance)

    @property
    def bound(self):
        """2^(1/T), the largest |u|."""
        return 2.0 ** (1.0 / self.ind_rnn_max_distance)

    def build(self, input_shape):
        super().build(input_shape)
        bound = self.bound
        self.recurrent_kernel = self.add_weight(
            shape=(self.units,), name="recurrent_kernel",
            initializer=keras.initializers.RandomUniform(0.0, bound, seed=self.seed),
            constraint=lambda u: ops.clip(u, -bound, bound),
        )

    def recurrent_weights(self):
        return (ops.convert_to_tensor(self.recurrent_kernel),)

    def step(self, projected, states, weights, training=False):
        (u,) = weights
        h = ops.relu(projected + u * self.recurrent_input(states[0], training))
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "ind_rnn_max_distance": self.ind_rnn_max_distance}
