"""Importing an entry point defines none of its flags: they are defined when it runs
(define_flags under __main__), so a test or a tool that imports one in a process shared with
another (a pytest worker) never meets a flag defined twice."""

import subprocess
import sys

import pytest

ENTRY_POINTS = ("trainer.train", "trainer.preview", "trainer.sweep", "trainer.horizon", "tools.bench",
                "tools.backend_bench", "tools.keep_probes", "tools.recall_positions", "tools.regression_errors",
                "tools.screenshots", "tools.search_speed")
PROJECT_PACKAGES = ("trainer", "tools", "common", "data")

PROGRAM = f"""
import importlib
from absl import flags
for name in {ENTRY_POINTS!r}:
    importlib.import_module(name)
for module in flags.FLAGS.flags_by_module_dict():
    if module.split(".")[0] in {PROJECT_PACKAGES!r}:
        print(module, [flag.name for flag in flags.FLAGS.flags_by_module_dict()[module]])
"""


@pytest.mark.integration  # another process, so that nothing this process imported hides a definition
def test_importing_an_entry_point_defines_no_flags():
    result = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "", f"flags defined at import: {result.stdout}"
