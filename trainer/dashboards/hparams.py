"""The HParams dashboard: which settings and metrics it shows, declared once at the log root
as an experiment (write_experiment), and a run's settings as that dashboard takes them.

The dashboard prints every number with five significant digits (distance 5 as "5.0000"), so
whole-number settings are declared and written as text: the number right-aligned in
INTEGER_WIDTH characters, which the browser shows as "5" and which sorts as numbers do (" 5"
before "10"); attractors left to chance are "chance".
"""

import glob
import os
import tempfile

from common.quiet_tensorflow import import_tensorflow

tf = import_tensorflow()
from tensorboard.plugins.hparams import api_pb2  # noqa: E402
from tensorboard.plugins.hparams import summary as hparams_summary  # noqa: E402

EXPERIMENT_FILE = "events.out.tfevents.0.experiment"  # the HParams experiment, at the log root
# The settings shown, in column order, and the metrics that answer "how far back does it remember?".
SETTINGS = ("task", "cell", "cell_options", "distance", "units", "distance_mode", "steps", "learning_rate", "seed",
            "attractors", "layers", "embedding", "batch_size", "optimizer", "clipnorm", "dropout", "solved_accuracy",
            "backend")
METRICS = (
    ("final/accuracy_at_train_distance", "accuracy at training distance",
     "test accuracy at the distance the run trained at"),
    ("final/generalisation_horizon", "generalisation horizon",
     "the longest test distance with accuracy at or above the solved threshold"),
    ("final/steps_to_solve", "steps to solve",
     "the training step at which validation accuracy first reached the threshold (blank: not solved)"),
    ("horizon/horizon", "memory horizon (search)",
     "make horizon: the distance at which half of a cell's seeds stop solving, within the budget"),
    ("final/mean_accuracy", "mean accuracy", "test accuracy averaged over the evaluated distances"),
    ("final/accuracy_at_longest", "accuracy at longest", "test accuracy at the longest distance evaluated"),
)
# TensorBoard lists settings alphabetically after those marked as differing between runs, and
# ticks the first five: these are marked, so that they are the columns a user sees first.
SETTINGS_SHOWN_FIRST = ("task", "cell", "cell_options", "distance", "units")
INTEGER_SETTINGS = ("distance", "units", "steps", "seed", "attractors", "layers", "embedding", "batch_size")
INTEGER_WIDTH = 7


def hparam_value(name, value):
    """A setting as the dashboard gets it: whole numbers as right-aligned text, attractors -1 as
    "chance", everything else as it is."""
    if name not in INTEGER_SETTINGS:
        return value
    if name == "attractors" and value == -1:
        return "chance"
    return f"{int(value):>{INTEGER_WIDTH}d}"


def hparams_of(settings):
    """The dashboard's settings of a run, from Config.hparams(): only those in SETTINGS."""
    return {name: hparam_value(name, settings[name]) for name in SETTINGS if name in settings}


def _hparam_info(name):
    info = api_pb2.HParamInfo(name=name, differs=name in SETTINGS_SHOWN_FIRST)
    if name in INTEGER_SETTINGS:
        info.type = api_pb2.DATA_TYPE_STRING
    return info


def write_experiment(logdir):
    """Declares the experiment (SETTINGS and METRICS) at the log root, so that the dashboard
    shows those columns and no others. Written whole to a temporary file and moved into place,
    so runs that start together never leave half a file or two."""
    os.makedirs(logdir, exist_ok=True)
    experiment = hparams_summary.experiment_pb(
        hparam_infos=[_hparam_info(name) for name in SETTINGS],
        metric_infos=[api_pb2.MetricInfo(name=api_pb2.MetricName(tag=tag), display_name=name, description=description)
                      for tag, name, description in METRICS])
    with tempfile.TemporaryDirectory(dir=logdir, prefix=".experiment-") as scratch:
        experiment_writer = tf.summary.create_file_writer(scratch)
        with experiment_writer.as_default():
            tf.summary.experimental.write_raw_pb(experiment.SerializeToString(), step=0)
        experiment_writer.close()
        (written,) = glob.glob(os.path.join(scratch, "events.out.tfevents.*"))
        os.replace(written, os.path.join(logdir, EXPERIMENT_FILE))
