"""The memory-horizon search driven with real runs: its plan (each cell's search, and the
Config of each probe), the source of probes the engine trains (ProbeSource: what the cells
need next, finished probes reused), and the search run to its end and reported.

The protocol is docs/horizon.md's; the pure logic is trainer.study.search, the report
trainer.study.report, the command line trainer.horizon.
"""

import dataclasses
import math
import os
import time
from typing import Callable, Dict

from common.checks import check_positive_integer
from data import get_task
from data.eval_sets import LADDER
from trainer.cells import CELLS, get_cell
from trainer.config import DISTANCE_MODES, Config, largest_divisor_at_most
from trainer.study import engine, report, runner, search
from trainer.study.progress import Progress, format_duration
from trainer.study.seeds import seed_list

LEARNING_RATES = (0.001, 0.003, 0.01)
CELLS_SHOWN_ONE_BY_ONE = 8  # past this many cells the live line counts them by state and names the last done


@dataclasses.dataclass(frozen=True)
class Bounds:
    """The grid: from start to longest with ratio 1 + resolution."""

    start: int
    longest: int
    resolution: float

    def validate(self):
        check_positive_integer("start", self.start)
        check_positive_integer("longest", self.longest)
        if self.longest < self.start:
            raise ValueError(f"longest ({self.longest}) must be at least start ({self.start})")
        if not (isinstance(self.resolution, (int, float)) and 0 < self.resolution < 1):
            raise ValueError(f"resolution must be a number in (0, 1), e.g. 0.2 for a grid of ratio 1.2, got "
                             f"{self.resolution!r}")

    @property
    def grid(self):
        return search.log_grid(self.start, self.longest, self.resolution)


def parse_cell(spec, shared_options):
    """'lstm:chrono' -> (label, cell name, {option: value}): the cell, its own options after the
    colon (name or name=value) and the search's options that it takes. A ValueError names an
    unknown cell or an option the cell does not take."""
    name, *own = spec.split(":")
    cell = get_cell(name.strip())
    options = cell.options_taken(shared_options)
    for item in own:
        key, _, value = item.partition("=")
        options[key.strip()] = _option_value(value.strip()) if value else True
    cell.layer_options(options, 2)  # an option the cell does not take fails here
    return spec if own else cell.name, cell.name, options


def _option_value(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise ValueError(f"cell option value {text!r} is not a number or true/false")


def probe_eval_distances(distance):
    """A probe is evaluated at the ladder's rungs below its distance, at it and at twice it: its
    accuracy there shows whether a solve carries over to other distances."""
    return tuple(sorted({d for d in LADDER if d < distance} | {distance, 2 * distance}))


def default_eval_every(steps):
    """About 16 evaluations per probe, one at each 16th of the budget, so that steps to solve say
    which of the budgets B/16, B/8, ... a solve counts for: the largest divisor of steps that is
    at most steps / 16."""
    return largest_divisor_at_most(steps, steps // 16)


@dataclasses.dataclass(frozen=True)
class CellKey:
    """One cell's search: a task, a cell (with its options) and a size."""

    task: str
    label: str  # the cell as given: gru, lstm:chrono
    units: int
    name: str  # the label, with the size where the search has several: "gru, 128 units"

    def __str__(self):
        return f"{self.task} {self.name}"


@dataclasses.dataclass
class Plan:
    """A search: its cells' searches, how to make a probe's Config, and its settings (for the report)."""

    searches: Dict[CellKey, search.CellSearch]
    config_for: Callable[[CellKey, search.Key], Config]
    settings: dict


def units_list(units, preset):
    """units (None: the preset's; an int; or several, searched like seeds) as a tuple of sizes."""
    values = (preset.units,) if units is None else (units,) if isinstance(units, int) else tuple(units)
    if not values:
        raise ValueError("units must name at least one size")
    for value in values:
        check_positive_integer("units", value)
    return tuple(dict.fromkeys(values))


def plan(tasks, cells, seed, seeds, bounds, preset, logdir, steps=None, units=None, eval_every=None,
         cell_options=None, solved_accuracy=None, learning_rate=None, learning_rates=LEARNING_RATES,
         probe_distances="range", chrono_max_distance=None, probe_dashboards=False, backend=None):
    """The Plan of a search; a ValueError names the first bad input, before anything is written.
    units: one size or several (each cell is searched at each, for the capacity comparison).
    Probes climb for their retention once solved (Config.retention), and write no TensorBoard
    dashboards of their own unless probe_dashboards: a search's
    hundreds of probes would pass the 500 runs past which TensorBoard selects none, and the
    search reads their results.json alone."""
    bounds.validate()
    tasks = tuple(get_task(task).name for task in tasks)
    shared = dict(cell_options or {})
    for option in shared:
        if not any(option in CELLS[get_cell(spec.split(":")[0]).name].command_options for spec in cells):
            raise ValueError(f"no cell of the search ({', '.join(cells)}) takes option {option!r}")
    specs = {}
    for spec in cells:
        label, name, options = parse_cell(spec, shared)
        specs[label] = (name, options)
    seeds = seed_list(seed, seeds)
    if probe_distances not in DISTANCE_MODES:
        raise ValueError(f"unknown probe_distances {probe_distances!r}; valid: {', '.join(DISTANCE_MODES)}")
    rates = (learning_rate,) if learning_rate else tuple(learning_rates)
    if not rates or any(not isinstance(r, (int, float)) or r <= 0 for r in rates):
        raise ValueError(f"learning_rates must be numbers > 0, got {', '.join(map(str, rates)) or 'none'}")
    if chrono_max_distance is not None:
        check_positive_integer("chrono_max_distance", chrono_max_distance)
    budgets = {task: steps or preset.steps[task] for task in tasks}

    sizes = units_list(units, preset)

    def config_for(cell_key, key):
        probe_seed, distance, rate = key
        name, options = specs[cell_key.label]
        options = dict(options)
        if options.get("chrono"):
            options["chrono_max_distance"] = chrono_max_distance or bounds.longest
        task = cell_key.task
        return Config(task=task, cell=name, distance=distance, distance_mode=probe_distances,
                      eval_distances=probe_eval_distances(distance), units=cell_key.units,
                      batch_size=preset.batch_size, steps=budgets[task],
                      eval_every=eval_every or default_eval_every(budgets[task]), seed=probe_seed,
                      learning_rate=rate, logdir=logdir, solved_accuracy=solved_accuracy, retention=True,
                      validate_all_distances=False, dashboards=probe_dashboards, backend=backend, **options)

    searches = {CellKey(task, label, size, label if len(sizes) == 1 else f"{label}, {size} units"):
                search.CellSearch(seeds, bounds.grid, rates) for task in tasks for label in specs for size in sizes}
    for cell_key, cell_search in searches.items():
        for rate in rates:
            config_for(cell_key, (seeds[-1], bounds.longest, rate)).validate()
    first = {task: config_for(next(k for k in searches if k.task == task), (seeds[0], bounds.start, rates[0]))
             for task in tasks}
    settings = {
        "tasks": list(tasks), "cells": list(specs), "seeds": list(seeds), "cell_options": shared,
        "steps": budgets, "units": list(sizes),
        "learning_rates": list(rates), "learning_rate_fixed": bool(learning_rate),
        "solved_accuracy": {task: config.resolved_solved_accuracy for task, config in first.items()},
        "eval_every": {task: config.resolved_eval_every for task, config in first.items()},
        "probe_distances": probe_distances, "chrono_max_distance": chrono_max_distance or bounds.longest,
        "bounds": dataclasses.asdict(bounds), "grid": list(bounds.grid),
        "backend": first[tasks[0]].resolved_backend,
    }
    return Plan(searches, config_for, settings)


def probe_of(key, outcome):
    """A search.Probe from a trial's engine.Outcome (finished or diverged)."""
    seed, distance, rate = key
    run = os.path.basename(outcome.run_dir or "")
    if outcome.status == "diverged":
        return search.Probe(seed, distance, rate, False, None, math.inf, diverged=True, run=run)
    results = outcome.results
    by_distance = tuple((r.distance, r.accuracy.accuracy) for r in results.by_distance)
    return search.Probe(seed, distance, rate, results.solved, results.steps_to_solve,
                        math.inf if results.final_loss is None else results.final_loss, dict(by_distance).get(distance),
                        by_distance, sum(not look["confirmed"] for look in results.first_looks), run=run)


def describe(probe, config):
    """A probe's line: solved at which step, or not within the budget; its test accuracy at its
    distance and, for a range probe, at the trained distance where it was lowest."""
    if probe.diverged:
        return "diverged (counted as not solved)"
    budget = config.steps
    trained = [(d, a) for d, a in probe.by_distance if d < probe.distance and d in config.solved_distances]
    worst = min(trained, key=lambda item: item[1], default=None)
    accuracy = f"test accuracy {probe.accuracy:.3f}"
    if worst is not None and worst[1] < probe.accuracy:
        accuracy += f", {worst[1]:.3f} at d={worst[0]}"
    looks = f"; {probe.rejected_looks} first look(s) not confirmed" if probe.rejected_looks else ""
    if probe.solved:
        return f"solved at step {probe.steps_to_solve} ({accuracy}{looks})"
    return f"not solved in {budget} steps ({accuracy}{looks})"


class ProbeSource:
    """The engine's source of a search: the probes its cells need next (trainer.study.engine's
    protocol); a probe that finished earlier is taken from its run directory, not trained."""

    def __init__(self, plan_, say=print):
        self.plan, self.say = plan_, say
        self.given = {cell_key: set() for cell_key in plan_.searches}
        self.in_flight = {}  # id(config) -> (cell key, probe key)
        self.failed = {}  # cell key -> error
        self.trained, self.started, self.spent_cost = 0, time.time(), 0.0
        self.horizons = {}  # cell key -> its horizon in words, once its search is done

    def _open_cells(self):
        return [(k, s) for k, s in self.plan.searches.items() if k not in self.failed]

    def _advance(self, take):
        """Records every probe the cells need that finished earlier (each may move its cell on),
        then returns the first one that needs training (given out only if take), or None."""
        while True:
            for cell_key, cell_search in self._open_cells():
                key = next((k for k in cell_search.needed() if k not in self.given[cell_key]), None)
                if key is None:
                    continue
                config = self.plan.config_for(cell_key, key)
                earlier = engine.finished_outcome(config)
                if earlier is None:
                    if take:
                        self.given[cell_key].add(key)
                        self.in_flight[id(config)] = (cell_key, key)
                    return config
                self.given[cell_key].add(key)
                self._record(cell_key, key, earlier, config, reused=True)
                break  # the cell may have moved on: look at every cell's needs again
            else:
                return None

    def needs_training(self):
        """Whether any probe the cells need must be trained (probes that finished earlier are taken)."""
        return self._advance(take=False) is not None

    def next(self):
        config = self._advance(take=True)
        if config is not None:
            return config
        return engine.DONE if self.done() else None

    def done(self):
        return not self.in_flight and all(not s.needed() for _, s in self._open_cells())

    def ended(self, config, outcome):
        cell_key, key = self.in_flight.pop(id(config))
        self.trained += 1
        self.spent_cost += engine.relative_cost(config)
        if outcome.status == "failed":
            self.failed[cell_key] = outcome.error
            self.say(f"{cell_key} seed {key[0]}: the probe at d={key[1]} failed after {engine.MAX_FAILURES} "
                     f"retries: {outcome.error}; the cell is left out")
            return
        self._record(cell_key, key, outcome, config, reused=False)

    def _record(self, cell_key, key, outcome, config, reused):
        cell_search = self.plan.searches[cell_key]
        probe = probe_of(key, outcome)
        cell_search.record(probe)
        note = " (finished earlier, reused)" if reused else ""
        self.say(f"{cell_key} seed {key[0]} lr {key[2]:g}: d={key[1]} {describe(probe, config)}{note}; "
                 f"{self.state(cell_key)}")

    def state(self, cell_key):
        """Where a cell's search stands: choosing its rate, the distances it probes next, or its horizon."""
        cell_search = self.plan.searches[cell_key]
        if cell_search.learning_rate is None:
            return "choosing the learning rate"
        needed = cell_search.needed()
        if needed:
            return f"next d={', '.join(str(d) for d in sorted({d for _, d, _ in needed}))}"
        if cell_key not in self.horizons:
            horizon = search.estimate(cell_search.distances(), cell_search.solved_matrix(), draws=200)
            bounds = self.plan.settings["bounds"]
            self.horizons[cell_key] = report.format_distance(horizon.value, horizon.kind, bounds["start"],
                                                             bounds["longest"])
        return f"done: horizon {self.horizons[cell_key]} at lr {cell_search.learning_rate:g}"

    def status(self):
        """The live line: probes trained, running and planned so far, the time spent and about how
        much is left, and where each cell stands."""
        cells = self._open_cells()
        running = len(self.in_flight)
        planned = sum(len([k for k in s.needed() if k not in self.given[c]]) for c, s in cells)
        line = (f"[{format_duration(time.time() - self.started)}] {self.trained} probes trained, {running} started, "
                f"{planned} more planned so far")
        if self.spent_cost and any(s.needed() for _, s in cells):
            left = sum(search.probes_left_at_most(s) * engine.relative_cost(self.plan.config_for(k, k_probe))
                       for k, s in cells for k_probe in s.needed()[:1])
            line += f"; at most about {format_duration((time.time() - self.started) / self.spent_cost * left)} left"
        states = {key: self.state(key).replace("choosing the learning rate", "choosing rate") for key, _ in cells}
        if len(states) <= CELLS_SHOWN_ONE_BY_ONE:
            return f"{line} | " + " | ".join(f"{key}: {state}" for key, state in states.items())
        done = [f"{key}: {states[key][len('done: '):]}" for key in self.horizons if key in states]  # in the order they finished
        choosing = sum(state == "choosing rate" for state in states.values())
        counts = f"{len(states)} cells: {choosing} choosing rate, {len(states) - choosing - len(done)} probing, " \
                 f"{len(done)} done"
        return f"{line} | {counts}" + "".join(f" | {entry}" for entry in done[-CELLS_SHOWN_ONE_BY_ONE:])


def train_in_batches(source, train):
    """Runs a search with train(configs) -> [engine.Outcome] (a stand-in in the tests): every probe
    the cells need now as one batch, then the next, until done."""
    while not source.done():
        batch = []
        while (config := source.next()) not in (None, engine.DONE):
            batch.append(config)
        if not batch:
            break
        for config, outcome in zip(batch, train(batch)):
            source.ended(config, outcome)


def failed_cells(source):
    """[{task, cell, error}] the cells a failed probe stopped, for the report."""
    return [{"task": key.task, "cell": key.name, "error": error} for key, error in source.failed.items()]


def write_interrupted_report(plan_, source, wall, logdir):
    """The report of the cells an interrupted search finished, the others listed as pending (a
    search longer than a session shows what it has measured so far)."""
    done = {k: s for k, s in plan_.searches.items() if k not in source.failed and not s.needed()}
    pending = [{"task": key.task, "cell": key.name, "probes": len(s.probes)}
               for key, s in plan_.searches.items() if key not in done and key not in source.failed]
    failed = failed_cells(source)
    report.write_report(done, plan_.settings, failed, source.trained, wall, logdir, pending=pending)
    print(f"interrupted with {len(done)} of {len(plan_.searches)} cells done; their report is in "
          f"{os.path.join(logdir, report.HORIZON_FILE)}", flush=True)
    print(dashboards_line(logdir), flush=True)


def run_search(plan_, logdir, cluster=None, train=None):
    """Runs the search to the end and writes its report; returns the horizon.json document.

    train(configs) -> [engine.Outcome]: a stand-in that trains batches (the tests); by default
    probes are Ray Tune trials on cluster, or on a Ray started here when a probe needs
    training. Raises common.cli.Stop if probes failed even after Tune's retries (the report of the
    other cells is written first), and KeyboardInterrupt if interrupted (after writing the report
    of the cells done, the others listed as pending).
    """
    started = time.time()
    os.makedirs(logdir, exist_ok=True)
    progress = Progress()
    source = ProbeSource(plan_, say=progress.say)
    try:
        if train is not None:
            train_in_batches(source, train)
        else:
            runner.train_on_ray(source, logdir, progress, cluster, what="probes")
    except KeyboardInterrupt:
        write_interrupted_report(plan_, source, time.time() - started, logdir)
        raise
    wall = time.time() - started
    searches = {k: s for k, s in plan_.searches.items() if k not in source.failed}
    failed = failed_cells(source)
    document = report.write_report(searches, plan_.settings, failed, source.trained, wall, logdir)
    print(report.horizon_table(document), flush=True)
    if source.failed:
        key, error = next(iter(source.failed.items()))
        raise runner.failed_runs(f"{len(source.failed)} of {len(plan_.searches)} cells stopped because a probe failed",
                                 str(key), error,
                                 f"the report of the others is in {os.path.join(logdir, report.HORIZON_FILE)}")
    print(f"search of {len(plan_.searches)} cells done in {format_duration(wall)} ({source.trained} probes "
          f"trained); report in {os.path.join(logdir, report.HORIZON_FILE)}", flush=True)
    print(dashboards_line(logdir), flush=True)
    return document


def dashboards_line(logdir):
    """How to open the search's own dashboards. Its probes are hundreds of TensorBoard runs
    (each with sub-runs), and past 500 runs TensorBoard selects none, so the search's logdir
    opens on empty charts; its summary directory holds the answer in a handful of runs."""
    return (f"to see it in TensorBoard: make tensorboard LOGDIR={os.path.join(logdir, report.SUMMARY_DIR)} "
            f"(the figures, the tables and the horizon against the budget)")
