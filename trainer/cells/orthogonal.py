"""An orthogonal recurrence: scoRNN, the scaled-Cayley orthogonal RNN of Helfrich, Willmott &
Ye (2018), whose recurrent matrix stays exactly orthogonal through training."""

import math

import keras
import numpy as np
from keras import ops

from common.checks import check_in_range
from trainer.cells.base import PACKAGE, RecurrentCell


def mod_relu(z, bias):
    """modReLU(z) = sign(z) * relu(|z| + b): the magnitude shifted by b, the sign kept."""
    return ops.sign(z) * ops.relu(ops.abs(z) + bias)


@keras.saving.register_keras_serializable(package=PACKAGE)
class ScoRNNCell(RecurrentCell):
    """scoRNN, `sco_rnn` (Helfrich et al. 2018):

        h_t = modReLU(h_{t-1} W + x_t V),   modReLU(z) = sign(z) * relu(|z| + b)
        W = (I + A)^-1 (I - A) D

    x_t [B, in], h_t [B, u], A [u, u] skew-symmetric (A^T = -A), D diagonal of +1 and -1
    (fixed, not trained). The Cayley transform of a skew-symmetric A is orthogonal, and so
    is its product with D, whatever A is: W W^T = I through training, so the recurrent
    product neither shrinks nor grows a gradient (dh_t/dh_{t-1} = W^T diag(modReLU'), its
    only shrinking the units modReLU switches off). D's -1s reach the orthogonal matrices
    with eigenvalue -1, which no Cayley transform has.

    W is computed once per sequence (recurrent_weights(), keras.ops.solve), never per step.
    A is stored as its strictly upper triangle, the weight `skew` [u (u - 1) / 2], and
    A = M - M^T with M that triangle: the gradient of `skew` is the upper triangle of the
    paper's gradient dL/dA = V^T - V, V = (I + A)^-T dL/dW (D + W^T), and an optimizer's
    step moves A as the paper's update does.

    Initialisation, as the authors' code (SpartinStuff/scoRNN): A block-diagonal with
    2 x 2 blocks [[0, s], [-s, 0]], s = -sqrt((1 - cos t) / (1 + cos t)), t ~ U(0, pi/2)
    (W's eigenvalues spread on the unit circle); V ~ U(-0.01, 0.01); b = 0; D with its
    last `negative_ones` entries -1 (the authors use half: 95 of 190 units on copy, 85 of
    170 on adding). The authors train A with its own optimizer and rate (RMSprop, 1e-4)
    and the rest at 1e-3; the project trains every weight with one optimizer and rate.
    recurrent_initializer does not apply.

    Weights: kernel [in, u] (V), bias [u] (modReLU's b, not added to x V), skew [u (u - 1) / 2].

    Args:
      negative_ones: how many of D's entries are -1, from 0 to units (default: units // 2).
    """

    RECURRENT_BLOCKS = 0
    INPUT_BIAS = False

    def __init__(self, units, negative_ones=None, kernel_initializer=None, **kwargs):
        if negative_ones is not None:
            check_in_range("negative_ones", negative_ones, 0, units)
        if kernel_initializer is None:  # the authors' U(-0.01, 0.01)
            kernel_initializer = keras.initializers.RandomUniform(-0.01, 0.01)
        super().__init__(units, kernel_initializer=kernel_initializer, **kwargs)
        self.negative_ones = negative_ones

    @property
    def scaling(self):
        """D's diagonal [u]: +1, then the last negative_ones entries -1."""
        negatives = self.units // 2 if self.negative_ones is None else self.negative_ones
        return np.concatenate([np.ones(self.units - negatives), -np.ones(negatives)])

    def build(self, input_shape):
        super().build(input_shape)
        units = self.units
        self.upper = np.stack(np.triu_indices(units, 1), axis=-1)  # [u (u - 1) / 2, 2], the triangle's (row, column)

        def skew(shape, dtype=None):
            angles = keras.initializers.RandomUniform(0.0, math.pi / 2, seed=self.seed)((units // 2,), dtype=dtype)
            blocks = -ops.sqrt((1.0 - ops.cos(angles)) / (1.0 + ops.cos(angles)))
            rows = np.arange(0, 2 * (units // 2), 2)  # each block's entry (2k, 2k + 1) in the triangle's order
            positions = rows * units - rows * (rows + 1) // 2
            return ops.scatter(positions[:, None], blocks, shape)

        self.skew = self.add_weight(shape=(len(self.upper),), name="skew", initializer=skew)

    def skew_matrix(self):
        """A = M - M^T [u, u], M the strict upper triangle held by `skew`."""
        upper = ops.scatter(self.upper, self.skew, (self.units, self.units))
        return upper - ops.transpose(upper)

    def recurrent_weights(self):
        """(W [u, u],) = ((I + A)^-1 (I - A) D,), solved once per sequence."""
        identity = ops.eye(self.units, dtype=self.compute_dtype)
        a = self.skew_matrix()
        cayley = ops.solve(identity + a, identity - a)
        return (cayley * ops.convert_to_tensor(self.scaling, dtype=self.compute_dtype),)

    def step(self, projected, states, weights, training=False):
        (w,) = weights
        z = projected + ops.matmul(self.recurrent_input(states[0], training), w)
        h = mod_relu(z, self.bias)
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "negative_ones": self.negative_ones}
