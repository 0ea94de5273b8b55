"""trainer.study.seeds: the seeds of a study and how several seeds' values are summarised."""

import pytest

from trainer.study.seeds import Spread, seed_list


def test_seed_list_and_its_errors():
    assert seed_list(0, 3) == (0, 1, 2)
    assert seed_list(7, 1) == (7,)
    with pytest.raises(ValueError, match="seeds must be an integer >= 1, got 0"):
        seed_list(0, 0)
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got -1"):
        seed_list(-1, 2)


def test_spread_is_median_lowest_and_highest():
    spread = Spread.of([0.5, 1.0, 0.9])
    assert (spread.median, spread.low, spread.high, spread.values) == (0.9, 0.5, 1.0, (0.5, 1.0, 0.9))
    assert spread.format() == "0.900 (0.500-1.000)"
    assert Spread.of([0.25]).format() == "0.250"
    assert Spread.of([1000, 3000]).format(".0f") == "2000 (1000-3000)"
