"""Everything a run writes for TensorBoard, in one place (the figures are drawn by
trainer.dashboards.figures, the tables by .tables; the HParams experiment is .hparams;
results.json is trainer.results).

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
                           /test_high (one sub-run per breakdown of the task, e.g. agreement's
                           attractors), pooled over distances
    <run>/by_lag           (step = lag) gradient/log10_norm_initial, gradient/log10_norm_trained:
                           the gradient probe (trainer.probes), log10 so that tiny norms stay
                           visible on TensorBoard's linear axis
    <run>/by_time_step     (step = time step) gates/<gate>_mean: the trained gates along one test
                           sequence, averaged over units (gated cells)

and the log root (the parent of the runs) holds the HParams experiment (.hparams). The tag
groups are named so that TensorBoard's Time Series, which sorts them alphabetically, opens on
accuracy_by_distance: the figure of test accuracy against distance.
"""

import glob
import os
import shutil

import numpy as np

from common.quiet_tensorflow import import_tensorflow
from trainer.dashboards import figures
from trainer.dashboards.hparams import hparams_of
from trainer.dashboards.tables import breakdown_table, distance_table

tf = import_tensorflow()
from tensorboard.plugins.custom_scalar import layout_pb2  # noqa: E402
from tensorboard.plugins.custom_scalar import summary as custom_scalar_summary  # noqa: E402
from tensorboard.plugins.hparams import api as hp  # noqa: E402

ACCURACY_BY_DISTANCE = "accuracy_by_distance"  # the tag group of the headline curve
REFERENCE_BY_DISTANCE = "reference_by_distance"  # chance and the memoryless loss, against distance
FINAL_SUFFIX = ".final"
DISTANCE_RUN = "d{:04d}"  # the sub-run of one eval distance's validation accuracy


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


def _with_interval(tag):
    """A custom-scalars series: tag with its 95% interval (tag_low, tag_high) as a band."""
    return layout_pb2.MarginChartContent.Series(value=tag, lower=f"{tag}_low", upper=f"{tag}_high")


def write_run_start(summary_writer, run_name, hparams, task):
    """The run's settings (for the HParams dashboard) and the custom-scalars layout, once per
    run: accuracy against distance, learning, the task's ordered breakdowns, the gradient probe."""
    # Each margin chart holds one series: Custom Scalars flags every run that has some but not
    # all of a chart's tags as "Missing Tags", so a second series there flagged every run
    # other than <run>/by_distance. Chance goes in a multiline chart (drawn before margin charts).
    layout = layout_pb2.Layout(category=[
        layout_pb2.Category(title="how far back it remembers: test accuracy against distance (x = distance)", chart=[
            layout_pb2.Chart(
                title="accuracy and chance (flat line); runs <run>/by_distance",
                multiline=layout_pb2.MultilineChartContent(
                    tag=[rf"^({ACCURACY_BY_DISTANCE}/test|{REFERENCE_BY_DISTANCE}/chance)$"])),
            layout_pb2.Chart(
                title="accuracy with its 95% interval; runs <run>/by_distance",
                margin=layout_pb2.MarginChartContent(series=[_with_interval(f"{ACCURACY_BY_DISTANCE}/test")])),
        ]),
        layout_pb2.Category(title="learning (x = training step)", chart=[
            layout_pb2.Chart(title="validation accuracy at each eval distance: one line per <run>/dNNNN",
                             multiline=layout_pb2.MultilineChartContent(tag=[r"^validation/accuracy_at_distance$"])),
            layout_pb2.Chart(title="training loss",
                             multiline=layout_pb2.MultilineChartContent(tag=[r"^training/loss$"])),
        ]),
        *[layout_pb2.Category(title=f"accuracy against {b.title} (x = {b.name})", chart=[
            layout_pb2.Chart(title=f"accuracy with its 95% interval; runs <run>/by_{b.name}",
                             margin=layout_pb2.MarginChartContent(series=[_with_interval(f"accuracy_vs_{b.name}/test")]))])
          for b in task.breakdowns if b.ordered],
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

