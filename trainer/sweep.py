"""The study: train a grid of cells x tasks x distances on Ray, then summarise it.

    python -m trainer.sweep --preset=quick
    python -m trainer.sweep --preset=quick --cells=rnn,gru --tasks=copy --distances=5,20 --steps=1000
    python -m trainer.sweep --cells=rnn,relu_rnn --tasks=adding --identity_init   # IRNN for relu_rnn
    python -m trainer.sweep --preset=quick --seeds=3   # every grid point from seeds 0, 1 and 2
    python -m trainer.sweep --address=10.0.0.5:6379 --cpus_per_run=4 --logdir=/shared/logs/sweep-quick

Every grid point is one `make train` run (trainer.train.train_and_evaluate), trained as a
Ray Tune trial (trainer.engine) with its own directory below the sweep's directory
(default logs/sweep-<preset>). By default Ray is started inside this process on this
machine and each run takes all its CPUs; --address (or RAY_ADDRESS) joins a cluster
started with `ray start --head`, and --cpus_per_run / --gpus_per_run set what one run
takes, so a bigger machine or a cluster trains several at once (trainer.cluster). The
summary (trainer.sweep_summary) goes to <sweep directory>/summary, both as a TensorBoard
run and as files (results.csv, summary.md, PNG figures). Started again, a sweep skips the
runs that finished, resumes the unfinished ones from their checkpoints, and rewrites the
summary.

Each run trains at one distance (distance_mode fixed by default): its accuracy at that
distance answers "can this cell learn a dependency this long?", with no shorter sequences
in training to make it easy.

Exit status: 0 done, 1 runs failed even after Ray Tune's retries (the summary of the
others is written), 2 bad input (nothing written), 130 interrupted (resumable).
"""

import dataclasses
import itertools
import os
import time
from typing import Dict, Tuple

from absl import flags

from common import cli
from common.config_flags import define_flags as define_config_flags
from common.config_flags import values_from_flags
from data import TASKS, get_task
from trainer import engine, sweep_summary
from trainer.cells import CELLS, get_cell
from trainer.cluster import check_shared_storage, connect, connected, disconnect
from trainer.config import CELL_OPTIONS, DISTANCE_MODES, Config
from trainer.rundir import run_name_prefix
from trainer.seeds import seed_list

EXIT_RUNS_FAILED = 1
STUDY_CELLS = ("rnn", "relu_rnn", "additive", "ungated_lstm", "lstm", "gru")


@dataclasses.dataclass(frozen=True)
class Preset:
    cells: Tuple[str, ...]  # cells to train
    distances: Dict[str, Tuple[int, ...]]  # task -> training distances; the tasks are its keys
    steps: Dict[str, int]  # task -> training steps per run
    learning_rate: Dict[str, float]  # task -> optimizer learning rate
    units: int  # hidden units
    eval_every: int  # steps between evaluations and checkpoints
    batch_size: int = 64  # sequences per batch


PRESETS = {
    # All cells, both tasks, a few distances: about 20 minutes on 2 CPU cores (README has the measured time).
    # Copy's learning rate is 1e-2: at 3e-3 the GRU reached 0.49 at d=10 in 6000 steps, at 1e-2 0.92 in 4000.
    "quick": Preset(
        cells=STUDY_CELLS,
        distances={"copy": (5, 20), "agreement": (5, 20, 50), "adding": (10, 50)},
        steps={"copy": 4000, "agreement": 1500, "adding": 2000},
        learning_rate={"copy": 1e-2, "agreement": 3e-3, "adding": 1e-3},
        units=64,
        eval_every=500,
    ),
    # Longer distances, more units and steps: for a GPU or Colab (not timed on a CPU).
    "full": Preset(
        cells=STUDY_CELLS,
        distances={"copy": (10, 20, 50, 100), "agreement": (10, 20, 50, 100, 200), "adding": (50, 100, 200, 400)},
        steps={"copy": 20000, "agreement": 5000, "adding": 10000},
        learning_rate={"copy": 1e-2, "agreement": 3e-3, "adding": 1e-3},
        units=128,
        eval_every=1000,
    ),
}


def grid(preset, logdir, cells=None, tasks=None, distances=None, steps=None, units=None, distance_mode="fixed", seed=0,
         seeds=1, cell_options=None, eval_every=None, learning_rate=None):
    """The configs of a sweep, in training order (task, cell, distance, seed); arguments override the preset.

    Every grid point is trained from `seeds` seeds, seed, seed + 1, ... (trainer.seeds).
    distances (if given) replaces every task's distances; cell_options ({name: value}, as
    trainer.train's flags) go to every cell that takes them. A ValueError names the first
    bad value, or an option that no cell of the sweep takes.
    """
    cells = tuple(get_cell(cell).name for cell in cells or preset.cells)  # unknown names fail before any training
    tasks = tuple(get_task(task).name for task in tasks or preset.distances)
    cell_options = cell_options or {}
    seed_values = seed_list(seed, seeds)
    for option in cell_options:
        if not any(option in CELLS[cell].command_options for cell in cells):
            takers = ", ".join(c.name for c in CELLS.values() if option in c.command_options)
            raise ValueError(f"no cell in the sweep ({', '.join(cells)}) takes option {option!r}; it is an option of: {takers}")
    configs = []
    for task in tasks:
        for cell in cells:
            for distance, seed in itertools.product(distances or preset.distances[task], seed_values):
                config = Config(
                    task=task, cell=cell, distance=distance, distance_mode=distance_mode,
                    eval_distances=None, units=preset.units if units is None else units, batch_size=preset.batch_size,
                    steps=preset.steps[task] if steps is None else steps,
                    eval_every=eval_every or preset.eval_every, seed=seed,
                    learning_rate=learning_rate or preset.learning_rate[task],
                    logdir=logdir,
                    **{k: v for k, v in cell_options.items() if k in CELLS[cell].command_options},
                )
                if config.steps % config.eval_every and not eval_every:  # the preset's interval does not fit
                    config = dataclasses.replace(config, eval_every=config.steps)
                config.validate()
                configs.append(config)
    return configs


def run_sweep(configs, sweep_dir, cluster=None):
    """Trains every config that has not finished as a Ray Tune trial, then writes the summary.

    cluster: a trainer.cluster.Cluster this process is connected to; None starts a Ray on
    this machine for the sweep (one run at a time, with every core) and stops it after.
    Returns [(config, run directory, results dict or None if the run diverged)]. Raises
    cli.Stop if runs failed even after Tune's retries (the summary of the others is
    written first) and KeyboardInterrupt if the sweep was interrupted.
    """
    started = time.time()
    outcomes, pending = {}, []
    for config in configs:
        done = engine.finished_outcome(config)
        if done:
            print(f"{run_name_prefix(config)}: finished earlier, skipped ({os.path.basename(done.run_dir)})", flush=True)
            outcomes[id(config)] = done
        else:
            pending.append(config)
    if pending:
        own_cluster = cluster is None
        cluster = cluster or connect()
        try:
            print(f"training {len(pending)} of {len(configs)} runs on {cluster.description}", flush=True)
            check_shared_storage(cluster, sweep_dir)
            for outcome in engine.run_trials(pending, cluster, sweep_dir):
                outcomes[id(outcome.config)] = outcome
        finally:
            if own_cluster:
                disconnect()
    ordered = [outcomes[id(config)] for config in configs]
    for outcome in ordered:
        if outcome.status == "diverged":
            print(f"{run_name_prefix(outcome.config)}: diverged, left out of the summary: {outcome.error}", flush=True)
    kept = [(o.config, o.run_dir, o.results) for o in ordered if o.status != "failed"]
    summary_dir = sweep_summary.write_summary(kept, os.path.join(sweep_dir, "summary"))
    failed = [o for o in ordered if o.status == "failed"]
    if failed:
        raise cli.Stop(f"{len(failed)} of {len(configs)} runs failed after {engine.MAX_FAILURES} retries, the first "
                       f"{run_name_prefix(failed[0].config)}: {failed[0].error}; the summary of the others is in "
                       f"{summary_dir}", EXIT_RUNS_FAILED)
    print(f"sweep of {len(configs)} runs done in {engine.format_duration(time.time() - started)}; summary in "
          f"{summary_dir}", flush=True)
    return kept


# ----------------------------------------------------------------------------- command line
FLAGS = flags.FLAGS


def define_flags():
    """Defines the command-line flags (only when run as a program: a module that imports this one
    keeps its own flags)."""
    flags.DEFINE_string("preset", "quick", f"Grid preset: {', '.join(PRESETS)}.")
    flags.DEFINE_list("cells", None, f"Cells to train (default: the preset's, {', '.join(STUDY_CELLS)}); any of {', '.join(CELLS)}.")
    flags.DEFINE_list("tasks", None, f"Tasks (default: the preset's); any of {', '.join(sorted(TASKS))}.")
    flags.DEFINE_list("distances", None, "Training distances for every task (default: the preset's, per task).")
    flags.DEFINE_integer("steps", None, "Training steps per run (default: the preset's, per task).")
    flags.DEFINE_integer("units", None, "Hidden units (default: the preset's).")
    flags.DEFINE_float("learning_rate", None, "Learning rate of every run (default: the preset's, per task).")
    flags.DEFINE_integer("eval_every", None, "Steps between evaluations and checkpoints (default: the preset's, or "
                                             "the run's steps if they are not a multiple of it).")
    flags.DEFINE_string("distance_mode", "fixed", f"{' or '.join(DISTANCE_MODES)}: as in trainer.train.")
    flags.DEFINE_integer("seed", 0, "The first seed: each grid point is trained from seeds seed, seed + 1, ...")
    flags.DEFINE_integer("seeds", 1, "Seeds per grid point; tables and figures show their median and range.")
    flags.DEFINE_string("logdir", None, "Directory of the sweep (default: logs/sweep-<preset>); on a cluster, "
                                        "storage that every node reaches at the same path.")
    flags.DEFINE_string("address", None, "host:port of a Ray cluster's head node to run on (default: the RAY_ADDRESS "
                                         "environment variable, else a Ray started on this machine).")
    flags.DEFINE_float("cpus_per_run", None, "CPUs of each run, and its TensorFlow threads (default: all the CPUs of "
                                             "the largest node, one run per machine at a time).")
    flags.DEFINE_float("gpus_per_run", 0.0, "GPUs of each run; a fraction lets several runs share one GPU.")
    define_config_flags(Config, names=CELL_OPTIONS)  # each goes to the cells that take it


def main():
    if FLAGS.preset not in PRESETS:
        raise ValueError(f"unknown preset {FLAGS.preset!r}; valid presets: {', '.join(PRESETS)}")
    sweep_dir = os.path.abspath(FLAGS.logdir or os.path.join("logs", f"sweep-{FLAGS.preset}"))
    configs = grid(
        PRESETS[FLAGS.preset], sweep_dir, cells=FLAGS.cells, tasks=FLAGS.tasks,
        distances=cli.parse_positive_integers("distances", FLAGS.distances), steps=FLAGS.steps, units=FLAGS.units,
        distance_mode=FLAGS.distance_mode, seed=FLAGS.seed, seeds=FLAGS.seeds, eval_every=FLAGS.eval_every,
        learning_rate=FLAGS.learning_rate,
        cell_options={k: v for k, v in values_from_flags(Config, names=CELL_OPTIONS).items() if v is not None},
    )
    with connected(FLAGS.address, FLAGS.cpus_per_run, FLAGS.gpus_per_run, kept="finished runs are kept") as cluster:
        run_sweep(configs, sweep_dir, cluster)


if __name__ == "__main__":
    define_flags()
    cli.run(main)
