"""Recurrent: keras.layers.RNN that projects the inputs of all steps in one matrix product.

Inside keras.layers.RNN a cell computes x_t W + b at every step, a small [B, in] x [in, k u]
product per step. For the project's cells (RecurrentCell) this layer computes x W + b for
the whole sequence [B, T, in] at once before the loop, and the loop runs only the
recurrence (cell.step). The numbers are those of keras.layers.RNN(cell); any other cell
runs exactly as in keras.layers.RNN.
"""

import keras

from trainer.cells.base import PACKAGE, RecurrentCell
from trainer.cells.keras_private import rnn


@keras.saving.register_keras_serializable(package=PACKAGE)
class Recurrent(keras.layers.RNN):
    """keras.layers.RNN with the input projection hoisted out of the time loop.

    Takes the same arguments as keras.layers.RNN; inputs [B, T, in], outputs [B, T, out]
    with return_sequences=True, else [B, out].
    """

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if not isinstance(self.cell, RecurrentCell):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        projected = self.cell.project_inputs(sequences, training=training)

        def step(projected_t, states):
            return self.cell.step(projected_t, list(states), training=training)

        return rnn(
            step,
            projected,
            list(initial_state),
            go_backwards=self.go_backwards,
            mask=mask,
            unroll=self.unroll,
            input_length=sequences.shape[1],
            zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences,
        )
