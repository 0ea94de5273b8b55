"""The GRU, with the reset gate applied before the recurrent product."""

import keras
from keras import ops

from trainer.cells.base import PACKAGE, RecurrentCell
from trainer.cells.chrono import check_chrono, chrono_bias


@keras.saving.register_keras_serializable(package=PACKAGE)
class GRUCell(RecurrentCell):
    """GRU, `gru`:

        z_t = sig(x_t W_z + h_{t-1} U_z + b_z)        update gate (share of the old state kept)
        r_t = sig(x_t W_r + h_{t-1} U_r + b_r)        reset gate
        n_t = tanh(x_t W_h + (r_t * h_{t-1}) U_h + b_h)
        h_t = z_t * h_{t-1} + (1 - z_t) * n_t

    The input gate of the LSTM is tied to one minus its forget gate; there is no output gate
    and no separate cell state. This is keras.layers.GRUCell(reset_after=False), with its
    weight layout: kernel [in, 3u], recurrent_kernel [u, 3u], bias [3u], blocks z, r, h.
    Gates returned with return_gates: update, reset.

    Args:
      chrono_max_distance: T_max for chrono initialisation of the update gate,
        b_z = log(U(1, T_max - 1)). None (the default) turns it off.
    """

    INPUT_BLOCKS = RECURRENT_BLOCKS = 3
    GATES = ("update", "reset")

    def __init__(self, units, chrono_max_distance=None, **kwargs):
        check_chrono(chrono_max_distance)
        super().__init__(units, **kwargs)
        self.chrono_max_distance = chrono_max_distance

    def initial_bias(self, shape, dtype=None):
        bias = super().initial_bias(shape, dtype)
        if self.chrono_max_distance is None:
            return bias
        _, r, h = ops.split(bias, 3)
        return ops.concatenate([chrono_bias(self.units, self.chrono_max_distance, self.seed, dtype), r, h])

    def recurrent_weights(self):
        """(U_zr [u, 2u], U_h [u, u]): the kernel sliced once per sequence, not at every step."""
        kernel = ops.convert_to_tensor(self.recurrent_kernel)
        return kernel[:, : 2 * self.units], kernel[:, 2 * self.units :]

    def step(self, projected, states, weights, training=False):
        u_zr, u_h = weights
        h_prev = states[0]
        h_rec = self.recurrent_input(h_prev, training)
        x_z, x_r, x_h = ops.split(projected, 3, axis=-1)
        rec_z, rec_r = ops.split(ops.matmul(h_rec, u_zr), 2, axis=-1)
        z = ops.sigmoid(x_z + rec_z)
        r = ops.sigmoid(x_r + rec_r)
        n = ops.tanh(x_h + ops.matmul(r * h_rec, u_h))
        h = z * h_prev + (1.0 - z) * n
        return self.output_with_gates(h, [z, r]), [h]

    def get_config(self):
        return {**super().get_config(), "chrono_max_distance": self.chrono_max_distance}
