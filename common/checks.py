"""Argument checks shared by the task generators: each raises a one-line ValueError
that names the argument, the value it got and the valid range."""

import numpy as np


def _is_integer(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_positive_integer(name, value):
    """Raises ValueError unless value is an integer >= 1."""
    if not _is_integer(value) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def check_distance(distance):
    check_positive_integer("distance", distance)


def check_batch_size(batch_size):
    check_positive_integer("batch_size", batch_size)


def check_in_range(name, value, low, high, reason=""):
    """Raises ValueError unless value is an integer in [low, high]."""
    if not _is_integer(value) or not low <= value <= high:
        suffix = f" ({reason})" if reason else ""
        raise ValueError(f"{name} must be an integer from {low} to {high}{suffix}, got {value!r}")
