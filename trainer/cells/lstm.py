"""The LSTM, with the options the articles discuss (forget gate on or off, forget bias, chrono)."""

import keras
from keras import ops

from trainer.cells.base import PACKAGE, RecurrentCell
from trainer.cells.chrono import check_chrono, chrono_bias


@keras.saving.register_keras_serializable(package=PACKAGE)
class LSTMCell(RecurrentCell):
    """LSTM, `lstm`:

        i_t = sig(x_t W_i + h_{t-1} U_i + b_i)        input gate
        f_t = sig(x_t W_f + h_{t-1} U_f + b_f)        forget gate
        g_t = tanh(x_t W_c + h_{t-1} U_c + b_c)       candidate
        o_t = sig(x_t W_o + h_{t-1} U_o + b_o)        output gate
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * tanh(c_t)

    With f near 1 and i near 0, c_t ~ c_{t-1}: what the first step wrote can reach the last.
    forget_gate=False is the original LSTM of 1997: f_t fixed at 1, c_t = c_{t-1} + i_t * g_t.

    Weights as keras.layers.LSTMCell: kernel [in, 4u], recurrent_kernel [u, 4u], bias [4u],
    blocks in the order i, f, c, o (without a forget gate: [.., 3u] in the order i, c, o).
    States [h, c]. Gates returned with return_gates: input, forget, output.

    Args:
      forget_gate: False for the 1997 LSTM without a forget gate.
      forget_bias: added to the forget-gate bias at initialisation (Jozefowicz et al. 2015).
      chrono_max_distance: T_max for chrono initialisation: b_f = log(U(1, T_max - 1)) and
        b_i = -b_f, replacing forget_bias. None (the default) turns it off.
    """

    STATES = ("h", "c")

    def __init__(self, units, forget_gate=True, forget_bias=1.0, chrono_max_distance=None, **kwargs):
        check_chrono(chrono_max_distance)
        if chrono_max_distance is not None and not forget_gate:
            raise ValueError("chrono_max_distance needs forget_gate=True: it initialises the forget gate")
        self.forget_gate = bool(forget_gate)
        self.GATES = ("input", "forget", "output") if forget_gate else ("input", "output")
        self.INPUT_BLOCKS = self.RECURRENT_BLOCKS = 4 if forget_gate else 3
        super().__init__(units, **kwargs)
        self.forget_bias = float(forget_bias)
        self.chrono_max_distance = chrono_max_distance

    def initial_bias(self, shape, dtype=None):
        bias = super().initial_bias(shape, dtype)
        if not self.forget_gate:
            return bias
        i, f, g, o = ops.split(bias, 4)
        if self.chrono_max_distance is None:
            f = f + self.forget_bias
        else:
            f = chrono_bias(self.units, self.chrono_max_distance, self.seed, dtype)
            i = -f
        return ops.concatenate([i, f, g, o])

    def step(self, projected, states, weights, training=False):
        (recurrent_kernel,) = weights
        h_prev, c_prev = states
        z = projected + ops.matmul(self.recurrent_input(h_prev, training), recurrent_kernel)
        if self.forget_gate:
            i, f, g, o = ops.split(z, 4, axis=-1)
            f = ops.sigmoid(f)
            gates_kept = [f]
        else:
            i, g, o = ops.split(z, 3, axis=-1)
            gates_kept = []
        i, g, o = ops.sigmoid(i), ops.tanh(g), ops.sigmoid(o)
        c = (f * c_prev if self.forget_gate else c_prev) + i * g
        h = o * ops.tanh(c)
        return self.output_with_gates(h, [i, *gates_kept, o]), [h, c]

    def get_config(self):
        return {
            **super().get_config(),
            "forget_gate": self.forget_gate,
            "forget_bias": self.forget_bias,
            "chrono_max_distance": self.chrono_max_distance,
        }
