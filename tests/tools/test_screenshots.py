"""tools.screenshots: the directories it is given are checked before anything
starts (taking the screenshots needs Chromium: `make screenshots`, not a test)."""

import pytest


@pytest.mark.parametrize("flags, message", [
    (["--out=/proc/rnn-distance-shots"], "out '/proc/rnn-distance-shots' cannot be written (no such file or directory: "
                                         "/proc/rnn-distance-shots); choose a directory you can write to"),
    (["--logdir=/nonexistent/logs"], "logdir '/nonexistent/logs' is not a directory of logs to serve; leave --logdir "
                                     "out to train two small runs for the screenshots"),
])
def test_screenshots_refuse_directories_they_cannot_use_in_one_line(command, tmp_path, flags, message):
    result = command("tools.screenshots", f"--out={tmp_path / 'shots'}", *flags)
    assert (result.returncode, result.stderr) == (2, f"error: {message}\n")
    assert not (tmp_path / "shots").exists()
