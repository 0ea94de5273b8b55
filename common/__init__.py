"""What every entry point shares and is not data: one-line errors for the command line
(cli), argument checks (checks), a quiet TensorFlow import (quiet_tensorflow), and
command-line flags made from a config dataclass (config_flags)."""

KERAS_PACKAGE = "rnn_distance"  # prefix of the registered names of the project's Keras objects
