"""Measurement tools: benchmarks that print tables. Not imported by the library.

Importing the package sets what Keras and TensorFlow read from the environment before a tool
imports them: common's TensorFlow settings, and the backend of a --backend flag (common.backend)."""

import sys

from common import backend

backend.choose_from_command_line(sys.argv)
