"""common.backend: which Keras backend a process runs on."""

import keras
import pytest

from common import backend


def test_once_keras_is_loaded_its_backend_is_the_answer_whatever_the_environment_says(monkeypatch):
    """Keras reads KERAS_BACKEND once; a value set later (by a command run in this process) changes nothing."""
    other = next(name for name in backend.BACKENDS if name != keras.backend.backend())
    monkeypatch.setenv("KERAS_BACKEND", other)
    assert backend.chosen() == keras.backend.backend()


def test_a_bad_backend_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown backend 'theano'; valid backends: tensorflow, jax, torch"):
        backend.check("theano")
