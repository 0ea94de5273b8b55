"""The docs are run: every Python block and every `make` or `python -m` command in README.md
and docs/*.md, so that a renamed module, flag or variable fails here instead of a reader.

Commands are taken from fenced blocks (run through bash with `make` and `python` standing in
for the real ones, so shell variables and quotes resolve as they would for a user) and from
inline code spans. Each runs at tiny settings through one substitution (TINY: the make
variables appended after the doc's own, and flags added to EXTRA), in this process:

- make targets: `make -n` must accept the command and print the Python command it runs,
  which then runs: train, preview, help and the tools for real; sweep and horizon up to their
  plan (every flag parsed, every cell, option and setting checked; nothing trained: their
  training runs for real in tests/trainer/study); tensorboard is started and stopped;
- `python -m` commands run as written (with TINY's flags for train); a module named alone or
  with "..." shows its --help; a command on another Keras backend than the suite's runs in a
  process of its own.

A command the suite cannot run is listed in NOT_RUN with the reason; a fenced block that must
not run is preceded in its page by `<!-- docs-test: not run: reason -->`.
"""

import contextlib
import glob
import os
import re
import shlex
import subprocess
import sys
import textwrap
import time

import keras
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PAGES = ["README.md", *sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))]
NOT_RUN_MARK = re.compile(r"<!-- docs-test: not run: (.+?) -->")
SEPARATOR, END = "\x1f", "\x1e"

# The substitution: make variables appended after the doc's own (the last one given wins), and
# flags appended to EXTRA (absl takes the last value of a flag); the sweep and the search are
# planned on the backend this process runs (Keras's is fixed once it loads).
TINY = {
    "train": (["STEPS=4", "UNITS=4"], "--batch_size=8 --embedding=4 --eval_every=2 --eval_distances=2 --nodashboards"),
    "preview": (["COUNT=1"], ""),
    "sweep": (["STEPS=4", "UNITS=4", "SEEDS=1", "DISTANCES=2", f"BACKEND={keras.backend.backend()}"], "--eval_every=2"),
    "horizon": (["STEPS=4", "UNITS=4", "SEEDS=1", "START=2", "LONGEST=2", "LEARNING_RATES=0.01",
                 f"BACKEND={keras.backend.backend()}"], ""),
}
PLANNED_ONLY = {"trainer.sweep": "run_sweep", "trainer.horizon": "run_search"}  # their training is tested elsewhere
NOT_RUN = {  # (program, first argument) or a whole command -> why the suite does not run it
    ("make", "test"): "the test suite itself",
    (".venv/bin/python", "-m"): "the test suite itself (the one .venv/bin/python command in the docs runs pytest)",
    ("make", "clean"): "it removes the environment the suite runs in",
    ("make", "bench"): "a benchmark of many minutes (tools.bench's sections are measurements, not checks)",
    ("python", "tools.bench"): "a benchmark of many minutes",
    ("make", "train", "BACKEND=jax"): "tests/test_backends.py trains on JAX through the same command line, in a "
                                      "process of its own (here it would start a second JAX process for the same check)",
    ("make", "screenshots"): "it needs Chromium, which the suite does not install (tests/tools/test_screenshots.py "
                             "runs it where Chromium is)",
}
NEEDS_A_CLUSTER = ("ADDRESS=", "GPUS_PER_RUN=")
# Run in a process of their own: importing them here would change this process's environment.
OWN_PROCESS = {"tools.gpu_bench"}  # a JAX-only tool: it sets KERAS_BACKEND=jax when imported, before Keras loads


def fenced_blocks(text):
    """[(language, first line number, lines, not-run reason or None)] of a page's fenced blocks."""
    blocks, lines = [], text.splitlines()
    index = 0
    while index < len(lines):
        opening = lines[index].strip()
        if opening.startswith("```"):
            start, language = index, opening[3:].strip()
            index += 1
            body = []
            while not lines[index].strip().startswith("```"):
                body.append(lines[index])
                index += 1
            before = "\n".join(lines[max(0, start - 2):start])
            reason = NOT_RUN_MARK.search(before)
            blocks.append((language, start + 1, body, reason.group(1) if reason else None))
        index += 1
    return blocks


def shell_commands(body):
    """The make and python commands of a fenced shell block, as bash would pass their arguments
    (the block's variable assignments made first; no other line of it is run)."""
    script = "\n".join(line for line in body if re.match(r"\s*(make|python)\b|\s*[A-Za-z_]\w*=\S*\s*(#.*)?$", line))
    shims = (f"make() {{ printf '%s{SEPARATOR}' make \"$@\"; printf '{END}'; }}\n"
             f"python() {{ printf '%s{SEPARATOR}' python \"$@\"; printf '{END}'; }}\n")
    result = subprocess.run(["bash", "-c", shims + script], capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert result.returncode == 0, result.stderr
    return [command.split(SEPARATOR)[:-1] for command in result.stdout.split(END) if command]


def doc_commands():
    """{command as a tuple of arguments: (page, line, not-run reason or None)}, each command once."""
    found = {}
    for page in PAGES:
        with open(os.path.join(ROOT, page)) as f:
            text = f.read()
        fenced = set()
        for language, line, body, reason in fenced_blocks(text):
            fenced.update(range(line, line + len(body) + 2))
            if language == "python":
                continue
            if reason is not None:
                found.setdefault(("(block)", page, str(line)), (page, line, reason))
                continue
            if any(re.match(r"\s*(make|python)\b", text_line) for text_line in body):
                for argv in shell_commands(body):
                    found.setdefault(tuple(argv), (page, line, None))
        for number, text_line in enumerate(text.splitlines(), 1):
            if number in fenced:
                continue
            for span in re.findall(r"`([^`]+)`", text_line):
                if re.match(r"(make|python -m|\.venv/bin/python -m)( |$)", span) and span.strip() not in ("make", "python -m"):
                    found.setdefault(tuple(shlex.split(span)), (page, number, None))
    return found


def python_blocks():
    return [(page, line, "\n".join(body)) for page in PAGES
            for language, line, body, reason in fenced_blocks(open(os.path.join(ROOT, page)).read())
            if language == "python"]


COMMANDS = doc_commands()


def not_run_reason(argv, reason):
    if reason:
        return reason
    if argv[0] == "make" and any(arg.startswith(NEEDS_A_CLUSTER) for arg in argv):
        return "it needs a Ray cluster or a GPU"
    module = argv[2] if argv[0] == "python" and len(argv) > 2 else None
    return (NOT_RUN.get(tuple(argv)) or NOT_RUN.get((argv[0], argv[1] if len(argv) > 1 else ""))
            or NOT_RUN.get(("python", module)))


def with_tiny_settings(argv, logdir):
    """The make command with TINY's variables after the doc's own, LOGDIR in tmp, and TINY's flags added to EXTRA."""
    target = next((arg for arg in argv[1:] if "=" not in arg and not arg.startswith("-")), "help")
    variables, extra = TINY.get(target, ([], ""))
    theirs = [arg for arg in argv[1:] if not arg.startswith("EXTRA=")]
    their_extra = " ".join(arg[len("EXTRA="):] for arg in argv[1:] if arg.startswith("EXTRA="))
    merged = f"{their_extra} {extra}".strip()
    return [*theirs, *variables, f"LOGDIR={logdir}", *([f"EXTRA={merged}"] if merged else [])]


def python_command_of(make_args):
    """The Python command `make -n` prints for make_args (the last line), as arguments after python."""
    result = subprocess.run(["make", "-n", "--no-print-directory", f"VENV={sys.prefix}", *make_args], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip().splitlines()[-1]
    program, *rest = shlex.split(line)
    assert os.path.samefile(program, sys.executable), line
    return rest


@contextlib.contextmanager
def tensorboard_started(argv):
    server = subprocess.Popen([sys.executable, *argv], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        yield server
    finally:
        server.kill()
        server.wait()


def run_python_command(argv, command, monkeypatch, tmp_path):
    """Runs `python -m module args` in this process (sweep and horizon up to their plan)."""
    assert argv[0] == "-m", argv
    module, args = argv[1], argv[2:]
    if module == "tensorboard.main":
        args = [arg if not arg.startswith("--port=") else "--port=0" for arg in args]
        with tensorboard_started(["-m", module, *args]) as server:
            deadline = time.time() + 120
            for line in server.stdout:
                if "TensorBoard" in line and "http://" in line:
                    return
                assert time.time() < deadline
        pytest.fail("TensorBoard did not start")
    if not args or "..." in args:
        args = ["--help"]
    if module in PLANNED_ONLY:
        imported = __import__(module, fromlist=["main"])
        planned = []
        monkeypatch.setattr(imported, "connected", lambda *a, **k: contextlib.nullcontext())
        monkeypatch.setattr(imported, PLANNED_ONLY[module], lambda *a, **k: planned.append(a))
        result = command(module, *args)
        assert result.returncode == 0, result.stderr
        assert planned or args == ["--help"], f"{module} planned nothing"
        return
    if module in OWN_PROCESS or any(arg.startswith("--backend=") and arg != f"--backend={keras.backend.backend()}"
                                    for arg in args):
        result = subprocess.run([sys.executable, "-m", module, *args], cwd=tmp_path, capture_output=True, text=True,
                                env={**os.environ, "PYTHONPATH": ROOT}, timeout=600)  # Keras's backend is per process
        assert result.returncode == 0, result.stderr[-3000:]
        return
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(ROOT)
    result = command(module, *args)
    assert result.returncode == 0, result.stderr


@pytest.mark.integration  # commands run end to end
@pytest.mark.parametrize("argv", list(COMMANDS), ids=[" ".join(argv) for argv in COMMANDS])
def test_every_command_in_the_docs_runs(argv, command, monkeypatch, tmp_path, eval_data_dir):
    page, line, reason = COMMANDS[argv]
    reason = not_run_reason(list(argv), reason)
    if reason:
        pytest.skip(f"{page}:{line} not run: {reason}")
    if argv[0] == "make" and argv[1:] == ("help",):
        result = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0 and "make train" in result.stdout, result.stderr
        return
    if argv[0] == "make":
        make_args = with_tiny_settings(list(argv), tmp_path / "logs")
        python_argv = python_command_of(make_args)
        if python_argv[:2] == ["-m", "pytest"]:
            pytest.skip("the test suite itself")
        if make_args[0] == "train" or "trainer.train" in python_argv:
            python_argv.append(f"--data_dir={eval_data_dir}")
    else:
        python_argv = list(argv[1:])
        if python_argv[:2] == ["-m", "trainer.train"] and "..." not in python_argv:
            python_argv += TINY["train"][1].split() + ["--steps=4", "--units=4", f"--logdir={tmp_path / 'logs'}",
                                                      f"--data_dir={eval_data_dir}"]
    run_python_command(python_argv, command, monkeypatch, tmp_path)


@pytest.mark.parametrize("page,line,code", python_blocks(), ids=[f"{p}:{n}" for p, n, _ in python_blocks()])
def test_every_python_block_in_the_docs_runs(page, line, code, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # what a block writes (logs/...) lands in tmp
    exec(compile(textwrap.dedent(code), f"{page}:{line}", "exec"), {})


def test_the_docs_have_commands_and_blocks_to_run():
    """The extraction itself: a page's commands are found (so the tests above cannot pass by finding none)."""
    assert ("make", "train", "CELL=gru") in COMMANDS
    assert any(argv[:2] == ("make", "horizon") and "CELLS=rnn,lstm,gru,lstm:chrono,gru:chrono,relu_rnn:identity_init"
               in argv for argv in COMMANDS), "the shell variable $CELLS of docs/horizon.md is resolved"
    assert len(python_blocks()) >= 2
