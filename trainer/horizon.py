"""The memory-horizon search: how far back each cell remembers, measured as a protocol.

    python -m trainer.horizon --tasks=copy --cells=rnn,lstm,gru                 # 5 seeds each
    python -m trainer.horizon --tasks=agreement --cells=lstm,lstm:chrono,relu_rnn:identity_init
    python -m trainer.horizon --tasks=adding --cells=gru --steps=300 --seeds=2   # minutes

For each task and cell (a cell may carry options after a colon, lstm:chrono), all its seeds
(--seeds, default 5) probe the same distances, on a log grid from --start to --longest with
ratio 1 + --resolution (trainer.study.search):

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
cells) trains only what is new. Probes are Ray Tune trials (trainer.study.engine), started
whenever the machine or cluster (--address) has room and a cell needs them: a cell waits
only for its own probes. The report is written by trainer.study.report.

Exit status: 0 done, 1 probes failed even after Ray Tune's retries (their cells are left
out), 2 bad input (nothing written), 130 interrupted (resumable; the report covers the cells
finished, the others listed as pending).
"""

import os

from absl import flags

from common import cli
from common.backend import BACKENDS
from common.config_flags import define_flags as define_config_flags
from common.config_flags import values_from_flags
from data import TASKS
from trainer.cells import CELLS
from trainer.config import CELL_OPTIONS, Config
from trainer.study.cluster import connected
from trainer.study.horizon import LEARNING_RATES, Bounds, plan, run_search
from trainer.study.presets import PRESETS, get_preset

# ----------------------------------------------------------------------------- command line
FLAGS = flags.FLAGS


def define_flags():
    """Defines the command-line flags (only when run as a program)."""
    flags.DEFINE_list("tasks", ["copy"], f"Tasks to search; any of {', '.join(sorted(TASKS))}.")
    flags.DEFINE_alias("task", "tasks")
    flags.DEFINE_list("cells", ["rnn", "lstm", "gru"], f"Cells to search, each with options after a colon if any "
                                                       f"(lstm:chrono, relu_rnn:identity_init); any of {', '.join(CELLS)}.")
    flags.DEFINE_enum("backend", None, list(BACKENDS), "Keras backend of every run (its worker processes inherit it; "
                                                      "default: KERAS_BACKEND, else tensorflow); chosen before Keras loads.")
    flags.DEFINE_integer("seed", 0, "The first seed: each cell is searched from seeds seed, seed + 1, ...")
    flags.DEFINE_integer("seeds", 5, "Seeds per cell; they probe the same distances, and the horizon is where half "
                                     "of them solve.")
    flags.DEFINE_integer("start", 5, "The first distance of the grid.")
    flags.DEFINE_integer("longest", 160, "The last distance of the grid; a cell that half its seeds solve there is "
                                         "reported as at least it.")
    flags.DEFINE_float("resolution", 0.2, "The grid's ratio is 1 + resolution (0.2: 5, 6, 7, 9, 10, 12, ...).")
    flags.DEFINE_string("preset", "quick", f"Sweep preset whose units and budget the probes use: "
                                           f"{', '.join(PRESETS)}.")
    flags.DEFINE_integer("steps", None, "The budget of each probe in training steps (default: the preset's, per task).")
    flags.DEFINE_list("units", None, "Hidden units (default: the preset's); several (64,128,256) search each cell at "
                                     "each size, for the report's capacity comparison.")
    flags.DEFINE_list("learning_rates", [str(r) for r in LEARNING_RATES],
                      "Each cell first picks, at --start, the rate its seeds solve fastest with.")
    flags.DEFINE_float("learning_rate", None, "One learning rate for every probe (no choosing).")
    flags.DEFINE_string("probe_distances", "range", "range: a probe at d trains on distances 1..d and must solve every "
                                                    "one it is evaluated at; fixed: it trains at d alone.")
    flags.DEFINE_integer("eval_every", None, "Steps between a probe's evaluations (default: about a 16th of --steps).")
    flags.DEFINE_bool("probe_dashboards", False, "Each probe writes its own TensorBoard dashboards, as make train "
                                                 "does; by default only the search's summary is a TensorBoard run.")
    flags.DEFINE_float("solved_accuracy", None, "Solved threshold (default: the task's; copy and agreement 0.99, "
                                                "adding 0.9).")
    flags.DEFINE_string("logdir", "logs/horizon", "Directory of the search: its probes' run directories, horizon.json "
                                                 "and summary/; on a cluster, storage every node reaches at the same path.")
    flags.DEFINE_string("address", None, "host:port of a Ray cluster's head node (default: RAY_ADDRESS, else a Ray "
                                         "started on this machine).")
    flags.DEFINE_float("cpus_per_run", None, "CPUs of each probe (default: all the CPUs of the largest node).")
    flags.DEFINE_bool("show_training", False, "Show each run's own output (Keras's progress, its evaluations) here; "
                                              "by default it goes to train.log in the run's directory, and the "
                                              "console holds a line per run that ends and one of where all stand.")
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


def _sizes(values):
    if values is None:
        return None
    try:
        return tuple(int(value) for value in values)
    except ValueError:
        raise ValueError(f"units must be integers >= 1, got {','.join(values)}") from None


def main():
    preset = get_preset(FLAGS.preset)
    logdir = os.path.abspath(FLAGS.logdir)
    options = {k: v for k, v in values_from_flags(Config, names=CELL_OPTIONS).items() if v is not None}
    search_plan = plan(
        FLAGS.tasks, FLAGS.cells, FLAGS.seed, FLAGS.seeds, Bounds(FLAGS.start, FLAGS.longest, FLAGS.resolution),
        preset, logdir, steps=FLAGS.steps, units=_sizes(FLAGS.units), eval_every=FLAGS.eval_every,
        cell_options=options, solved_accuracy=FLAGS.solved_accuracy, learning_rate=FLAGS.learning_rate,
        learning_rates=_rates(FLAGS.learning_rates), probe_distances=FLAGS.probe_distances,
        chrono_max_distance=FLAGS.chrono_max_distance, probe_dashboards=FLAGS.probe_dashboards, backend=FLAGS.backend)
    with connected(FLAGS.address, FLAGS.cpus_per_run, FLAGS.gpus_per_run, kept="finished probes are reused",
                   show_training=FLAGS.show_training) as cluster:
        run_search(search_plan, logdir, cluster)


if __name__ == "__main__":
    define_flags()
    cli.run(main)
