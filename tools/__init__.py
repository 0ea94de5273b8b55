"""Measurement tools: benchmarks that print tables. Not imported by the library."""

import common  # noqa: F401  (sets what TensorFlow reads from the environment, before a tool imports it)
