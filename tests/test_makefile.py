"""make help is made from the Makefile's own comments: every target and every variable the
Makefile takes is listed, with the flag it sets."""

import os
import re
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def makefile():
    with open(os.path.join(ROOT, "Makefile")) as f:
        return f.read()


def test_make_help_lists_every_target_and_every_variable_the_makefile_takes():
    text = makefile()
    help_text = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout
    targets = re.search(r"^\.PHONY:(.*)$", text, re.M).group(1).split()
    listed_targets = re.findall(r"^  make (\S+)", help_text, re.M)
    assert sorted(listed_targets) == sorted(targets)
    taken = set(re.findall(r"\$\(call flag,([A-Z_]+),", text)) | set(re.findall(r"\$\(([A-Z_]+)\)", text))
    taken -= set(re.findall(r"^([A-Z_]+) :=", text, re.M)) | {"MAKEFILE_LIST"}  # the Makefile's own, not a user's
    listed = {line.split()[0]: line for line in help_text.split("flags they set:")[1].splitlines() if line.strip()}
    assert taken <= set(listed), f"not in make help: {sorted(taken - set(listed))}"
    for name, line in listed.items():  # each says what it is for: "train, sweep: --steps", "every target: ..."
        assert re.search(r"(\b[a-z]+|every target)(, [a-z]+)*: |the interpreter", line), line


def test_a_variable_passes_to_the_flag_its_help_names():
    """Each `$(call flag,VAR,name)` in a target's command is named in VAR's help as `target: --name`."""
    text = makefile()
    listed = {line.split()[0]: line for line in subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split(
        "flags they set:")[1].splitlines() if line.strip()}
    for target, recipe in re.findall(r"^([a-z]+):.*\n\t(\$\(RUN\).*)$", text, re.M):
        passed = re.findall(r"\$\(call flag,([A-Z_]+),([a-z_]+)\)", recipe)
        passed += [(variable, flag) for flag, variable in re.findall(r"--([a-z_]+)=\$\(or \$\(([A-Z_]+)\),", recipe)]
        for variable, flag in passed:
            assert re.search(rf"{target}\b[^;]*: --{flag}\b", listed[variable]), (target, variable, flag, listed[variable])
