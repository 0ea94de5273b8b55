"""The recurrent cells, by name.

CELLS maps a name to a Cell entry that builds the recurrent layer for a model:
- the project's own cells, each a Keras 3 cell with its equation in its docstring, run in
  trainer.cells.layer.Recurrent: the classic ones (rnn, relu_rnn, additive, ungated_lstm,
  lstm, gru) and those that came after (min_gru, min_lstm, lru, ind_rnn, sco_rnn);
- Keras's own layers as reference baselines (keras_rnn, keras_lstm, keras_gru); on a GPU
  keras_lstm and keras_gru take the cuDNN path.

    layer = CELLS["gru"].layer(units=128, return_sequences=True, chrono_max_distance=100)
"""

import dataclasses
import inspect
from typing import Callable, Tuple

import keras

from trainer.cells.additive import AdditiveCell, UngatedLSTMCell
from trainer.cells.base import RecurrentCell
from trainer.cells.gru import GRUCell
from trainer.cells.ind_rnn import IndRNNCell
from trainer.cells.layer import Recurrent
from trainer.cells.lru import LRUCell
from trainer.cells.lstm import LSTMCell
from trainer.cells.minimal import MinGRUCell, MinLSTMCell
from trainer.cells.orthogonal import ScoRNNCell
from trainer.cells.simple import ReluRNNCell, TanhRNNCell

# Options of the Keras baselines, and the options passed to the recurrent layer, not the cell.
KERAS_OPTIONS = ("dropout", "recurrent_dropout", "unroll")
LAYER_OPTIONS = ("unroll", "hoist_inputs", "unroll_training", "scan")


@dataclasses.dataclass(frozen=True)
class Cell:
    name: str  # registry key
    summary: str  # one line for help texts
    cell_class: type = None  # the project's cell class, or None for a Keras baseline
    keras_layer: Callable = None  # the Keras layer class of a baseline
    twin: str = None  # the Keras baseline that computes the same function, if any
    command_options: Tuple[str, ...] = ()  # the options a user sets on the command line (see layer_options)

    def layer_options(self, options, chrono_max_distance):
        """Command-line options {name: value} -> keyword options of layer(); a ValueError names an
        option this cell does not take, or a bad value of one (the cell's check_arguments).
        chrono=True draws the chrono initialisation with chrono_max_distance as its longest
        time scale T_max (a setting of its own, never the training distance, so that a probe's
        initialisation is not tuned to the distance it is tested on)."""
        unknown = sorted(set(options) - set(self.command_options))
        if unknown:
            valid = ", ".join(self.command_options) or "none"
            raise ValueError(f"cell {self.name!r} has no option {unknown[0]!r}; its options: {valid}")
        resolved = dict(options)
        if resolved.pop("chrono", False):
            if not isinstance(chrono_max_distance, int) or chrono_max_distance < 2:
                raise ValueError(f"chrono needs a longest time scale chrono_max_distance >= 2, got {chrono_max_distance!r}")
            resolved["chrono_max_distance"] = chrono_max_distance
        if self.cell_class is not None:
            self.cell_class.check_arguments(**resolved)
        return resolved

    def options_taken(self, options):
        """The options {name: value} of a study (given to every cell) that this cell takes."""
        return {name: value for name, value in options.items() if name in self.command_options}

    @property
    def options(self):
        """Keyword options accepted by layer(), besides units and return_sequences."""
        if self.cell_class is None:
            return KERAS_OPTIONS
        names = []
        for klass in inspect.getmro(self.cell_class):
            if issubclass(klass, RecurrentCell) and "__init__" in vars(klass):
                names += [p for p in inspect.signature(klass.__init__).parameters if p not in ("self", "units", "kwargs")]
        return tuple(dict.fromkeys(names)) + LAYER_OPTIONS

    def check_options(self, options):
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            raise ValueError(f"cell {self.name!r} has no option {unknown[0]!r}; its options: {', '.join(self.options)}")

    def cell(self, units, **options):
        """The bare cell, for keras.layers.RNN or StackedRNNCells (not for Keras baselines)."""
        if self.cell_class is None:
            raise ValueError(f"{self.name!r} is a Keras layer, not a cell; use layer()")
        self.check_options(options)
        for key in LAYER_OPTIONS:
            if key in options:
                raise ValueError(f"{key} is an option of the layer, not of the cell; pass it to layer()")
        return self.cell_class(units, **options)

    def layer(self, units, return_sequences=False, **options):
        """The recurrent layer: [B, T, in] -> [B, T, u] (return_sequences) or [B, u]."""
        self.check_options(options)
        if self.cell_class is None:
            return self.keras_layer(units, return_sequences=return_sequences, **options)
        layer_options = {key: options.pop(key) for key in LAYER_OPTIONS if key in options}
        return Recurrent(self.cell_class(units, **options), return_sequences=return_sequences, **layer_options)


CELLS = {
    "rnn": Cell("rnn", "simple RNN, tanh", TanhRNNCell, twin="keras_rnn"),
    "relu_rnn": Cell("relu_rnn", "simple RNN, ReLU (identity_init for IRNN)", ReluRNNCell, command_options=("identity_init",)),
    "additive": Cell("additive", "additive state, h_t = tanh(x_t W + b) + h_{t-1}", AdditiveCell),
    "ungated_lstm": Cell("ungated_lstm", "LSTM cell state without gates", UngatedLSTMCell),
    "lstm": Cell("lstm", "LSTM (forget_gate=False for the 1997 LSTM)", LSTMCell, twin="keras_lstm",
                 command_options=("forget_gate", "forget_bias", "chrono")),
    "gru": Cell("gru", "GRU, reset gate before the recurrent product", GRUCell, twin="keras_gru",
                command_options=("chrono",)),
    "min_gru": Cell("min_gru", "minGRU, gates of the input alone: h_t = (1 - z_t) h_{t-1} + z_t h~_t", MinGRUCell,
                    command_options=("positive_candidate",)),
    "min_lstm": Cell("min_lstm", "minLSTM, normalised gates of the input alone: h_t = f'_t h_{t-1} + i'_t h~_t",
                     MinLSTMCell, command_options=("positive_candidate",)),
    "lru": Cell("lru", "linear recurrent unit, diagonal complex recurrence with ring initialisation", LRUCell,
                command_options=("r_min", "r_max", "max_phase")),
    "ind_rnn": Cell("ind_rnn", "IndRNN, h_t = relu(x_t W + u * h_{t-1} + b), |u| <= 2^(1/T)", IndRNNCell,
                    command_options=("ind_rnn_max_distance",)),
    "sco_rnn": Cell("sco_rnn", "scoRNN, orthogonal W = (I + A)^-1 (I - A) D, modReLU", ScoRNNCell),
    "keras_rnn": Cell("keras_rnn", "keras.layers.SimpleRNN (reference)", keras_layer=keras.layers.SimpleRNN),
    "keras_lstm": Cell("keras_lstm", "keras.layers.LSTM (reference; cuDNN on a GPU)", keras_layer=keras.layers.LSTM),
    "keras_gru": Cell("keras_gru", "keras.layers.GRU (reference; cuDNN on a GPU)", keras_layer=keras.layers.GRU),
}


def get_cell(name):
    """The Cell entry called name; a ValueError lists the valid names otherwise."""
    try:
        return CELLS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown cell {name!r}; valid cells: {', '.join(CELLS)}") from None


__all__ = [
    "CELLS", "Cell", "get_cell", "Recurrent", "RecurrentCell", "TanhRNNCell", "ReluRNNCell",
    "AdditiveCell", "UngatedLSTMCell", "LSTMCell", "GRUCell", "MinGRUCell", "MinLSTMCell", "LRUCell",
    "IndRNNCell", "ScoRNNCell",
]
