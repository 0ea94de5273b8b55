"""trainer.study.search, the pure logic of the memory-horizon search: the shared grid, the
bracket, the non-increasing fit, the half crossing and its interval (test_horizon.py drives
whole searches with a stand-in trainer)."""

import numpy as np
import pytest

from trainer.study import search


def searched(solves, seeds=4, grid=search.log_grid(5, 160, 0.2)):
    """A CellSearch run to its end with solves(seed, distance) -> bool standing in for training."""
    cell = search.CellSearch(range(seeds), grid, [0.01])
    while needed := cell.needed():
        for seed, distance, rate in needed:
            cell.record(search.Probe(seed, distance, rate, solves(seed, distance), 1 if solves(seed, distance) else None,
                                     0.1))
    return cell


def test_the_bracket_follows_a_cell_past_a_failed_point_and_stops_after_two_in_a_row():
    """Doubling points 5, 10, 21, 45, 92, 160: a cell that fails 5 and solves 10 and 21 (non-monotone)
    is followed to 45 and 92, the two failed in a row, and filled between 21 and 45."""
    late = searched(lambda seed, d: 10 <= d <= 31 or (d == 5 and seed == 0))
    assert late.distances() == [5, 10, 21, 26, 31, 37, 45, 92]
    assert search.monotonicity_breaks(late)[:1] == [(1, 5, 10)]
    assert searched(lambda seed, d: False).distances() == [5, 10]  # below start: two points failed
    assert searched(lambda seed, d: d == 21).distances() == [5, 10]  # a third point is not looked at
    assert searched(lambda seed, d: True).distances() == [5, 10, 21, 45, 92, 160]  # at least the longest


def test_the_grid_is_shared_and_the_bracket_doubles_on_it():
    grid = search.log_grid(5, 160, 0.2)
    assert grid == (5, 6, 7, 9, 10, 12, 15, 18, 21, 26, 31, 37, 45, 53, 64, 77, 92, 111, 133, 160)
    assert search.doubling_points(grid) == (5, 10, 21, 45, 92, 160)
    assert search.log_grid(5, 5, 0.2) == (5,)


def test_fractions_are_made_non_increasing_and_the_half_crossing_is_interpolated_in_log_distance():
    assert search.non_increasing([1, 0.4, 0.6, 0.2, 0.4, 0]) == pytest.approx([1, 0.5, 0.5, 0.3, 0.3, 0])
    value, kind = search.half_crossing([5, 10, 20, 40], [1, 1, 0.6, 0.2])
    assert kind == search.EXACT and value == pytest.approx(20 * 2 ** 0.25)  # a quarter of the way from 20 to 40
    assert search.half_crossing([5, 10], [0.4, 0.2]) == (0.0, search.BELOW)
    assert search.half_crossing([5, 10], [1.0, 0.6]) == (10.0, search.AT_LEAST)
    assert search.half_crossing([5, 10, 20], [1.0, 0.5, 0.0]) == (pytest.approx(10.0), search.EXACT)


def test_the_interval_resamples_seeds():
    solved = np.array([[1, 1, 0], [1, 1, 1], [1, 0, 0]], dtype=bool)
    horizon_ = search.estimate([5, 10, 20], solved)
    assert horizon_.fractions == pytest.approx((1, 2 / 3, 1 / 3))
    assert horizon_.low <= horizon_.value <= horizon_.high
    everyone = search.estimate([5, 10, 20], np.ones((3, 3), dtype=bool))
    assert (everyone.kind, everyone.low, everyone.high) == (search.AT_LEAST, 20, 20)  # no seed to disagree
