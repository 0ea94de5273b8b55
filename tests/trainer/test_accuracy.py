"""trainer.accuracy: the Wilson interval and the Accuracy record."""

import pytest

from trainer.accuracy import wilson_interval


@pytest.mark.parametrize(
    "correct,trials,expected",
    [(50, 100, (0.4038, 0.5962)), (8, 10, (0.4902, 0.9433)), (0, 20, (0.0, 0.1611)), (20, 20, (0.8389, 1.0))],
)
def test_wilson_interval_known_values(correct, trials, expected):
    low, high = wilson_interval(correct, trials)
    assert low == pytest.approx(expected[0], abs=1e-4) and high == pytest.approx(expected[1], abs=1e-4)


def test_wilson_interval_of_no_trials_is_everything():
    assert wilson_interval(0, 0) == (0.0, 1.0)


