"""What every entry point shares and is not data: one-line errors for the command line
(cli), argument checks (checks), a quiet TensorFlow import (quiet_tensorflow), and
command-line flags made from a config dataclass (config_flags).

Importing it sets what TensorFlow reads from the environment when it is imported, unless the
environment already says otherwise: every package of the project imports common before
TensorFlow, and Ray's workers inherit it. TF_ENABLE_ONEDNN_OPTS=0 turns off oneDNN's CPU
kernels: with them the study's LSTM trained 15% slower at T = 30 (the same at T = 110,
docs/benchmarks.md), every run with a padding mask logged an error line ("oneDNN supports
DT_BOOL only on platforms with AVX-512"), and the ReLU cells' unrolled loops logged dozens
(grappler's remapper failing on a oneDNN fusion).
"""

import os

KERAS_PACKAGE = "rnn_distance"  # prefix of the registered names of the project's Keras objects

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
