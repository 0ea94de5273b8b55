"""The memory-horizon search as pure logic: which probes a cell needs next, and what its probes say.

Nothing here trains, starts Ray or writes a file; trainer.horizon drives it with real runs
and a stand-in drives it in the tests.

    grid        the distances a cell's seeds may probe, shared by all of them: start,
                start (1 + resolution), start (1 + resolution)^2, ... rounded, up to longest
    probe       one run: a seed of a cell trained at one grid distance with one learning
                rate; solved (confirmed on a second look) at some step, or not within its
                budget
    CellSearch  one task and cell: all its seeds, three phases
                  rate     (if several learning rates are offered) every seed at start with
                           every rate; the rate whose seeds solve fastest is kept (median steps
                           to solve, an unsolved seed counting as never; ties: the lower mean
                           final loss, then the lower rate)
                  bracket  every seed at the doubling points of the grid (start, the first
                           point >= 2 start, ...) until fewer than half of the seeds solve
                           FAILED_RUNGS points in a row (or the grid ends): a cell whose
                           seeds fail a short distance and solve a longer one (non-monotone,
                           as a chrono LSTM on adding can be) is still followed up. It costs
                           FAILED_RUNGS - 1 more doubling points per cell than stopping at the
                           first failed one, each as long as the next distance.
                  fill     every seed at every grid point between the longest doubling point
                           that half solved and the next one
    horizon     the distance at which the fraction of seeds that solve crosses one half:
                the fractions are made non-increasing in distance (pool-adjacent-violators),
                and the crossing is interpolated in log distance; its 95% interval comes
                from resampling the seeds (bootstrap). Probes that break monotonicity (a
                seed that fails a distance and solves a longer one) are kept and listed.
    budgets     the same estimate with a probe counted solved for budget b only if it
                solved by step b: one search gives the horizon at B/16, B/8, B/4, B/2, B
    retention   how far a learned solution holds: a solved probe is evaluated on the test
                split up the ladder beyond its distance, to 20 times it (trainer.evaluate's
                retention climb); it holds to the longest distance up to which every rung
                stays at the threshold. A seed holds to the longest of its solved probes; the
                cell's retention is the median over seeds (0 for a seed that solved nothing),
                with a 95% interval from resampling the seeds
"""

import dataclasses
import math
import statistics
from typing import Dict, Optional, Tuple

import numpy as np

from trainer.config import LADDER_REACH

EXACT, AT_LEAST, BELOW = "exact", "at_least", "below"
BUDGET_FRACTIONS = (16, 8, 4, 2, 1)  # the budgets reported: B/16 ... B
RETENTION_REACH = LADDER_REACH  # a solved probe's retention climb reaches this many times its distance
FAILED_RUNGS = 2  # the bracket stops after this many doubling points in a row that fewer than half solve
BOOTSTRAP_DRAWS = 2000
BOOTSTRAP_SEED = 20261203  # the resampling is part of the report: the same probes give the same interval


def log_grid(start, longest, resolution):
    """The shared grid: start, start (1 + resolution), ... rounded and without repeats, and longest."""
    points, value = [], float(start)
    while round(value) < longest:
        if not points or round(value) > points[-1]:
            points.append(round(value))
        value *= 1 + resolution
    return tuple(points) + (longest,)


def doubling_points(grid):
    """The bracket's points: the grid's first, then each first point at least twice the last, and its last."""
    points = [grid[0]]
    for distance in grid[1:]:
        if distance >= 2 * points[-1]:
            points.append(distance)
    if points[-1] != grid[-1]:
        points.append(grid[-1])
    return tuple(points)


@dataclasses.dataclass(frozen=True)
class Probe:
    """What the search keeps of one run (trainer.horizon makes it from results.json)."""

    seed: int
    distance: int
    learning_rate: float
    solved: bool  # the threshold held on the first look and on the second (the test split) within the budget
    steps_to_solve: Optional[int]  # the step of that first look
    final_loss: float  # the training loss at the end (the learning-rate choice breaks ties with it)
    accuracy: Optional[float] = None  # test accuracy at the probe's distance (None if it diverged)
    by_distance: Tuple[Tuple[int, float], ...] = ()  # test accuracy at every distance evaluated
    rejected_looks: int = 0  # first looks that passed the threshold and failed the second look
    diverged: bool = False
    run: str = ""  # the run directory's name

    def solved_by(self, budget):
        return self.solved and self.steps_to_solve <= budget


Key = Tuple[int, int, float]  # (seed, distance, learning rate): one probe of a cell


class CellSearch:
    """The search of one task and cell over its seeds (see the module docstring).

    needed() lists the probes the current phase still lacks; record() gives one its result.
    """

    def __init__(self, seeds, grid, learning_rates):
        self.seeds, self.grid, self.learning_rates = tuple(seeds), tuple(grid), tuple(learning_rates)
        self.doubling = doubling_points(self.grid)
        self.probes: Dict[Key, Probe] = {}

    def record(self, probe):
        self.probes[(probe.seed, probe.distance, probe.learning_rate)] = probe

    def _missing(self, distances, rates):
        return [(s, d, r) for r in rates for d in distances for s in self.seeds if (s, d, r) not in self.probes]

    @property
    def learning_rate(self):
        """The rate chosen (or given), or None while the rate phase still lacks probes."""
        if len(self.learning_rates) == 1:
            return self.learning_rates[0]
        if self._missing(self.grid[:1], self.learning_rates):
            return None
        return choose_rate({rate: [self.probes[(s, self.grid[0], rate)] for s in self.seeds]
                            for rate in self.learning_rates})

    def fraction(self, distance, rate, budget=None):
        probes = [self.probes[(s, distance, rate)] for s in self.seeds]
        return sum(p.solved if budget is None else p.solved_by(budget) for p in probes) / len(probes)

    def needed(self):
        """[(seed, distance, rate)] the current phase lacks; [] when the search of this cell is done."""
        rate = self.learning_rate
        if rate is None:
            return self._missing(self.grid[:1], self.learning_rates)
        longest_half_solved, failed_in_a_row = None, 0
        for index, point in enumerate(self.doubling):
            missing = self._missing([point], [rate])
            if missing:
                return missing
            if self.fraction(point, rate) >= 0.5:
                longest_half_solved, failed_in_a_row = index, 0
            else:
                failed_in_a_row += 1
                if failed_in_a_row == FAILED_RUNGS:
                    break
        if longest_half_solved is None or longest_half_solved == len(self.doubling) - 1:
            return []  # below start, or at least the longest distance
        low, high = self.doubling[longest_half_solved], self.doubling[longest_half_solved + 1]
        return self._missing([d for d in self.grid if low < d < high], [rate])

    def distances(self):
        """The grid distances every seed probed at the chosen rate, ascending."""
        rate = self.learning_rate
        return [d for d in self.grid if not self._missing([d], [rate])]

    def solved_matrix(self, budget=None):
        """bool [seeds, distances()]: which seed solved which distance (by budget, if given)."""
        rate = self.learning_rate
        return np.array([[self.probes[(s, d, rate)].solved if budget is None else
                          self.probes[(s, d, rate)].solved_by(budget) for d in self.distances()]
                         for s in self.seeds], dtype=bool)


def choose_rate(probes_by_rate):
    """The rate whose seeds solve fastest: the lowest median steps to solve (never, for an
    unsolved or diverged seed), then the lowest mean final loss, then the lowest rate."""
    def key(rate):
        probes = probes_by_rate[rate]
        steps = statistics.median(p.steps_to_solve if p.solved else math.inf for p in probes)
        losses = [p.final_loss if math.isfinite(p.final_loss) and not p.diverged else math.inf for p in probes]
        return steps, statistics.fmean(losses), rate
    return min(probes_by_rate, key=key)


def non_increasing(values):
    """The closest non-increasing sequence (least squares, equal weights): pool adjacent violators."""
    blocks = []  # [sum, count]
    for value in values:
        blocks.append([float(value), 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] < blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    return [total / count for total, count in blocks for _ in range(count)]


def half_crossing(distances, fractions):
    """(horizon, kind) where the non-increasing fit of fractions crosses one half, interpolated in
    log distance; (0, BELOW) if it starts under a half, (distances[-1], AT_LEAST) if it never falls under."""
    fit = non_increasing(fractions)
    if fit[0] < 0.5:
        return 0.0, BELOW
    if fit[-1] >= 0.5:
        return float(distances[-1]), AT_LEAST
    last = max(i for i, value in enumerate(fit) if value >= 0.5)
    share = (fit[last] - 0.5) / (fit[last] - fit[last + 1])
    low, high = math.log(distances[last]), math.log(distances[last + 1])
    return math.exp(low + share * (high - low)), EXACT


@dataclasses.dataclass(frozen=True)
class Horizon:
    """A cell's horizon at one budget: the estimate, its kind and its 95% interval over seeds
    (0 stands for "below start", the longest distance for "at least" it)."""

    value: float
    kind: str
    low: float
    high: float
    fractions: Tuple[float, ...]  # solved fraction at each distance probed


def estimate(distances, solved, draws=BOOTSTRAP_DRAWS):
    """The Horizon from solved [seeds, distances] (bool), with a bootstrap over seeds."""
    fractions = solved.mean(axis=0)
    value, kind = half_crossing(distances, fractions)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    resampled = [half_crossing(distances, solved[rng.integers(len(solved), size=len(solved))].mean(axis=0))[0]
                 for _ in range(draws)]
    low, high = np.percentile(resampled, [2.5, 97.5])
    return Horizon(value, kind, float(low), float(high), tuple(float(f) for f in fractions))


def held_to(probe, threshold):
    """(distance, at_least) a solved probe's solution holds to: the longest distance from its own
    up to which its test accuracy stays >= threshold at every distance evaluated; at_least when it
    held at the longest one evaluated (the climb's end). (0, False) if the probe did not solve."""
    if not probe.solved:
        return 0, False
    beyond = sorted((d, a) for d, a in probe.by_distance if d > probe.distance)
    held = probe.distance
    for distance, accuracy in beyond:
        if accuracy < threshold:
            return held, False
        held = distance
    return held, True


@dataclasses.dataclass(frozen=True)
class Retention:
    """A cell's retention: the median over seeds of how far their solutions hold, its 95%
    interval, and each seed's (distance held to, the probe's distance, at_least)."""

    value: float
    low: float
    high: float
    seeds: Tuple[Tuple[int, int, bool], ...]


def retention(search, threshold, draws=BOOTSTRAP_DRAWS):
    """The cell's Retention at the chosen rate (see the module docstring)."""
    rate, per_seed = search.learning_rate, []
    for seed in search.seeds:
        solved = [p for (s, _, r), p in search.probes.items() if s == seed and r == rate and p.solved]
        best = max(((*held_to(p, threshold), p.distance) for p in solved), default=(0, False, 0))
        per_seed.append((best[0], best[2], best[1]))
    values = np.array([held for held, _, _ in per_seed], dtype=float)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    resampled = [np.median(values[rng.integers(len(values), size=len(values))]) for _ in range(draws)]
    low, high = np.percentile(resampled, [2.5, 97.5])
    return Retention(float(np.median(values)), float(low), float(high), tuple(per_seed))


def budgets(budget):
    """The budgets reported for a probe budget B: B/16, B/8, B/4, B/2, B (whole steps)."""
    return tuple(budget // share for share in BUDGET_FRACTIONS)


def budget_status(by_budget, resolution):
    """Whether a cell's horizon is still rising at the full budget: "range-bound" (it solved the
    longest distance), "below start", "budget-bound" (more than one grid step above the
    horizon at half the budget) or "flat" (within one grid step over the last doubling).
    by_budget: [(budget, Horizon)] ascending."""
    (_, half), (_, full) = by_budget[-2], by_budget[-1]
    if full.kind == AT_LEAST:
        return "range-bound"
    if full.kind == BELOW:
        return "below start"
    return "budget-bound" if full.value > (1 + resolution) * half.value else "flat"


def monotonicity_breaks(search):
    """[(seed, failed distance, longer distance solved)]: every place where a seed fails a
    distance and solves a longer one; shown beside the horizon, never dropped."""
    rate, breaks = search.learning_rate, []
    for seed in search.seeds:
        outcome = [(d, search.probes[(seed, d, rate)].solved) for d in search.distances()]
        for index, (distance, solved) in enumerate(outcome):
            if not solved:
                breaks += [(seed, distance, longer) for longer, ok in outcome[index + 1:] if ok][:1]
    return breaks


def last_solved(search, seed):
    """The longest distance a seed solved at the chosen rate (0 if none)."""
    rate = search.learning_rate
    return max((d for d in search.distances() if search.probes[(seed, d, rate)].solved), default=0)


def probes_left_at_most(search):
    """An upper bound on the probes a cell still needs (for the time-left estimate): every doubling
    point not yet probed by every seed, and the longest fill."""
    if search.learning_rate is None:
        pending_rates = len(search._missing(search.grid[:1], search.learning_rates))
        return pending_rates + len(search.seeds) * (len(search.doubling) - 1 + _longest_fill(search))
    missing = search.needed()
    if not missing:
        return 0
    if {d for _, d, _ in missing} <= set(search.doubling):
        points_left = sum(1 for d in search.doubling if search._missing([d], [search.learning_rate]))
        return len(search.seeds) * (points_left + _longest_fill(search))
    return len(missing)


def _longest_fill(search):
    """The most grid points between two doubling points."""
    return max((sum(1 for d in search.grid if low < d < high) for low, high in zip(search.doubling, search.doubling[1:])),
               default=0)

