"""The memory-horizon search: how far back each cell remembers, as one number per cell and seed.

    python -m trainer.horizon --task=copy --cells=rnn,lstm,gru --seeds=3
    python -m trainer.horizon --task=agreement --cells=gru --seeds=1 --steps=300      # minutes
    python -m trainer.horizon --task=copy --cells=lstm --chrono --logdir=logs/horizon-chrono
    python -m trainer.horizon --task=adding --cells=rnn,relu_rnn --identity_init

For each task, cell and seed (a lane) the search finds the longest training distance at
which the cell solves the task (validation accuracy >= the task's solved threshold at that
distance, trained at that distance only) within a step budget (--steps, per probe):

    doubling   probe start, 2 x start, 4 x start, ... (capped at --longest) until one fails;
               a lane that solves --longest is "at least" that far, one that fails at
               --start is "below" it;
    bisection  then probe the middle of the last success and the first failure until they
               are within --resolution of the success (or 1 apart).

The horizon is the last success: the true horizon of a cell that solves every distance up
to some H lies in [horizon, horizon x (1 + resolution)]. Every probe is a run directory
below --logdir, as `make train` writes it: a probe that finished earlier is reused, so a
search that was interrupted, or is run again with more cells or seeds, trains only what is
new. In each round the next probe of every lane is trained as one batch of Ray Tune trials
(trainer.engine), in parallel where the machine or cluster (--address) has room.

Output, below --logdir:
    horizon.json                 every lane's horizon and probes, and per cell the median and
                                 range over seeds, with the budget and the wall time
    summary/horizon.md           the same as tables
    summary/horizon_<task>.png   horizon per cell: each seed's point and the median
    summary/probes_<task>.png    every probe's test accuracy against its training distance
    summary/steps_<task>.png     steps to solve against distance, solved probes only
    summary/events.out.*         the figures (IMAGES) and the tables (TEXT)
    summary/by_budget/           horizon/<task>/<cell>: the median horizon, step = the probe budget
    summary/by_distance/         steps_to_solve/<task>/<cell>: the median, step = distance
    summary/lanes/<lane>/        each lane as an HParams session: its settings and its horizon
                                 (horizon/horizon, step = the probe budget)

Exit status: 0 done, 1 probes failed even after Ray Tune's retries (their lanes are left
out), 2 bad input (nothing written), 130 interrupted (resumable).
"""

import dataclasses
import json
import math
import os
import shutil
import time
from typing import Callable, Dict, List, Optional

import tensorflow as tf
from absl import flags
from tensorboard.plugins.hparams import api as hp

from common import cli
from common.checks import check_positive_integer
from common.config_flags import define_flags as define_config_flags
from common.config_flags import values_from_flags
from data import TASKS, get_task
from trainer import engine, figures, summaries, sweep
from trainer.cells import CELLS, get_cell
from trainer.cluster import check_shared_storage, connect, connected, disconnect
from trainer.config import CELL_OPTIONS, Config
from trainer.evaluate import Accuracy
from trainer.seeds import Spread, seed_list
from trainer.sweep_summary import SummaryWriter

HORIZON_FILE = "horizon.json"
TABLE_FILE = "horizon.md"
EXACT, AT_LEAST, BELOW = "exact", "at_least", "below"


@dataclasses.dataclass(frozen=True)
class Lane:
    """One search: a task, a cell (with the search's cell options) and a seed."""

    task: str
    cell: str
    seed: int

    @property
    def label(self):
        return f"{self.task} {self.cell} seed {self.seed}"


@dataclasses.dataclass
class Probe:
    """One training run of a lane at one distance."""

    distance: int
    solved: bool  # validation accuracy reached the threshold within the budget
    steps_to_solve: Optional[int]
    accuracy: Optional[Accuracy]  # test accuracy at the distance (None if the run diverged)
    run_dir: str
    diverged: bool = False


@dataclasses.dataclass(frozen=True)
class Bounds:
    """What a search needs: probes start at `start` and double up to `longest`; bisection stops
    when failure and success are within `resolution` (a fraction) of the success."""

    start: int
    longest: int
    resolution: float

    def validate(self):
        check_positive_integer("start", self.start)
        check_positive_integer("longest", self.longest)
        if self.longest < self.start:
            raise ValueError(f"longest ({self.longest}) must be at least start ({self.start})")
        if not (isinstance(self.resolution, (int, float)) and 0 < self.resolution < 1):
            raise ValueError(f"resolution must be a number in (0, 1), e.g. 0.1 for 10%, got {self.resolution!r}")


def bracket(solved_by_distance):
    """(last success or 0, first failure or None) of a lane's {distance: solved}."""
    last_success = max((d for d, ok in solved_by_distance.items() if ok), default=0)
    first_failure = min((d for d, ok in solved_by_distance.items() if not ok), default=None)
    return last_success, first_failure


def next_distance(solved_by_distance, bounds):
    """The next distance a lane probes, given {distance: solved} so far, or None when it is done."""
    last_success, first_failure = bracket(solved_by_distance)
    if first_failure is None:  # doubling
        if last_success >= bounds.longest:
            return None
        return bounds.start if last_success == 0 else min(2 * last_success, bounds.longest)
    if last_success == 0 or first_failure - last_success <= max(1, bounds.resolution * last_success):
        return None
    return (last_success + first_failure) // 2


def horizon_of(solved_by_distance):
    """(horizon, kind) of a finished lane: the last success, and EXACT, AT_LEAST (never failed)
    or BELOW (failed at the first distance; horizon 0)."""
    last_success, first_failure = bracket(solved_by_distance)
    if last_success == 0:
        return 0, BELOW
    if first_failure is None:
        return last_success, AT_LEAST
    return last_success, EXACT


def probes_left_at_most(solved_by_distance, bounds):
    """An upper bound on the probes a lane still needs, and the longest distance among them."""
    last_success, first_failure = bracket(solved_by_distance)
    if next_distance(solved_by_distance, bounds) is None:
        return 0, 0
    bisections = lambda low, high: max(0, math.ceil(math.log2(max(1.0, (high - low) / max(1, bounds.resolution * low)))))
    if first_failure is None:
        doublings = 1 if last_success == 0 else max(1, math.ceil(math.log2(bounds.longest / last_success)))
        return doublings + bisections(bounds.longest / 2, bounds.longest), bounds.longest
    return bisections(last_success, first_failure), first_failure


def probe_of(config, outcome):
    """A Probe from a trial's engine.Outcome (finished or diverged)."""
    if outcome.status == "diverged":
        return Probe(config.distance, False, None, None, outcome.run_dir, diverged=True)
    entry = next(e for e in outcome.results["by_distance"] if e["distance"] == config.distance)
    steps = outcome.results["steps_to_solve"]
    return Probe(config.distance, steps is not None, steps, Accuracy(**entry["accuracy"]), outcome.run_dir)


@dataclasses.dataclass
class Search:
    """The state of every lane's search; run() drives it to the end.

    config_for(lane, distance) -> the probe's Config; train(configs) -> [engine.Outcome] in the
    same order (engine.run_trials on a cluster, or a stand-in in the tests); say(line) prints
    progress.
    """

    lanes: List[Lane]
    bounds: Bounds
    config_for: Callable[[Lane, int], Config]
    train: Callable[[List[Config]], List[engine.Outcome]]
    say: Callable[[str], None] = print
    probes: Dict[Lane, Dict[int, Probe]] = dataclasses.field(default_factory=dict)
    failed: Dict[Lane, str] = dataclasses.field(default_factory=dict)
    trained: int = 0  # probes trained by this invocation (not reused)

    def solved(self, lane):
        return {d: p.solved for d, p in self.probes.get(lane, {}).items()}

    def proposals(self):
        """[(lane, distance)]: the next probe of every lane that is not done."""
        pending = []
        for lane in self.lanes:
            distance = None if lane in self.failed else next_distance(self.solved(lane), self.bounds)
            if distance is not None:
                pending.append((lane, distance))
        return pending

    def run(self):
        started, spent, cost = time.time(), 0.0, 0.0
        while True:
            proposals = self.proposals()
            if not proposals:
                return self
            configs = [self.config_for(lane, d) for lane, d in proposals]
            outcomes = [engine.finished_outcome(config) for config in configs]
            reused = [outcome is not None for outcome in outcomes]
            to_train = [config for config, outcome in zip(configs, outcomes) if outcome is None]
            if to_train:
                round_started = time.time()
                trained = iter(self.train(to_train))
                outcomes = [outcome or next(trained) for outcome in outcomes]
                cost += sum(engine.relative_cost(config) for config in to_train)
                spent += time.time() - round_started
                self.trained += len(to_train)
            for (lane, distance), config, outcome, was_reused in zip(proposals, configs, outcomes, reused):
                note = " (finished earlier, reused)" if was_reused else ""
                if outcome.status == "failed":
                    self.failed[lane] = outcome.error
                    self.say(f"{lane.label}: the probe at d={distance} failed after {engine.MAX_FAILURES} retries: "
                             f"{outcome.error}; the lane is left out")
                    continue
                probe = probe_of(config, outcome)
                self.probes.setdefault(lane, {})[distance] = probe
                self.say(f"{lane.label}: d={distance} {describe(probe, config.steps)}{note}; "
                         f"{self.lane_state(lane)}")
            self.say(self.time_left(spent / cost if cost else None, started))

    def lane_state(self, lane):
        solved = self.solved(lane)
        following = next_distance(solved, self.bounds)
        if following is not None:
            return f"next d={following}"
        horizon, kind = horizon_of(solved)
        return f"done: horizon {format_horizon(horizon, kind, self.bounds)}"

    def time_left(self, seconds_per_cost, started):
        """A progress line: probes trained, lanes done, and at most how long is left."""
        left = [(lane, *probes_left_at_most(self.solved(lane), self.bounds)) for lane in self.lanes
                if lane not in self.failed]
        done = sum(1 for _, count, _ in left if count == 0)
        line = (f"[{engine.format_duration(time.time() - started)}] {done}/{len(self.lanes)} lanes done, "
                f"{self.trained} probes trained")
        if seconds_per_cost is not None and done < len(self.lanes):
            seconds = sum(count * engine.relative_cost(self.config_for(lane, distance)) * seconds_per_cost
                          for lane, count, distance in left if count)
            line += f"; at most about {engine.format_duration(seconds)} left"
        return line

    def lane_results(self):
        """{lane: (horizon, kind, probes sorted by distance)} of the lanes that did not fail."""
        results = {}
        for lane in self.lanes:
            if lane not in self.failed:
                horizon, kind = horizon_of(self.solved(lane))
                results[lane] = (horizon, kind, [self.probes[lane][d] for d in sorted(self.probes.get(lane, {}))])
        return results


def describe(probe, budget):
    if probe.diverged:
        return "diverged (counted as not solved)"
    accuracy = f"test accuracy {probe.accuracy.accuracy:.3f}"
    if probe.solved:
        return f"solved at step {probe.steps_to_solve} ({accuracy})"
    return f"not solved in {budget} steps ({accuracy})"


def format_horizon(horizon, kind, bounds):
    return {EXACT: f"{horizon:g}", AT_LEAST: f">= {horizon:g}", BELOW: f"< {bounds.start}"}[kind]


# ----------------------------------------------------------------------------- the report
def cell_horizons(lane_results):
    """{task: {cell: [(horizon, kind)] one per seed}} in the lanes' order."""
    grouped = {}
    for lane, (horizon, kind, _) in lane_results.items():
        grouped.setdefault(lane.task, {}).setdefault(lane.cell, []).append((horizon, kind))
    return grouped


def format_spread(per_seed, bounds):
    """'40' for one seed (or seeds that agree); '40 (20 to 80)' for several; '>= 320' / '< 5'
    where a value is a seed that never failed / failed at the start."""
    spread = Spread.of(h for h, _ in per_seed)
    def one(value):
        if value >= bounds.longest and any(kind == AT_LEAST for _, kind in per_seed):
            return f">= {value:g}"
        return f"< {bounds.start}" if value == 0 else f"{value:g}"
    if spread.low == spread.high:
        return one(spread.median)
    return f"{one(spread.median)} ({one(spread.low)} to {one(spread.high)})"


def horizon_document(search, settings, wall_seconds):
    """The horizon.json document."""
    results = search.lane_results()
    lanes = []
    for lane, (horizon, kind, probes) in results.items():
        lanes.append({
            "task": lane.task, "cell": lane.cell, "seed": lane.seed, "horizon": horizon, "kind": kind,
            "probes": [{"distance": p.distance, "solved": p.solved, "steps_to_solve": p.steps_to_solve,
                        "diverged": p.diverged, "accuracy": None if p.accuracy is None else p.accuracy.accuracy,
                        "run": os.path.basename(p.run_dir)} for p in probes],
        })
    cells = []
    for task, by_cell in cell_horizons(results).items():
        for cell, per_seed in by_cell.items():
            spread = Spread.of(h for h, _ in per_seed)
            cells.append({"task": task, "cell": cell, "median": spread.median, "low": spread.low, "high": spread.high,
                          "seeds": len(per_seed), "kinds": [kind for _, kind in per_seed],
                          "text": format_spread(per_seed, search.bounds)})
    failed = [{"task": lane.task, "cell": lane.cell, "seed": lane.seed, "error": error}
              for lane, error in search.failed.items()]
    return {"settings": settings, "bounds": dataclasses.asdict(search.bounds), "cells": cells, "lanes": lanes,
            "failed": failed, "probes_trained": search.trained, "wall_seconds": round(wall_seconds, 1)}


def horizon_table(document):
    """Markdown: per task, one row per cell: its horizon over seeds, each seed's, and its probes."""
    sections = []
    settings = document["settings"]
    for task in dict.fromkeys(entry["task"] for entry in document["cells"]):
        rows = []
        for entry in (e for e in document["cells"] if e["task"] == task):
            lanes = [lane for lane in document["lanes"] if lane["task"] == task and lane["cell"] == entry["cell"]]
            per_seed = ", ".join(f"{lane['seed']}: {format_horizon(lane['horizon'], lane['kind'], Bounds(**document['bounds']))}"
                                 for lane in lanes)
            probes = sum(len(lane["probes"]) for lane in lanes)
            rows.append([entry["cell"], entry["text"], per_seed, probes])
        sections.append(
            f"## {task}: memory horizon (the longest training distance solved within {settings['steps'][task]} steps; "
            f"median (range) over seeds)\n\n"
            + summaries.markdown_table(["cell", "horizon", "per seed", "probes"], rows))
    return "\n\n".join(sections) + "\n"


def write_report(search, summary_dir, settings, wall_seconds, logdir):
    """Writes horizon.json to logdir and the tables, figures and TensorBoard run to summary_dir."""
    document = horizon_document(search, settings, wall_seconds)
    with open(os.path.join(logdir, HORIZON_FILE + ".tmp"), "w") as f:
        json.dump(document, f, indent=2)
    os.replace(os.path.join(logdir, HORIZON_FILE + ".tmp"), os.path.join(logdir, HORIZON_FILE))
    out = SummaryWriter(summary_dir, prefix="horizon")  # one report per search: replaces the previous one
    markdown = horizon_table(document)
    with open(os.path.join(summary_dir, TABLE_FILE), "w") as f:
        f.write(markdown)
    results = search.lane_results()
    bounds = search.bounds
    for task, by_cell in cell_horizons(results).items():
        task_entry = get_task(task)
        budget = settings["steps"][task]
        suffix = f"{task}, {budget} steps per probe"
        out.figure(f"horizon_{task}", figures.horizon_figure(by_cell, f"memory horizon: {suffix}", bounds.longest,
                                                             bounds.start),
                   f"{task}: the longest training distance each cell solves, each seed and the median")
        probes = {f"{lane.cell} s{lane.seed}": [(p.distance, p.accuracy, p.solved) for p in lane_probes if p.accuracy]
                  for lane, (_, _, lane_probes) in results.items() if lane.task == task}
        out.figure(f"probes_{task}", figures.probes_figure(probes, task_entry.chance_accuracy,
                                                           settings["solved_accuracy"][task], f"every probe: {suffix}"),
                   f"{task}: every probe's test accuracy at its training distance")
        steps_series = {}
        for cell in by_cell:
            solved = {}
            for lane, (_, _, lane_probes) in results.items():
                if lane.task == task and lane.cell == cell:
                    for p in lane_probes:
                        if p.solved:
                            solved.setdefault(p.distance, []).append(p.steps_to_solve)
            steps_series[cell] = sorted(solved.items())
            for distance, steps in sorted(solved.items()):
                out.scalar(f"steps_to_solve/{task}/{cell}", Spread.of(steps).median, distance, "distance")
            out.scalar(f"horizon/{task}/{cell}", Spread.of(h for h, _ in by_cell[cell]).median, budget, "budget")
        steps_series = {cell: points for cell, points in steps_series.items() if points}
        if steps_series:
            out.figure(f"steps_{task}", figures.steps_figure(steps_series, "training distance", "steps to solve",
                                                             f"steps to solve: {suffix}", budget),
                       f"{task}: steps to solve against distance, the probes that solved it")
    out.text("horizon/summary", markdown)
    out.close()
    write_lane_sessions(search, summary_dir, settings)
    return document


def write_lane_sessions(search, summary_dir, settings):
    """Each lane as an HParams session (sub-run lanes/<task>-<cell>-s<seed> of the summary) with
    its settings and its horizon (metric horizon/horizon, at step = the budget per probe)."""
    lanes_dir = os.path.join(summary_dir, "lanes")
    if os.path.isdir(lanes_dir):
        shutil.rmtree(lanes_dir)
    options = ",".join(f"{k}={v}" for k, v in sorted(settings["cell_options"].items())) or "default"
    for lane, (found, _, probes) in search.lane_results().items():
        name = f"{lane.task}-{lane.cell}-s{lane.seed}"
        budget = settings["steps"][lane.task]
        lane_writer = tf.summary.create_file_writer(os.path.join(lanes_dir, name))
        with lane_writer.as_default():
            hp.hparams(summaries.hparams_of({
                "task": lane.task, "cell": lane.cell, "cell_options": options, "steps": budget,
                "units": settings["units"], "learning_rate": settings["learning_rate"][lane.task], "seed": lane.seed}),
                trial_id=f"horizon {name}")
            tf.summary.scalar("horizon/horizon", found, step=budget)
        lane_writer.close()


# ----------------------------------------------------------------------------- putting it together
def probe_config_maker(preset, logdir, steps=None, units=None, eval_every=None, cell_options=None,
                       solved_accuracy=None, learning_rate=None):
    """config_for(lane, distance): the probe's Config, as the sweep's grid makes it (the preset's
    learning rate and units, the search's budget), evaluated at its own distance only."""
    def config_for(lane, distance):
        budget = steps or preset.steps[lane.task]
        options = {k: v for k, v in (cell_options or {}).items() if k in CELLS[lane.cell].command_options}
        (config,) = sweep.grid(preset, logdir, cells=[lane.cell], tasks=[lane.task], distances=(distance,),
                               steps=budget, units=units, seed=lane.seed, cell_options=options,
                               eval_every=eval_every or default_eval_every(budget), learning_rate=learning_rate)
        return dataclasses.replace(config, eval_distances=(distance,), solved_accuracy=solved_accuracy)
    return config_for


def default_eval_every(steps):
    """About ten evaluations per probe: the largest divisor of steps that is at most steps / 10."""
    return max(d for d in range(1, max(1, steps // 10) + 1) if steps % d == 0)


def plan(tasks, cells, seed, seeds, bounds, preset, logdir, steps=None, units=None, eval_every=None,
         cell_options=None, solved_accuracy=None, learning_rate=None):
    """(lanes, config_for, settings) of a search; a ValueError names the first bad input."""
    bounds.validate()
    config_for = probe_config_maker(preset, logdir, steps, units, eval_every, cell_options, solved_accuracy,
                                    learning_rate)
    tasks = tuple(get_task(task).name for task in tasks)
    cells = tuple(get_cell(cell).name for cell in cells)
    seeds = seed_list(seed, seeds)
    sweep.grid(preset, logdir, cells=cells, tasks=tasks, distances=(bounds.start,), cell_options=cell_options)  # option errors
    lanes = [Lane(task, cell, s) for task in tasks for cell in cells for s in seeds]
    for lane in lanes:
        config_for(lane, bounds.longest).validate()
    first = {task: config_for(Lane(task, cells[0], seeds[0]), bounds.start) for task in tasks}
    settings = {
        "tasks": list(tasks), "cells": list(cells), "seeds": list(seeds),
        "cell_options": {k: v for k, v in (cell_options or {}).items()},
        "steps": {task: config.steps for task, config in first.items()},
        "units": first[tasks[0]].units,
        "learning_rate": {task: config.learning_rate for task, config in first.items()},
        "solved_accuracy": {task: config.resolved_solved_accuracy for task, config in first.items()},
    }
    return lanes, config_for, settings


def run_search(lanes, config_for, bounds, settings, logdir, cluster=None, train=None):
    """Runs the search to the end and writes its report; returns the horizon.json document.

    train(configs) -> [engine.Outcome]: how probes are trained (default: Ray Tune trials on
    cluster, or on a Ray started here for the search). Raises cli.Stop if probes failed even
    after Tune's retries (the report of the other lanes is written first), and
    KeyboardInterrupt if interrupted.
    """
    started = time.time()
    own_cluster = cluster is None
    if cluster is not None:
        check_shared_storage(cluster, logdir)
    if train is None:
        def train(configs):  # Ray is started only when a probe needs training, not for a reused search
            nonlocal cluster
            if cluster is None:
                cluster = connect()
                check_shared_storage(cluster, logdir)
            print(f"training {len(configs)} probes on {cluster.description}", flush=True)
            return engine.run_trials(configs, cluster, logdir)

    os.makedirs(logdir, exist_ok=True)
    try:
        search = Search(lanes, bounds, config_for, train, say=lambda line: print(line, flush=True)).run()
    finally:
        if own_cluster and cluster is not None:
            disconnect()
    wall = time.time() - started
    document = write_report(search, os.path.join(logdir, "summary"), settings, wall, logdir)
    print(horizon_table(document), flush=True)
    if search.failed:
        lane, error = next(iter(search.failed.items()))
        raise cli.Stop(f"{len(search.failed)} of {len(lanes)} lanes stopped because a probe failed after "
                       f"{engine.MAX_FAILURES} retries, the first {lane.label}: {error}; the report of the others is in "
                       f"{os.path.join(logdir, HORIZON_FILE)}", sweep.EXIT_RUNS_FAILED)
    print(f"search of {len(lanes)} lanes done in {engine.format_duration(wall)} ({search.trained} probes trained); "
          f"report in {os.path.join(logdir, HORIZON_FILE)}", flush=True)
    return document


# ----------------------------------------------------------------------------- command line
FLAGS = flags.FLAGS


def define_flags():
    """Defines the command-line flags (only when run as a program)."""
    flags.DEFINE_list("tasks", ["copy"], f"Tasks to search; any of {', '.join(sorted(TASKS))}.")
    flags.DEFINE_alias("task", "tasks")
    flags.DEFINE_list("cells", ["rnn", "lstm", "gru"], f"Cells to search; any of {', '.join(CELLS)}.")
    flags.DEFINE_integer("seed", 0, "The first seed: each cell is searched from seeds seed, seed + 1, ...")
    flags.DEFINE_integer("seeds", 1, "Seeds per cell; the horizon is reported as their median and range.")
    flags.DEFINE_integer("start", 5, "The first distance probed.")
    flags.DEFINE_integer("longest", 320, "The longest distance probed; a cell that solves it is reported as at least it.")
    flags.DEFINE_float("resolution", 0.1, "Bisection stops when the first failure is within this fraction of the last "
                                          "success.")
    flags.DEFINE_string("preset", "quick", f"Sweep preset whose per-task learning rate, units and budget the probes "
                                           f"use: {', '.join(sweep.PRESETS)}.")
    flags.DEFINE_integer("steps", None, "The budget of each probe in training steps (default: the preset's, per task).")
    flags.DEFINE_integer("units", None, "Hidden units (default: the preset's).")
    flags.DEFINE_float("learning_rate", None, "Learning rate of every probe (default: the preset's, per task).")
    flags.DEFINE_integer("eval_every", None, "Steps between a probe's evaluations (default: about a tenth of --steps).")
    flags.DEFINE_float("solved_accuracy", None, "Solved threshold (default: the task's; copy and agreement 0.99, adding 0.9).")
    flags.DEFINE_string("logdir", "logs/horizon", "Directory of the search: its probes' run directories, horizon.json "
                                                 "and summary/; on a cluster, storage every node reaches at the same path.")
    flags.DEFINE_string("address", None, "host:port of a Ray cluster's head node (default: RAY_ADDRESS, else a Ray "
                                         "started on this machine).")
    flags.DEFINE_float("cpus_per_run", None, "CPUs of each probe (default: all the CPUs of the largest node).")
    flags.DEFINE_float("gpus_per_run", 0.0, "GPUs of each probe; a fraction lets several share one GPU.")
    define_config_flags(Config, names=CELL_OPTIONS)  # each goes to the cells that take it


def main():
    if FLAGS.preset not in sweep.PRESETS:
        raise ValueError(f"unknown preset {FLAGS.preset!r}; valid presets: {', '.join(sweep.PRESETS)}")
    logdir = os.path.abspath(FLAGS.logdir)
    bounds = Bounds(FLAGS.start, FLAGS.longest, FLAGS.resolution)
    lanes, config_for, settings = plan(
        FLAGS.tasks, FLAGS.cells, FLAGS.seed, FLAGS.seeds, bounds, sweep.PRESETS[FLAGS.preset], logdir,
        steps=FLAGS.steps, units=FLAGS.units, eval_every=FLAGS.eval_every, solved_accuracy=FLAGS.solved_accuracy,
        learning_rate=FLAGS.learning_rate,
        cell_options={k: v for k, v in values_from_flags(Config, names=CELL_OPTIONS).items() if v is not None})
    with connected(FLAGS.address, FLAGS.cpus_per_run, FLAGS.gpus_per_run, kept="finished probes are reused") as cluster:
        run_search(lanes, config_for, bounds, settings, logdir, cluster)


if __name__ == "__main__":
    define_flags()
    cli.run(main)
