"""make sweep: train a grid of cells x tasks x distances on Ray, then summarise it.

    python -m trainer.sweep --preset=quick
    python -m trainer.sweep --preset=quick --cells=rnn,gru --tasks=copy --distances=5,20 --steps=1000
    python -m trainer.sweep --cells=rnn,relu_rnn --tasks=adding --identity_init   # IRNN for relu_rnn
    python -m trainer.sweep --preset=quick --seeds=3   # every grid point from seeds 0, 1 and 2
    python -m trainer.sweep --address=10.0.0.5:6379 --cpus_per_run=4 --logdir=/shared/logs/sweep-quick

The grid and its summary are trainer.study.sweep's (default directory logs/sweep-<preset>).
By default Ray is started inside this process on this machine and each run takes all its
CPUs; --address (or RAY_ADDRESS) joins a cluster started with `ray start --head`, and
--cpus_per_run / --gpus_per_run set what one run takes, so a bigger machine or a cluster
trains several at once (trainer.study.cluster).

Exit status: 0 done, 1 runs failed even after Ray Tune's retries (the summary of the
others is written), 2 bad input (nothing written), 130 interrupted (resumable).
"""

import os

from absl import flags

from common import cli
from common.backend import BACKENDS
from common.config_flags import define_flags as define_config_flags
from common.config_flags import values_from_flags
from data import TASKS
from trainer.cells import CELLS
from trainer.config import CELL_OPTIONS, DISTANCE_MODES, Config
from trainer.study.cluster import connected
from trainer.study.presets import PRESETS, STUDY_CELLS, get_preset
from trainer.study.sweep import grid, run_sweep

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
    flags.DEFINE_integer("eval_every", None, "Steps between evaluations and checkpoints (default: the preset's if it "
                                             "divides the run's steps, else make train's default).")
    flags.DEFINE_string("distance_mode", "fixed", f"{' or '.join(DISTANCE_MODES)}: as in trainer.train.")
    flags.DEFINE_enum("backend", None, list(BACKENDS), "Keras backend of every run (its worker processes inherit it; "
                                                      "default: KERAS_BACKEND, else tensorflow); chosen before Keras loads.")
    flags.DEFINE_integer("seed", 0, "The first seed: each grid point is trained from seeds seed, seed + 1, ...")
    flags.DEFINE_integer("seeds", 1, "Seeds per grid point; tables and figures show their median and range.")
    flags.DEFINE_bool("every_seed_dashboards", False, "Every seed's run writes TensorBoard dashboards; by default only "
                                                      "the first seed's (the summary reads every seed's results).")
    flags.DEFINE_string("logdir", None, "Directory of the sweep (default: logs/sweep-<preset>); on a cluster, "
                                        "storage that every node reaches at the same path.")
    flags.DEFINE_string("address", None, "host:port of a Ray cluster's head node to run on (default: the RAY_ADDRESS "
                                         "environment variable, else a Ray started on this machine).")
    flags.DEFINE_float("cpus_per_run", None, "CPUs of each run, and its TensorFlow threads (default: all the CPUs of "
                                             "the largest node, one run per machine at a time).")
    flags.DEFINE_bool("show_training", False, "Show each run's own output (Keras's progress, its evaluations) here; "
                                              "by default it goes to train.log in the run's directory, and the "
                                              "console holds a line per run that ends and one of where all stand.")
    flags.DEFINE_float("gpus_per_run", 0.0, "GPUs of each run; a fraction lets several runs share one GPU.")
    define_config_flags(Config, names=CELL_OPTIONS)  # each goes to the cells that take it


def main():
    preset = get_preset(FLAGS.preset)
    sweep_dir = os.path.abspath(FLAGS.logdir or os.path.join("logs", f"sweep-{FLAGS.preset}"))
    configs = grid(
        preset, sweep_dir, cells=FLAGS.cells, tasks=FLAGS.tasks,
        distances=cli.parse_positive_integers("distances", FLAGS.distances), steps=FLAGS.steps, units=FLAGS.units,
        distance_mode=FLAGS.distance_mode, seed=FLAGS.seed, seeds=FLAGS.seeds, eval_every=FLAGS.eval_every,
        learning_rate=FLAGS.learning_rate, every_seed_dashboards=FLAGS.every_seed_dashboards, backend=FLAGS.backend,
        cell_options={k: v for k, v in values_from_flags(Config, names=CELL_OPTIONS).items() if v is not None},
    )
    with connected(FLAGS.address, FLAGS.cpus_per_run, FLAGS.gpus_per_run, kept="finished runs are kept",
                   show_training=FLAGS.show_training) as cluster:
        run_sweep(configs, sweep_dir, cluster)


if __name__ == "__main__":
    define_flags()
    cli.run(main)
