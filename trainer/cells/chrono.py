"""Chrono initialisation (Tallec & Ollivier, 2018), shared by the LSTM and the GRU."""

import keras
from keras import ops


def check_chrono(max_distance):
    if max_distance is not None and (
        isinstance(max_distance, bool) or not isinstance(max_distance, int) or max_distance < 2
    ):
        raise ValueError(f"chrono_max_distance must be None or an integer >= 2, got {max_distance!r}")


def chrono_bias(units, max_distance, seed=None, dtype=None):
    """log(U(1, T_max - 1)) per unit, [units]: a keep-gate bias whose time scales 1 + e^b
    spread from 2 to T_max steps, so some units remember as long as the task needs.
    The result lies in [0, log(T_max - 1)]."""
    draws = keras.initializers.RandomUniform(minval=1.0, maxval=float(max_distance - 1), seed=seed)((units,), dtype=dtype)
    return ops.log(draws)
