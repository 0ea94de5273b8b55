"""Measurement tools: benchmarks that print tables. Not imported by the library."""
