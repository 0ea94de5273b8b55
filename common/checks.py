"""Argument checks shared by the task generators and the entry points: each raises a
one-line ValueError that names the argument, the value it got and what would be valid."""

import os
import tempfile

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


def check_writable(name, path):
    """Raises a one-line ValueError unless path is a directory we can write in, or one we can
    create. It tries for real (creates the missing directories and a file, then removes them),
    since permission bits do not tell (root may "write" in /proc, where nothing can be made);
    nothing is left behind either way."""
    path = os.path.abspath(path)
    missing, existing = [], path
    while not os.path.exists(existing):
        missing.append(existing)
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ValueError(f"{name} {path!r} cannot be created: {existing!r} is a file, not a directory")
    created = []
    try:
        for directory in reversed(missing):
            os.mkdir(directory)
            created.append(directory)
        handle, probe = tempfile.mkstemp(dir=path, prefix=".write-check-")
        os.close(handle)
        os.remove(probe)
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        where = error.filename or path
        raise ValueError(f"{name} {path!r} cannot be written ({reason}: {where}); choose a directory you can "
                         f"write to") from None
    finally:
        for directory in reversed(created):
            os.rmdir(directory)
