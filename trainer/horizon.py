"""The memory-horizon search: how far back each cell remembers, measured as a protocol.

    python -m trainer.horizon --tasks=copy --cells=rnn,lstm,gru                 # 5 seeds each
    python -m trainer.horizon --tasks=agreement --cells=lstm,lstm:chrono,relu_rnn:identity_init
    python -m trainer.horizon --tasks=adding --cells=gru --steps=300 --seeds=2   # minutes

For each task and cell (a cell may carry options after a colon, lstm:chrono), all its seeds
(--seeds, default 5) probe the same distances, on a log grid from --start to --longest with
ratio 1 + --resolution (trainer.horizon_search):

    rate      with several --learning_rates (default 0.001, 0.003, 0.01), every seed first
              trains at --start with each; the rate its seeds solve fastest with is kept
              (--learning_rate fixes one and skips this);
    bracket   every seed at the grid's doubling points while at least half of them solve;
    fill      every seed at every grid point between the last doubling point half solved
              and the first fewer did.

A probe trains one seed at one distance for at most --steps steps: with --probe_distances
range (the default) on distances 1..d, solved when validation accuracy reaches the task's
threshold at every trained eval distance; with fixed at d alone. Either way a pass is
confirmed on the test split (2048 sequences) at that step, and steps to solve is that
step. A cell's horizon is the distance at which half of its seeds solve, interpolated in log
distance, with a 95% interval by resampling the seeds; the same probes give it at the
budgets B/16 ... B, so a reader sees whether it is still rising at B.

Every probe is a run directory below --logdir, as `make train` writes it: a probe that
finished earlier is reused, so an interrupted search (or one run again with more seeds or
cells) trains only what is new. Probes are Ray Tune trials (trainer.engine), started
whenever the machine or cluster (--address) has room and a cell needs them: a cell waits
only for its own probes. The report is written by trainer.horizon_report.

Exit status: 0 done, 1 probes failed even after Ray Tune's retries (their cells are left
out), 2 bad input (nothing written), 130 interrupted (resumable).
"""

import dataclasses
import math
import os
import time
from typing import Callable, Dict, Tuple

from absl import flags

from common import cli
from common.checks import check_positive_integer
from common.config_flags import define_flags as define_config_flags
from common.config_flags import values_from_flags
from data import TASKS, get_task
from data.tfds_builders import LADDER
from trainer import engine, horizon_report, sweep
from trainer import horizon_search as search
from trainer.cells import CELLS, get_cell
from trainer.cluster import check_shared_storage, connect, connected, disconnect
from trainer.config import CELL_OPTIONS, DISTANCE_MODES, Config
from trainer.seeds import seed_list

LEARNING_RATES = (0.001, 0.003, 0.01)


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
    options = {k: v for k, v in shared_options.items() if k in cell.command_options}
    for item in own:
        key, _, value = item.partition("=")
        options[key.strip()] = _option_value(value.strip()) if value else True
    cell.layer_options({k: v for k, v in options.items()}, 2)  # an option the cell does not take fails here
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
    return max(d for d in range(1, max(1, steps // 16) + 1) if steps % d == 0)


@dataclasses.dataclass
class Plan:
    """A search: its cells' searches, how to make a probe's Config, and its settings (for the report)."""

    searches: Dict[Tuple[str, str], search.CellSearch]  # (task, cell label) -> its search
    config_for: Callable[[Tuple[str, str], search.Key], Config]
    settings: dict


def plan(tasks, cells, seed, seeds, bounds, preset, logdir, steps=None, units=None, eval_every=None,
         cell_options=None, solved_accuracy=None, learning_rate=None, learning_rates=LEARNING_RATES,
         probe_distances="range", chrono_max_distance=None):
    """The Plan of a search; a ValueError names the first bad input, before anything is written."""
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

    def config_for(cell_key, key):
        task, label = cell_key
        probe_seed, distance, rate = key
        name, options = specs[label]
        options = dict(options)
        if options.get("chrono"):
            options["chrono_max_distance"] = chrono_max_distance or bounds.longest
        return Config(task=task, cell=name, distance=distance, distance_mode=probe_distances,
                      eval_distances=probe_eval_distances(distance), units=units or preset.units,
                      batch_size=preset.batch_size, steps=budgets[task],
                      eval_every=eval_every or default_eval_every(budgets[task]), seed=probe_seed,
                      learning_rate=rate, logdir=logdir, solved_accuracy=solved_accuracy,
                      validate_all_distances=False, **options)

    searches = {(task, label): search.CellSearch(seeds, bounds.grid, rates) for task in tasks for label in specs}
    for cell_key, cell_search in searches.items():
        for rate in rates:
            config_for(cell_key, (seeds[-1], bounds.longest, rate)).validate()
    first = {task: config_for((task, next(iter(specs))), (seeds[0], bounds.start, rates[0])) for task in tasks}
    settings = {
        "tasks": list(tasks), "cells": list(specs), "seeds": list(seeds), "cell_options": shared,
        "steps": budgets, "units": first[tasks[0]].units,
        "learning_rates": list(rates), "learning_rate_fixed": bool(learning_rate),
        "solved_accuracy": {task: config.resolved_solved_accuracy for task, config in first.items()},
        "eval_every": {task: config.eval_every for task, config in first.items()},
        "probe_distances": probe_distances, "chrono_max_distance": chrono_max_distance or bounds.longest,
        "bounds": dataclasses.asdict(bounds), "grid": list(bounds.grid),
    }
    return Plan(searches, config_for, settings)


def probe_of(key, outcome):
    """A horizon_search.Probe from a trial's engine.Outcome (finished or diverged)."""
    seed, distance, rate = key
    run = os.path.basename(outcome.run_dir or "")
    if outcome.status == "diverged":
        return search.Probe(seed, distance, rate, False, None, math.inf, diverged=True, run=run)
    results = outcome.results
    by_distance = tuple((entry["distance"], entry["accuracy"]["accuracy"]) for entry in results["by_distance"])
    looks = results.get("first_looks", [])
    final_loss = results.get("final_loss")
    return search.Probe(seed, distance, rate, results["steps_to_solve"] is not None, results["steps_to_solve"],
                        math.inf if final_loss is None else final_loss, dict(by_distance).get(distance),
                        by_distance, sum(not look["confirmed"] for look in looks), run=run)


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
    """The engine's source of a search: the probes its cells need next (trainer.engine's
    protocol); a probe that finished earlier is taken from its run directory, not trained."""

    def __init__(self, plan_, say=print):
        self.plan, self.say = plan_, say
        self.given = {cell_key: set() for cell_key in plan_.searches}
        self.in_flight = {}  # id(config) -> (cell key, probe key)
        self.failed = {}  # cell key -> error
        self.trained, self.started, self.spent_cost = 0, time.time(), 0.0

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
            self.say(f"{' '.join(cell_key)} seed {key[0]}: the probe at d={key[1]} failed after {engine.MAX_FAILURES} "
                     f"retries: {outcome.error}; the cell is left out")
            return
        self._record(cell_key, key, outcome, config, reused=False)
        self.say(self.progress())

    def _record(self, cell_key, key, outcome, config, reused):
        cell_search = self.plan.searches[cell_key]
        probe = probe_of(key, outcome)
        cell_search.record(probe)
        note = " (finished earlier, reused)" if reused else ""
        self.say(f"{' '.join(cell_key)} seed {key[0]} lr {key[2]:g}: d={key[1]} {describe(probe, config)}{note}; "
                 f"{self.state(cell_key)}")

    def state(self, cell_key):
        cell_search = self.plan.searches[cell_key]
        if cell_search.learning_rate is None:
            return "choosing the learning rate"
        needed = cell_search.needed()
        if needed:
            return f"next d={', '.join(str(d) for d in sorted({d for _, d, _ in needed}))}"
        distances = cell_search.distances()
        horizon = search.estimate(distances, cell_search.solved_matrix(), draws=200)
        bounds = self.plan.settings["bounds"]
        return (f"done: horizon {horizon_report.format_distance(horizon.value, horizon.kind, bounds['start'], bounds['longest'])}"
                f" at lr {cell_search.learning_rate:g}")

    def progress(self):
        """A line: cells done, probes trained, and about how long is left."""
        cells = self._open_cells()
        done = sum(1 for _, s in cells if not s.needed())
        line = (f"[{engine.format_duration(time.time() - self.started)}] {done}/{len(self.plan.searches)} cells done, "
                f"{self.trained} probes trained")
        if self.spent_cost and done < len(cells):
            left = sum(search.probes_left_at_most(s) * engine.relative_cost(self.plan.config_for(k, k_probe))
                       for k, s in cells for k_probe in s.needed()[:1])
            line += f"; about {engine.format_duration((time.time() - self.started) / self.spent_cost * left)} left"
        return line


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


def run_search(plan_, logdir, cluster=None, train=None):
    """Runs the search to the end and writes its report; returns the horizon.json document.

    train(configs) -> [engine.Outcome]: a stand-in that trains batches (the tests); by default
    probes are Ray Tune trials on cluster, or on a Ray started here when a probe needs
    training. Raises cli.Stop if probes failed even after Tune's retries (the report of the
    other cells is written first), and KeyboardInterrupt if interrupted.
    """
    started = time.time()
    os.makedirs(logdir, exist_ok=True)
    source = ProbeSource(plan_, say=lambda line: print(line, flush=True))
    if train is not None:
        train_in_batches(source, train)
    elif source.needs_training():  # a search whose probes all finished earlier starts no Ray
        own_cluster = cluster is None
        try:
            cluster = cluster or connect()
            check_shared_storage(cluster, logdir)
            print(f"training probes on {cluster.description}", flush=True)
            engine.run(source, cluster, logdir)
        finally:
            if own_cluster:
                disconnect()
    wall = time.time() - started
    searches = {k: s for k, s in plan_.searches.items() if k not in source.failed}
    failed = [{"task": task, "cell": label, "error": error} for (task, label), error in source.failed.items()]
    document = horizon_report.write_report(searches, plan_.settings, failed, source.trained, wall, logdir)
    print(horizon_report.horizon_table(document), flush=True)
    if source.failed:
        (task, label), error = next(iter(source.failed.items()))
        raise cli.Stop(f"{len(source.failed)} of {len(plan_.searches)} cells stopped because a probe failed after "
                       f"{engine.MAX_FAILURES} retries, the first {task} {label}: {error}; the report of the others is "
                       f"in {os.path.join(logdir, horizon_report.HORIZON_FILE)}", sweep.EXIT_RUNS_FAILED)
    print(f"search of {len(plan_.searches)} cells done in {engine.format_duration(wall)} ({source.trained} probes "
          f"trained); report in {os.path.join(logdir, horizon_report.HORIZON_FILE)}", flush=True)
    return document


# ----------------------------------------------------------------------------- command line
FLAGS = flags.FLAGS


def define_flags():
    """Defines the command-line flags (only when run as a program)."""
    flags.DEFINE_list("tasks", ["copy"], f"Tasks to search; any of {', '.join(sorted(TASKS))}.")
    flags.DEFINE_alias("task", "tasks")
    flags.DEFINE_list("cells", ["rnn", "lstm", "gru"], f"Cells to search, each with options after a colon if any "
                                                       f"(lstm:chrono, relu_rnn:identity_init); any of {', '.join(CELLS)}.")
    flags.DEFINE_integer("seed", 0, "The first seed: each cell is searched from seeds seed, seed + 1, ...")
    flags.DEFINE_integer("seeds", 5, "Seeds per cell; they probe the same distances, and the horizon is where half "
                                     "of them solve.")
    flags.DEFINE_integer("start", 5, "The first distance of the grid.")
    flags.DEFINE_integer("longest", 160, "The last distance of the grid; a cell that half its seeds solve there is "
                                         "reported as at least it.")
    flags.DEFINE_float("resolution", 0.2, "The grid's ratio is 1 + resolution (0.2: 5, 6, 7, 9, 10, 12, ...).")
    flags.DEFINE_string("preset", "quick", f"Sweep preset whose units and budget the probes use: "
                                           f"{', '.join(sweep.PRESETS)}.")
    flags.DEFINE_integer("steps", None, "The budget of each probe in training steps (default: the preset's, per task).")
    flags.DEFINE_integer("units", None, "Hidden units (default: the preset's).")
    flags.DEFINE_list("learning_rates", [str(r) for r in LEARNING_RATES],
                      "Each cell first picks, at --start, the rate its seeds solve fastest with.")
    flags.DEFINE_float("learning_rate", None, "One learning rate for every probe (no choosing).")
    flags.DEFINE_string("probe_distances", "range", "range: a probe at d trains on distances 1..d and must solve every "
                                                    "one it is evaluated at; fixed: it trains at d alone.")
    flags.DEFINE_integer("eval_every", None, "Steps between a probe's evaluations (default: about a 16th of --steps).")
    flags.DEFINE_float("solved_accuracy", None, "Solved threshold (default: the task's; copy and agreement 0.99, "
                                                "adding 0.9).")
    flags.DEFINE_string("logdir", "logs/horizon", "Directory of the search: its probes' run directories, horizon.json "
                                                 "and summary/; on a cluster, storage every node reaches at the same path.")
    flags.DEFINE_string("address", None, "host:port of a Ray cluster's head node (default: RAY_ADDRESS, else a Ray "
                                         "started on this machine).")
    flags.DEFINE_float("cpus_per_run", None, "CPUs of each probe (default: all the CPUs of the largest node).")
    flags.DEFINE_float("gpus_per_run", 0.0, "GPUs of each probe; a fraction lets several share one GPU.")
    define_config_flags(Config, names=CELL_OPTIONS + ("chrono_max_distance",),
                        defaults={"chrono_max_distance": None})  # each goes to the cells that take it


def _rates(values):
    rates = []
    for value in values:
        try:
            rates.append(float(value))
        except ValueError:
            raise ValueError(f"learning_rates must be numbers > 0, got {value!r}") from None
    return tuple(rates)


def main():
    if FLAGS.preset not in sweep.PRESETS:
        raise ValueError(f"unknown preset {FLAGS.preset!r}; valid presets: {', '.join(sweep.PRESETS)}")
    logdir = os.path.abspath(FLAGS.logdir)
    options = {k: v for k, v in values_from_flags(Config, names=CELL_OPTIONS).items() if v is not None}
    search_plan = plan(
        FLAGS.tasks, FLAGS.cells, FLAGS.seed, FLAGS.seeds, Bounds(FLAGS.start, FLAGS.longest, FLAGS.resolution),
        sweep.PRESETS[FLAGS.preset], logdir, steps=FLAGS.steps, units=FLAGS.units, eval_every=FLAGS.eval_every,
        cell_options=options, solved_accuracy=FLAGS.solved_accuracy, learning_rate=FLAGS.learning_rate,
        learning_rates=_rates(FLAGS.learning_rates), probe_distances=FLAGS.probe_distances,
        chrono_max_distance=FLAGS.chrono_max_distance)
    with connected(FLAGS.address, FLAGS.cpus_per_run, FLAGS.gpus_per_run, kept="finished probes are reused") as cluster:
        run_search(search_plan, logdir, cluster)


if __name__ == "__main__":
    define_flags()
    cli.run(main)
