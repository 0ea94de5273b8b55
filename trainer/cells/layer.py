"""Recurrent: keras.layers.RNN running the project's cells with their loop made cheaper.

For the project's cells (RecurrentCell) this layer runs its own loop, which computes what
keras.layers.RNN(cell) computes (the golden tests check it, gradients included) in fewer
operations:

- the recurrent weights are read once per sequence (cell.recurrent_weights()), not at
  every step;
- the training loop is unrolled (a chain of T steps instead of a while-loop) when the
  sequence length is known when the model is traced and at most UNROLL_TRAINING_STEPS and
  no GPU is visible (unroll_training=None, the default; True or False forces it).
  Fixed-distance runs and the horizon probes have such a length. Evaluation keeps the
  loop, so evaluating at many distances compiles little. A GPU keeps Keras's default (a
  while-loop): nothing has been measured there;
- with hoist_inputs=True, x W + b is computed for the whole sequence in one matrix product
  before the loop, time-major ([T, B, k u], so the large projected tensor is never
  transposed), and the loop runs only the recurrence (cell.step); off by default;
- a cell whose state enters its recurrence linearly (cell.SCANS: min_gru, min_lstm, lru)
  can run no loop at all: its whole sequence is projected and solved as a parallel scan
  (cell.scan, trainer.cells.scan), in training and evaluation, backwards too; a padded
  step keeps the state and repeats the last output, as in the loop. By default (scan=None)
  it does where a GPU is visible, which is what a scan is for (not measured yet); on a CPU
  the loop was measured 2 to 7 times faster (docs/cells.md), so the loop stays there.

docs/benchmarks.md has what the loop's options gain, measured.
"""

import keras
from keras import ops

from trainer.cells import scan as linear_scan
from trainer.cells.base import PACKAGE, RecurrentCell
from trainer.cells.keras_private import rnn

UNROLL_TRAINING_STEPS = 256  # the longest training loop unrolled by default (compile time grows with T)


def gpu_visible():
    try:
        return bool(keras.distribution.list_devices("gpu"))
    except RuntimeError:  # JAX raises where it has no GPU platform at all
        return False


@keras.saving.register_keras_serializable(package=PACKAGE)
class Recurrent(keras.layers.RNN):
    """keras.layers.RNN with the loop described in the module docstring.

    Takes the arguments of keras.layers.RNN, plus:
      hoist_inputs: project the whole sequence before the loop (default False).
      unroll_training: None (default): unroll the training loop as the module docstring
        says; True: whenever the length is static; False: never. unroll=True (Keras's
        option) unrolls every loop, training and evaluation, and needs a static length.
      scan: None (default): for a cell that has one (cell.SCANS), a parallel scan where a
        GPU is visible and the loop on a CPU, as the module docstring says; True: the scan
        (a ValueError for a cell without one); False: the loop (where hoist_inputs and
        unroll_training apply).
    Inputs [B, T, in]; outputs [B, T, out] with return_sequences=True, else [B, out].
    """

    def __init__(self, cell, hoist_inputs=False, unroll_training=None, scan=None, **kwargs):
        super().__init__(cell, **kwargs)
        if unroll_training not in (None, True, False):
            raise ValueError(f"unroll_training must be None, True or False, got {unroll_training!r}")
        if scan not in (None, True, False):
            raise ValueError(f"scan must be None, True or False, got {scan!r}")
        if scan and not getattr(cell, "SCANS", False):
            raise ValueError(f"scan=True needs a cell with a linear recurrence (min_gru, min_lstm, lru); "
                             f"{type(cell).__name__} has none")
        self.hoist_inputs = bool(hoist_inputs)
        self.unroll_training = unroll_training
        self.scan = scan

    @property
    def scans(self):
        """Whether this layer runs its cell as a parallel scan instead of a loop."""
        if self.scan is False or not getattr(self.cell, "SCANS", False):
            return False
        return self.scan or gpu_visible()

    def unrolls(self, steps, training):
        """Whether a loop over `steps` (None if not static) is unrolled."""
        if self.unroll:
            return True
        if not training or steps is None:
            return False
        if self.unroll_training is None:
            return steps <= UNROLL_TRAINING_STEPS and not gpu_visible()
        return self.unroll_training

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if not isinstance(self.cell, RecurrentCell):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        if self.scans:
            return self.parallel_scan(sequences, initial_state, mask, training)
        cell, weights = self.cell, self.cell.recurrent_weights()
        if self.hoist_inputs:
            inputs = cell.project_inputs(ops.transpose(sequences, (1, 0, 2)), training=training)
            mask = None if mask is None else ops.transpose(mask, (1, 0))

            def step(projected_t, states):
                return cell.step(projected_t, list(states), weights, training=training)
        else:
            inputs = sequences

            def step(inputs_t, states):
                return cell.step(cell.project_inputs(inputs_t, training), list(states), weights, training=training)

        initial_state = list(initial_state)
        if mask is not None:
            step, initial_state = _carrying_the_output(step, initial_state, cell.output_size)
        last, outputs, states = rnn(
            step,
            inputs,
            initial_state,
            go_backwards=self.go_backwards,
            mask=mask,
            unroll=self.unrolls(sequences.shape[1], training),
            input_length=sequences.shape[1],
            time_major=self.hoist_inputs,
            zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences,
        )
        if mask is not None:
            states = states[1:]
        return last, ops.transpose(outputs, (1, 0, 2)) if self.hoist_inputs else outputs, states

    def parallel_scan(self, sequences, initial_state, mask, training=False):
        """What inner_loop returns (last output [B, out], outputs [B, T, out], final states),
        computed by cell.scan on the time-major sequence, reversed for go_backwards as the loop
        reverses it."""
        cell = self.cell
        inputs = ops.transpose(sequences, (1, 0, 2))
        keep = None if mask is None else ops.logical_not(ops.transpose(ops.cast(mask, "bool"), (1, 0)))[:, :, None]
        if self.go_backwards:
            inputs = ops.flip(inputs, axis=0)
            keep = None if keep is None else ops.flip(keep, axis=0)
        outputs, states = cell.scan(cell.project_inputs(inputs, training=training), list(initial_state),
                                    cell.recurrent_weights(), keep, training=training)
        if keep is not None:
            outputs = linear_scan.hold_outputs(outputs, keep, self.zero_output_for_mask)
        return outputs[-1], ops.transpose(outputs, (1, 0, 2)), states

    def get_config(self):
        return {**super().get_config(), "hoist_inputs": self.hoist_inputs, "unroll_training": self.unroll_training,
                "scan": self.scan}


def _carrying_the_output(step, initial_state, output_size):
    """(step, initial states) with the previous output carried as a first state of its own.

    On a padded step the loop must repeat the last output (zeros before the first), as
    TensorFlow's loop does. Keras's JAX while-loop repeats the first state instead, taking it
    for the previous output: right for a cell whose output is its first state (h), wrong for
    the LRU (its output is y = Re(C h) + D x) and for a cell returning its gates beside h.
    Carrying the output makes the first state the output on every backend; inner_loop drops
    it from the final states."""

    def carrying(inputs_t, states):
        output, new_states = step(inputs_t, states[1:])
        return output, [output, *new_states]

    first = initial_state[0]
    return carrying, [ops.zeros((ops.shape(first)[0], output_size), dtype=first.dtype), *initial_state]
