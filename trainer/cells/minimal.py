"""The minimal gated cells of Feng et al. (2024), "Were RNNs All We Needed?": minGRU and
minLSTM, whose gates read the input alone, so that the state enters linearly and a whole
sequence is one parallel scan (trainer.cells.scan)."""

import keras
from keras import ops

from trainer.cells import scan
from trainer.cells.base import PACKAGE, RecurrentCell


def positive(x):
    """g(x) = x + 0.5 for x >= 0, sig(x) below: continuous, increasing and > 0, the
    candidate activation of the papers' log-space variant."""
    return ops.where(x >= 0, x + 0.5, ops.sigmoid(x))


class MinimalCell(RecurrentCell):
    """What minGRU and minLSTM share: no recurrent kernel, h_t = a_t * h_{t-1} + b_t with
    a_t and b_t functions of x_t alone, stepped in step() or scanned in scan().

    Subclasses implement coefficients(projected) -> (a, b, gates), for one step [B, k u]
    or a whole time-major sequence [T, B, k u].

    Args:
      positive_candidate: h~_t = g(x_t W_h + b_h) (see positive()) instead of the plain
        x_t W_h + b_h: the candidate of the papers' log-space variant, which keeps h > 0.
        Only the candidate changes: the recurrence is computed as before, not in log space
        (the same numbers up to rounding).
    """

    RECURRENT_BLOCKS = 0
    SCANS = True

    def __init__(self, units, positive_candidate=False, **kwargs):
        super().__init__(units, **kwargs)
        self.positive_candidate = bool(positive_candidate)

    def candidate(self, x_h):
        """h~ from its projection x W_h + b_h."""
        return positive(x_h) if self.positive_candidate else x_h

    def coefficients(self, projected):
        raise NotImplementedError

    def step(self, projected, states, weights, training=False):
        a, b, gates = self.coefficients(projected)
        h = a * self.recurrent_input(states[0], training) + b
        return self.output_with_gates(h, gates), [h]

    def scan(self, projected, states, weights, keep=None, training=False):
        a, b, gates = self.coefficients(projected)
        mask = self.recurrent_mask(states[0], training)
        h = scan.linear_recurrence(a if mask is None else a * mask, b, states[0], keep)
        return self.output_with_gates(h, gates), [h[-1]]

    def get_config(self):
        return {**super().get_config(), "positive_candidate": self.positive_candidate}


@keras.saving.register_keras_serializable(package=PACKAGE)
class MinGRUCell(MinimalCell):
    """minGRU, `min_gru` (Feng et al. 2024):

        z_t = sig(x_t W_z + b_z)                      update gate (share of the new candidate)
        h~_t = x_t W_h + b_h                          candidate
        h_t = (1 - z_t) * h_{t-1} + z_t * h~_t

    x_t [B, in], h_t [B, u]. The GRU with its reset gate and every h_{t-1} removed from
    the gate and candidate, and without the tanh. Note that z is the share of the
    candidate here (the paper's convention), where the project's GRU's z is the share kept.
    dh_t/dh_{t-1} = diag(1 - z_t) depends on the input alone: a unit keeps what it holds
    across a gap where its gate stays near 0. Weights: kernel [in, 2u], bias [2u], blocks
    z, h (no recurrent kernel); initialised as the other cells (Glorot, zero bias): the
    paper uses its framework's default Linear initialisation. Gates returned with
    return_gates: update.
    """

    INPUT_BLOCKS = 2
    GATES = ("update",)

    def coefficients(self, projected):
        x_z, x_h = ops.split(projected, 2, axis=-1)
        z = ops.sigmoid(x_z)
        return 1.0 - z, z * self.candidate(x_h), [z]


@keras.saving.register_keras_serializable(package=PACKAGE)
class MinLSTMCell(MinimalCell):
    """minLSTM, `min_lstm` (Feng et al. 2024):

        f_t = sig(x_t W_f + b_f),  i_t = sig(x_t W_i + b_i)       forget and input gates
        f'_t = f_t / (f_t + i_t),  i'_t = i_t / (f_t + i_t)         normalised: f' + i' = 1
        h~_t = x_t W_h + b_h
        h_t = f'_t * h_{t-1} + i'_t * h~_t

    x_t [B, in], h_t [B, u]. The LSTM without the output gate, the cell state's separate
    h, the tanh and every h_{t-1} in the gates; the normalisation keeps h's scale
    independent of time. dh_t/dh_{t-1} = diag(f'_t), a function of the input alone.
    Weights: kernel [in, 3u], bias [3u], blocks f, i, h (no recurrent kernel); initialised
    as the other cells (Glorot, zero bias, so f' = i' = 1/2 at first). Gates returned
    with return_gates: forget and input, normalised (f', i'), the factors that act on h.
    """

    INPUT_BLOCKS = 3
    GATES = ("forget", "input")

    def coefficients(self, projected):
        x_f, x_i, x_h = ops.split(projected, 3, axis=-1)
        f, i = ops.sigmoid(x_f), ops.sigmoid(x_i)
        f, i = f / (f + i), i / (f + i)
        return f, i * self.candidate(x_h), [f, i]
