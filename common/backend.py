"""The Keras backend a process runs on: chosen before Keras loads, and read without loading it.

Keras reads KERAS_BACKEND once, when it is first imported, so a command takes its backend
from its command line (--backend=jax) or the environment (KERAS_BACKEND; make's BACKEND=)
before anything imports Keras: the packages of the entry points (trainer, tools) call
choose_from_command_line() first. TensorFlow stays the tool for the training stream
(tf.data), the evaluation sets (TFDS) and the dashboards (tf.summary) whatever the backend;
the cells, the model, the tasks' encodings, losses and metrics use keras.ops alone.
"""

import json
import os
import sys

BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT = "tensorflow"


def check(name):
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; valid backends: {', '.join(BACKENDS)}")
    return name


def choose_from_command_line(argv):
    """Sets KERAS_BACKEND from --backend=NAME or --backend NAME in argv, if given (a bad name is
    left for the flag's own check, which says it in one line)."""
    for index, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--backend=") else (
            argv[index + 1] if arg == "--backend" and index + 1 < len(argv) else None)
        if value in BACKENDS:
            os.environ["KERAS_BACKEND"] = value


def chosen():
    """The backend Keras runs on in this process once loaded, or the one it will load: KERAS_BACKEND,
    else the one in ~/.keras/keras.json, else TensorFlow; Keras itself is not imported."""
    if "keras" in sys.modules and hasattr(sys.modules["keras"], "backend"):
        return sys.modules["keras"].backend.backend()
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    path = os.path.join(os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras")), "keras.json")
    try:
        with open(path) as f:
            return json.load(f).get("backend", DEFAULT)
    except (OSError, ValueError):
        return DEFAULT


def import_keras():
    """Imports and returns keras; on the TensorFlow backend TensorFlow is imported quietly first
    (common.quiet_tensorflow), so that its start-up lines stay hidden."""
    if chosen() == "tensorflow":
        from common.quiet_tensorflow import import_tensorflow

        import_tensorflow()
    import keras

    return keras
