import subprocess
import sys

import pytest


def preview(*flags):
    return subprocess.run([sys.executable, "-m", "data.preview", *flags], capture_output=True, text=True, timeout=60)


def test_agreement_preview_prints_sentences_with_label_and_metadata():
    result = preview("--task=agreement", "--distance=8", "--count=3", "--attractors=2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    for sentence, details in zip(lines[::2], lines[1::2]):
        assert sentence.startswith("the ") and sentence.endswith("]") and len(sentence.split()) == 10
        assert "distance 8, attractors 2" in details and ("singular" in details or "plural" in details)


def test_copy_preview_shows_input_target_and_recall():
    result = preview("--task=copy", "--distance=4", "--count=1")
    assert result.returncode == 0, result.stderr
    _, inputs, targets, recall = result.stdout.splitlines()
    symbols = inputs.split()[1]
    assert len(symbols) == 24 and symbols[13] == ":" and recall.split()[1] == symbols[:10]
    assert targets.split()[1] == "_" * 14 + symbols[:10]


@pytest.mark.parametrize(
    "flags,message",
    [
        (["--task=maze"], "error: unknown task 'maze'; valid tasks: agreement, copy"),
        (["--distance=0"], "error: distance must be an integer >= 1, got 0"),
        (["--distance=far"], "error: flag --distance=far:"),
        (["--count=0"], "error: count must be an integer >= 1, got 0"),
        (["--distance=4", "--attractors=2"], "error: attractors must be an integer from 0 to 1"),
        (["--task=copy", "--attractors=1"], "error: task 'copy' has no option 'attractors'; its options: none"),
        (["--colour=red"], "error: Unknown command line flag 'colour'"),
        (["stray"], "error: unexpected arguments 'stray'"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(flags, message):
    result = preview(*flags)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
