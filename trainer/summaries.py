"""Every result a run writes, TensorBoard's and results.json, in one place (the figures are
drawn by trainer.figures).

TensorBoard's x axis is called "step" whatever it measures, so each axis has runs of its
own and a tag's step always means the same thing. A run directory holds:

    <run>/                 (step = training step) training/loss, training/<metric>, validation/loss,
                           validation/<metric> (Keras's, at the training distances) after each
                           evaluation; gates/<gate>: histograms of gate activations (gated cells);
                           the run's hparams and the custom-scalars layout
    <run>/ (.final file)   final/mean_accuracy, final/accuracy_at_train_distance,
                           final/accuracy_at_longest, final/generalisation_horizon,
                           final/steps_to_solve (solved runs): one number each at the last
                           training step, the HParams dashboard's metrics; the figures (IMAGES)
                           and tables (TEXT) of the curves below: accuracy_by_distance/figure and
                           /table, accuracy_vs_<breakdown>/figure and /table,
                           gradient/norm_by_lag_figure, gates/heatmap
    <run>/d0005 ...        (step = training step) validation/accuracy_at_distance: one sub-run per
                           eval distance, so that each distance is a line of its own colour
    <run>/by_distance      (step = distance) accuracy_by_distance/test with /test_low and
                           /test_high (its 95% interval); reference_by_distance/chance and
                           reference_by_distance/memoryless_loss (the loss of a model that
                           remembers nothing)
    <run>/by_<breakdown>   (step = category) accuracy_vs_<breakdown>/test with /test_low and
                           /test_high (agreement: attractors, nearest_noun, preamble), pooled over
                           distances
    <run>/by_lag           (step = lag) gradient/log10_norm_initial, gradient/log10_norm_trained:
                           the gradient probe (trainer.probes), log10 so that tiny norms stay
                           visible on TensorBoard's linear axis
    <run>/by_time_step     (step = time step) gates/<gate>_mean: the trained gates along one test
                           sequence, averaged over units (gated cells)

and the log root (the parent of the runs) holds the HParams experiment: which settings and
metrics the HParams dashboard shows, declared once (write_experiment) rather than inferred
from every tag. The tag groups are named so that TensorBoard's Time Series, which sorts them
alphabetically, opens on accuracy_by_distance: the figure of test accuracy against distance.
"""

import dataclasses
import glob
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.custom_scalar import summary as custom_scalar_summary
from tensorboard.plugins.hparams import api as hp
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import summary as hparams_summary

from common.files import write_json_atomically
from trainer import figures

RESULTS_FILE = "results.json"
ACCURACY_BY_DISTANCE = "accuracy_by_distance"  # the tag group of the headline curve
REFERENCE_BY_DISTANCE = "reference_by_distance"  # chance and the memoryless loss, against distance
FINAL_SUFFIX = ".final"
EXPERIMENT_FILE = "events.out.tfevents.0.experiment"  # the HParams experiment, at the log root
DISTANCE_RUN = "d{:04d}"  # the sub-run of one eval distance's validation accuracy

# The settings the HParams dashboard shows, in its column order (the first are ticked by
# default), and the metrics that answer "how far back does it remember?".
SETTINGS = ("task", "cell", "cell_options", "distance", "units", "distance_mode", "steps", "learning_rate", "seed",
            "attractors", "layers", "embedding", "batch_size", "optimizer", "clipnorm", "dropout", "solved_accuracy")
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
# Whole-number settings. The HParams dashboard prints every number with five significant
# digits (distance 5 as "5.0000"), so these are declared and written as text: the number
# right-aligned in INTEGER_WIDTH characters, which the browser shows as "5" and which sorts
# as numbers do (" 5" before "10"). attractors is "chance" when left to chance.
INTEGER_SETTINGS = ("distance", "units", "steps", "seed", "attractors", "layers", "embedding", "batch_size")
INTEGER_WIDTH = 7


def writer(run_dir):
    """The summary writer of the run's root directory, for what is written during training."""
    return tf.summary.create_file_writer(run_dir)


def distance_writer(run_dir, distance):
    """The writer of one eval distance's sub-run."""
    return tf.summary.create_file_writer(os.path.join(run_dir, DISTANCE_RUN.format(distance)))


class AxisRuns:
    """The sub-runs by_<axis> of a directory, one per x axis that is not time (distance, lag,
    time_step, a breakdown, the budget), their writers made as they are first asked for. It
    first removes the by_* sub-runs an earlier writer left, so that no point is shown twice."""

    def __init__(self, directory):
        self.directory = directory
        for path in glob.glob(os.path.join(directory, "by_*")):
            if os.path.isdir(path):
                shutil.rmtree(path)
        self.writers = {}

    def axis(self, name):
        """The writer of sub-run by_<name>, whose step is <name>."""
        if name not in self.writers:
            self.writers[name] = tf.summary.create_file_writer(os.path.join(self.directory, f"by_{name}"))
        return self.writers[name]

    def close(self):
        for summary_writer in self.writers.values():
            summary_writer.close()


class FinalWriters:
    """The writers of what a run writes once training is done: the root's final event file
    (final/* numbers, figures, tables) and the sub-runs whose step is not time (axis(name)).
    A run resumed after a stop in that phase writes it all again, so the earlier attempt's
    files are removed first: TensorBoard then never shows a final point twice."""

    def __init__(self, run_dir):
        for path in glob.glob(os.path.join(run_dir, f"events.out.tfevents.*{FINAL_SUFFIX}")):
            os.remove(path)
        self.axis_runs = AxisRuns(run_dir)
        self.root = tf.summary.create_file_writer(run_dir, filename_suffix=FINAL_SUFFIX)

    def axis(self, name):
        return self.axis_runs.axis(name)

    def close(self):
        self.root.close()
        self.axis_runs.close()


def hparam_value(name, value):
    """A setting as the HParams dashboard gets it: whole numbers as right-aligned text (see
    INTEGER_SETTINGS), attractors -1 as "chance", everything else as it is."""
    if name not in INTEGER_SETTINGS:
        return value
    if name == "attractors" and value == -1:
        return "chance"
    return f"{int(value):>{INTEGER_WIDTH}d}"


def hparams_of(settings):
    """The HParams dashboard's settings of a run, from Config.hparams(): only those in SETTINGS."""
    return {name: hparam_value(name, settings[name]) for name in SETTINGS if name in settings}


def _hparam_info(name):
    info = api_pb2.HParamInfo(name=name, differs=name in SETTINGS_SHOWN_FIRST)
    if name in INTEGER_SETTINGS:
        info.type = api_pb2.DATA_TYPE_STRING
    return info


def write_experiment(logdir):
    """Declares the HParams experiment (SETTINGS and METRICS) at the log root, so that the
    dashboard shows those columns and no others. Written whole to a temporary file and moved
    into place, so runs that start together never leave half a file or two."""
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


def write_run_start(summary_writer, run_name, hparams):
    """The run's settings (for the HParams dashboard) and the custom-scalars layout, once per run."""
    margin = layout_pb2.MarginChartContent.Series
    layout = layout_pb2.Layout(category=[
        layout_pb2.Category(title="how far back it remembers: test accuracy against distance (x = distance)", chart=[
            layout_pb2.Chart(
                title="accuracy with its 95% interval, and chance (flat line); runs <run>/by_distance",
                margin=layout_pb2.MarginChartContent(series=[
                    margin(value=f"{ACCURACY_BY_DISTANCE}/test", lower=f"{ACCURACY_BY_DISTANCE}/test_low",
                           upper=f"{ACCURACY_BY_DISTANCE}/test_high"),
                    margin(value=f"{REFERENCE_BY_DISTANCE}/chance", lower=f"{REFERENCE_BY_DISTANCE}/chance",
                           upper=f"{REFERENCE_BY_DISTANCE}/chance"),
                ])),
        ]),
        layout_pb2.Category(title="learning (x = training step)", chart=[
            layout_pb2.Chart(title="validation accuracy at each eval distance: one line per <run>/dNNNN",
                             multiline=layout_pb2.MultilineChartContent(tag=[r"^validation/accuracy_at_distance$"])),
            layout_pb2.Chart(title="training loss",
                             multiline=layout_pb2.MultilineChartContent(tag=[r"^training/loss$"])),
        ]),
        layout_pb2.Category(title="agreement: accuracy against attractors (x = attractors)", chart=[
            layout_pb2.Chart(
                title="accuracy with its 95% interval; runs <run>/by_attractors",
                margin=layout_pb2.MarginChartContent(series=[
                    margin(value="accuracy_vs_attractors/test", lower="accuracy_vs_attractors/test_low",
                           upper="accuracy_vs_attractors/test_high")])),
        ]),
        layout_pb2.Category(title="gradient probe (x = lag)", chart=[
            layout_pb2.Chart(title="log10 of the gradient norm, initial and trained; runs <run>/by_lag",
                             multiline=layout_pb2.MultilineChartContent(tag=[r"^gradient/log10_norm_"])),
        ]),
    ])
    with summary_writer.as_default():
        hp.hparams(hparams_of(hparams), trial_id=run_name)
        tf.summary.experimental.write_raw_pb(custom_scalar_summary.pb(layout).SerializeToString(), step=0)
    summary_writer.flush()


def write_distance_accuracy(writers, step, results):
    """Validation accuracy at each distance during training, each in its distance's sub-run;
    writers(distance) -> that sub-run's writer; results: list of DistanceResult."""
    for result in results:
        summary_writer = writers(result.distance)
        with summary_writer.as_default():
            tf.summary.scalar("validation/accuracy_at_distance", result.accuracy.accuracy, step=step)
        summary_writer.flush()


def write_training_scalars(summary_writer, step, logs):
    """Keras's epoch logs at the training step: loss -> training/loss, val_loss -> validation/loss, ..."""
    with summary_writer.as_default():
        for name, value in logs.items():
            if name == "learning_rate":
                continue  # a constant of the run, shown in HParams
            tag = f"validation/{name[4:]}" if name.startswith("val_") else f"training/{name}"
            tf.summary.scalar(tag, float(value), step=step)
    summary_writer.flush()


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def accuracy_cells(accuracy):
    return [f"{accuracy.accuracy:.3f}", f"[{accuracy.low:.3f}, {accuracy.high:.3f}]", accuracy.trials]


def distance_table(task, results):
    """Markdown: accuracy by distance with its interval, chance and the task's baseline loss."""
    header = ["distance", "accuracy", "95% interval", "trials", "chance", task.baseline_loss_name.split(":")[0]]
    rows = [[r.distance, *accuracy_cells(r.accuracy), f"{r.chance:.3f}", f"{r.baseline_loss:.4f}"] for r in results]
    return markdown_table(header, rows)


def breakdown_table(breakdown, accuracies):
    """Markdown: one breakdown's accuracy by category; accuracies {category: Accuracy}."""
    rows = [[breakdown.label(category), *accuracy_cells(a)] for category, a in accuracies.items()]
    return markdown_table([breakdown.title, "accuracy", "95% interval", "trials"], rows)


def write_image(tag, png, step, description):
    tf.summary.image(tag, tf.expand_dims(tf.io.decode_png(png, channels=4), 0), step=step, description=description)


def write_final(writers, title, task, results, breakdowns, final_metrics, step, trained_up_to=None):
    """The final curves (in the sub-runs of their axes), figures, tables and single numbers.

    writers: FinalWriters; title: what the figures are of (cell, task, distance); task: the
    data.task.Task; results: [DistanceResult]; breakdowns: {name: {category: Accuracy}}
    pooled over distances (evaluate.pool_breakdowns); step: the last training step.
    """
    with writers.axis("distance").as_default():
        for r in results:
            tf.summary.scalar(f"{ACCURACY_BY_DISTANCE}/test", r.accuracy.accuracy, step=r.distance)
            tf.summary.scalar(f"{ACCURACY_BY_DISTANCE}/test_low", r.accuracy.low, step=r.distance)
            tf.summary.scalar(f"{ACCURACY_BY_DISTANCE}/test_high", r.accuracy.high, step=r.distance)
            tf.summary.scalar(f"{REFERENCE_BY_DISTANCE}/chance", r.chance, step=r.distance)
            tf.summary.scalar(f"{REFERENCE_BY_DISTANCE}/memoryless_loss", r.baseline_loss, step=r.distance,
                              description=task.baseline_loss_name)
    for breakdown in task.breakdowns:
        accuracies = breakdowns.get(breakdown.name, {})
        with writers.axis(breakdown.name).as_default():
            for category, accuracy in accuracies.items():
                tf.summary.scalar(f"accuracy_vs_{breakdown.name}/test", accuracy.accuracy, step=category)
                tf.summary.scalar(f"accuracy_vs_{breakdown.name}/test_low", accuracy.low, step=category)
                tf.summary.scalar(f"accuracy_vs_{breakdown.name}/test_high", accuracy.high, step=category)
    with writers.root.as_default():
        points = [(r.distance, [r.accuracy]) for r in results]
        figure = figures.accuracy_figure({"accuracy (95% interval)": points}, task.chance_accuracy, "distance",
                                         f"{title}: test accuracy against distance", trained_up_to)
        write_image(f"{ACCURACY_BY_DISTANCE}/figure", figures.figure_png(figure), step, "accuracy against distance")
        tf.summary.text(f"{ACCURACY_BY_DISTANCE}/table", distance_table(task, results), step=step)
        for breakdown in task.breakdowns:
            accuracies = breakdowns.get(breakdown.name, {})
            if not accuracies:
                continue
            tag = f"accuracy_vs_{breakdown.name}"
            figure = figures.accuracy_figure({"accuracy (95% interval)": [(k, [a]) for k, a in accuracies.items()]},
                                             task.chance_accuracy, breakdown.title,
                                             f"{title}: accuracy against {breakdown.title}",
                                             tick_label=breakdown.label, connect=breakdown.ordered,
                                             min_trials=figures.MIN_TRIALS)
            write_image(f"{tag}/figure", figures.figure_png(figure), step, f"accuracy against {breakdown.title}")
            tf.summary.text(f"{tag}/table", breakdown_table(breakdown, accuracies), step=step)
        for name, value in final_metrics.items():
            tf.summary.scalar(f"final/{name}", value, step=step)
    writers.root.flush()


def write_gradient_probe(writers, title, norms_by_stage, step):
    """The gradient probe of one run; norms_by_stage: {"initial": [T], "trained": [T]}, by lag.
    The curve goes to sub-run by_lag as log10 of the norm (a zero norm as the smallest float's)."""
    with writers.axis("lag").as_default():
        for stage, norms in norms_by_stage.items():
            for lag, norm in enumerate(norms):
                tf.summary.scalar(f"gradient/log10_norm_{stage}", float(np.log10(max(norm, np.finfo(np.float32).tiny))),
                                  step=lag)
    with writers.root.as_default():
        figure = figures.gradient_figure({stage: [norms] for stage, norms in norms_by_stage.items()},
                                         f"{title}: gradient against lag")
        write_image("gradient/norm_by_lag_figure", figures.figure_png(figure), step, "gradient norm against lag, log scale")


def write_gate_histograms(summary_writer, gates, step):
    """Histograms of every gate's activations over a batch; gates: {name: array}."""
    with summary_writer.as_default():
        for name, values in gates.items():
            tf.summary.histogram(f"gates/{name}", values, step=step)
    summary_writer.flush()


def write_gate_inspection(writers, title, gates, step, markers=()):
    """The trained gates along one sequence; gates: {name: [T, u]}: the mean over units by time
    step (sub-run by_time_step) and a heat map."""
    with writers.axis("time_step").as_default():
        for name, values in gates.items():
            for time_step, mean in enumerate(np.mean(values, axis=-1)):
                tf.summary.scalar(f"gates/{name}_mean", mean, step=time_step)
    with writers.root.as_default():
        figure = figures.gate_heatmap_figure(gates, f"{title}: gates along one test sequence", markers)
        write_image("gates/heatmap", figures.figure_png(figure), step, "gate activation, unit x time step")


def write_results_json(run_dir, hparams, results, breakdowns, final_metrics, steps_done, probes=None,
                       steps_to_solve=None, first_looks=(), final_loss=None):
    """results.json: the run's settings and the final numbers, for scripts. steps_done: the
    steps trained (fewer than the budget if it stopped when solved); steps_to_solve: the step of
    the first look that the test split confirmed, or None (not solved within steps_done);
    first_looks: every first look and its second (callbacks.SolvedCheck); final_loss: the
    training loss of the last epoch trained (None if the run resumed with nothing left)."""
    document = {
        "hparams": hparams,
        "steps": steps_done,
        "steps_to_solve": steps_to_solve,
        "first_looks": list(first_looks),
        "final_loss": final_loss,
        "final_metrics": final_metrics,
        "by_distance": [dataclasses.asdict(r) for r in results],
        "breakdowns": {name: {str(c): dataclasses.asdict(a) for c, a in categories.items()}
                       for name, categories in breakdowns.items()},
        "probes": probes or {},
    }
    write_json_atomically(os.path.join(run_dir, RESULTS_FILE), document)
