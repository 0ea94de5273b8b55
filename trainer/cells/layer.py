"""Recurrent: keras.layers.RNN, optionally with the input projection hoisted out of the loop.

Inside keras.layers.RNN a cell computes x_t W + b at every step, a small [B, in] x [in, k u]
product per step. With hoist_inputs=True, and for the project's cells (RecurrentCell), this
layer instead computes x W + b for the whole sequence in one matrix product before the
loop, time-major ([T, B, k u], so the large projected tensor is never transposed), and
the loop runs only the recurrence (cell.step). The numbers are those of
keras.layers.RNN(cell) either way. `make bench` times both; on the 2-core CPU where it was
measured it gave no consistent gain (faster for a cell in one run, slower in the next,
and slower for the LSTM and GRU in both), so it is off by default.
"""

import keras
from keras import ops

from trainer.cells.base import PACKAGE, RecurrentCell
from trainer.cells.keras_private import rnn


@keras.saving.register_keras_serializable(package=PACKAGE)
class Recurrent(keras.layers.RNN):
    """keras.layers.RNN with an option to project all inputs before the time loop.

    Takes the arguments of keras.layers.RNN, plus hoist_inputs (default False). Inputs
    [B, T, in]; outputs [B, T, out] with return_sequences=True, else [B, out].
    """

    def __init__(self, cell, hoist_inputs=False, **kwargs):
        super().__init__(cell, **kwargs)
        self.hoist_inputs = bool(hoist_inputs)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if not (self.hoist_inputs and isinstance(self.cell, RecurrentCell)):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        projected = self.cell.project_inputs(ops.transpose(sequences, (1, 0, 2)), training=training)
        if mask is not None:
            mask = ops.transpose(mask, (1, 0))

        def step(projected_t, states):
            return self.cell.step(projected_t, list(states), training=training)

        last, outputs, states = rnn(
            step,
            projected,
            list(initial_state),
            go_backwards=self.go_backwards,
            mask=mask,
            unroll=self.unroll,
            input_length=sequences.shape[1],
            time_major=True,
            zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences,
        )
        return last, ops.transpose(outputs, (1, 0, 2)), states

    def get_config(self):
        return {**super().get_config(), "hoist_inputs": self.hoist_inputs}
