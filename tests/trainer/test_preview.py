import subprocess
import sys

import pytest

from data import TASKS


@pytest.fixture
def preview(command):
    return lambda *flags: command("trainer.preview", *flags)


@pytest.mark.integration  # another process
def test_the_command_line_says_bad_input_in_one_line():
    """`python -m trainer.preview` itself (the other tests run its main in this process)."""
    result = subprocess.run([sys.executable, "-m", "trainer.preview", "--task=maze"], capture_output=True, text=True,
                            timeout=120)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "error: unknown task 'maze'; valid tasks: adding, agreement, copy\n"


def test_agreement_preview_prints_sentences_with_label_and_metadata(preview):
    result = preview("--task=agreement", "--distance=8", "--count=3", "--attractors=2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    for sentence, details in zip(lines[::2], lines[1::2]):
        assert sentence.endswith("]") and " the " in f" {sentence}"
        assert "distance 8, attractors 2" in details and ("singular" in details or "plural" in details)
        assert "preamble noun" in details


def test_copy_preview_shows_input_target_and_recall(preview):
    result = preview("--task=copy", "--distance=4", "--count=1")
    assert result.returncode == 0, result.stderr
    _, inputs, targets, recall = result.stdout.splitlines()
    symbols = inputs.split()[1]
    assert len(symbols) == 24 and symbols[13] == ":" and recall.split()[1] == symbols[:10]
    assert targets.split()[1] == "_" * 14 + symbols[:10]


@pytest.mark.parametrize(
    "flags,message",
    [
        (["--task=maze"], "error: unknown task 'maze'; valid tasks: adding, agreement, copy"),
        (["--shortcuts", "--task=maze"], "error: unknown task 'maze'; valid tasks: adding, agreement, copy"),
        (["--shortcuts", "--distance_mode=both"], "error: unknown distance_mode 'both'; valid: range, fixed"),
        (["--shortcuts", "--distance=3", "--attractors=1"], "error: attractors must be an integer from 0 to 0"),
        (["--distance=0"], "error: distance must be an integer >= 1, got 0"),
        (["--distance=far"], "error: flag --distance=far:"),
        (["--count=0"], "error: count must be an integer >= 1, got 0"),
        (["--distance=4", "--attractors=2"], "error: attractors must be an integer from 0 to 1"),
        (["--task=copy", "--attractors=1"], "error: task 'copy' has no option 'attractors'; its options: none"),
        (["--colour=red"], "error: Unknown command line flag 'colour'"),
        (["stray"], "error: unexpected arguments 'stray'"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(preview, flags, message):
    result = preview(*flags)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr


def test_adding_preview_shows_values_and_target(preview):
    result = preview("--task=adding", "--distance=5", "--count=2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 6 and lines[0].startswith("distance 5,") and lines[2].startswith("  target  ")


def test_shortcut_table_for_agreement(preview):
    result = preview("--task=agreement", "--distance=30", "--shortcuts", "--count=300")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("agreement: shortcut baselines on the training mixture (distances 1..30, 300 sequences each")
    rows = {line.split(" | ")[0].lstrip("| "): float(line.split(" | ")[1]) for line in lines[4:]}
    assert set(rows) == {b.name for b in TASKS["agreement"].baselines}
    assert rows["always singular"] == pytest.approx(0.5, abs=0.03)
    assert rows["number of the first noun"] < 0.65
    assert rows["label of the first informative word (any word)"] < 0.65
