"""Every result a run writes, TensorBoard's and results.json, in one place (the figures are
drawn by trainer.figures).

One run directory holds Keras's train/ and validation/ event files (loss and accuracy per
epoch) and, at its root, the events written here:

    distance_accuracy/d0005        accuracy on the validation set at distance 5, step = training step
    final/accuracy_vs_distance     final test accuracy, step = distance (and _low / _high: 95% interval)
    final/chance                   chance accuracy, step = distance
    final/baseline_loss            the loss of a model that remembers nothing (the task says which), step = distance
    final/accuracy_vs_<breakdown>  the task's breakdowns (agreement: attractors, nearest_noun, preamble),
                                   pooled over distances, step = category
    final/mean_accuracy, final/accuracy_at_train_distance, final/accuracy_at_longest,
    final/generalisation_horizon, final/steps_to_solve (solved runs only)
                                   one number each, for the HParams dashboard
    figures and markdown tables of the curves above (IMAGES and TEXT dashboards)
    gradient/norm_by_lag_initial, gradient/norm_by_lag_trained
                                   gradient probe (trainer.probes), step = lag; and its figure
    gates/<gate>                   gated cells: histogram of gate activations, step = training step
    gates/<gate>_mean_by_time      gated cells, trained: mean activation over units, step = time step
    gates/heatmap                  gated cells, trained: every gate unit along one test sequence
    the run's hparams, and a custom-scalars layout that puts every run's curves on one chart
"""

import dataclasses
import glob
import json
import os

import numpy as np
import tensorflow as tf
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.custom_scalar import summary as custom_scalar_summary
from tensorboard.plugins.hparams import api as hp

from trainer import figures

DISTANCE_TAG = "distance_accuracy/d{:04d}"
RESULTS_FILE = "results.json"


FINAL_SUFFIX = ".final"


def writer(run_dir):
    """The summary writer of the run's root directory, for what is written during training."""
    return tf.summary.create_file_writer(run_dir)


def final_writer(run_dir):
    """The writer of what a run writes once training is done (final/*, the probes), in an
    event file of its own in the run's root directory. A run resumed after a stop in that
    phase writes it again, so the earlier attempt's file is removed first: TensorBoard
    then never shows a final point twice."""
    for path in glob.glob(os.path.join(run_dir, f"events.out.tfevents.*{FINAL_SUFFIX}")):
        os.remove(path)
    return tf.summary.create_file_writer(run_dir, filename_suffix=FINAL_SUFFIX)


def write_run_start(summary_writer, run_name, hparams):
    """hparams (for the HParams dashboard) and the custom-scalars layout, once per run."""
    layout = layout_pb2.Layout(category=[
        layout_pb2.Category(title="accuracy against distance (all runs)", chart=[
            layout_pb2.Chart(title="final accuracy vs distance (step = distance)",
                             multiline=layout_pb2.MultilineChartContent(tag=[r"^final/accuracy_vs_distance$"])),
            layout_pb2.Chart(title="final accuracy vs attractors (agreement; step = attractors)",
                             multiline=layout_pb2.MultilineChartContent(tag=[r"^final/accuracy_vs_attractors$"])),
        ]),
        layout_pb2.Category(title="accuracy by distance during training", chart=[
            layout_pb2.Chart(title="validation accuracy per distance (step = training step)",
                             multiline=layout_pb2.MultilineChartContent(tag=[r"^distance_accuracy/.*"])),
        ]),
    ])
    with summary_writer.as_default():
        hp.hparams(hparams, trial_id=run_name)
        tf.summary.experimental.write_raw_pb(custom_scalar_summary.pb(layout).SerializeToString(), step=0)
    summary_writer.flush()


def write_distance_accuracy(summary_writer, step, results):
    """Validation accuracy at each distance during training; results: list of DistanceResult."""
    with summary_writer.as_default():
        for result in results:
            tf.summary.scalar(DISTANCE_TAG.format(result.distance), result.accuracy.accuracy, step=step)
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


def write_final(summary_writer, run_name, task, results, breakdowns, final_metrics, step, trained_up_to=None):
    """The final curves, figures, tables and single numbers (see the module docstring).

    task: the data.task.Task; results: [DistanceResult]; breakdowns: {name: {category: Accuracy}}
    pooled over distances (evaluate.pool_breakdowns).
    """
    with summary_writer.as_default():
        for r in results:
            tf.summary.scalar("final/accuracy_vs_distance", r.accuracy.accuracy, step=r.distance)
            tf.summary.scalar("final/accuracy_vs_distance_low", r.accuracy.low, step=r.distance)
            tf.summary.scalar("final/accuracy_vs_distance_high", r.accuracy.high, step=r.distance)
            tf.summary.scalar("final/chance", r.chance, step=r.distance)
            tf.summary.scalar("final/baseline_loss", r.baseline_loss, step=r.distance, description=task.baseline_loss_name)
        points = [(r.distance, [r.accuracy]) for r in results]
        figure = figures.accuracy_figure({"accuracy (95% interval)": points}, task.chance_accuracy, "distance", run_name,
                                         trained_up_to)
        write_image("final/accuracy_vs_distance_figure", figures.figure_png(figure), step, "accuracy against distance")
        tf.summary.text("final/accuracy_vs_distance_table", distance_table(task, results), step=step)
        for breakdown in task.breakdowns:
            accuracies = breakdowns.get(breakdown.name, {})
            if not accuracies:
                continue
            tag = f"final/accuracy_vs_{breakdown.name}"
            for category, accuracy in accuracies.items():
                tf.summary.scalar(tag, accuracy.accuracy, step=category)
            figure = figures.accuracy_figure({"accuracy (95% interval)": [(k, [a]) for k, a in accuracies.items()]}, task.chance_accuracy,
                                             breakdown.title, run_name, tick_label=breakdown.label,
                                             connect=breakdown.ordered)
            write_image(f"{tag}_figure", figures.figure_png(figure), step, f"accuracy against {breakdown.title}")
            tf.summary.text(f"{tag}_table", breakdown_table(breakdown, accuracies), step=step)
        for name, value in final_metrics.items():
            tf.summary.scalar(f"final/{name}", value, step=step)
    summary_writer.flush()


def write_gradient_probe(summary_writer, run_name, norms_by_stage, step):
    """The gradient probe of one run; norms_by_stage: {"initial": [T], "trained": [T]}, by lag."""
    with summary_writer.as_default():
        for stage, norms in norms_by_stage.items():
            for lag, norm in enumerate(norms):
                tf.summary.scalar(f"gradient/norm_by_lag_{stage}", norm, step=lag)
        figure = figures.gradient_figure({stage: [norms] for stage, norms in norms_by_stage.items()},
                                         f"{run_name}: gradient against lag")
        write_image("gradient/norm_by_lag_figure", figures.figure_png(figure), step, "gradient norm against lag, log scale")
    summary_writer.flush()


def write_gate_histograms(summary_writer, gates, step):
    """Histograms of every gate's activations over a batch; gates: {name: array}."""
    with summary_writer.as_default():
        for name, values in gates.items():
            tf.summary.histogram(f"gates/{name}", values, step=step)
    summary_writer.flush()


def write_gate_inspection(summary_writer, run_name, gates, step, markers=()):
    """The trained gates along one sequence; gates: {name: [T, u]}: means by time step and a heat map."""
    with summary_writer.as_default():
        for name, values in gates.items():
            for time_step, mean in enumerate(np.mean(values, axis=-1)):
                tf.summary.scalar(f"gates/{name}_mean_by_time", mean, step=time_step)
        figure = figures.gate_heatmap_figure(gates, f"{run_name}: gate activations along one test sequence", markers)
        write_image("gates/heatmap", figures.figure_png(figure), step, "gate activation, unit x time step")
    summary_writer.flush()


def write_results_json(run_dir, hparams, results, breakdowns, final_metrics, steps_done, probes=None,
                       steps_to_solve=None):
    """results.json: the run's settings and the final numbers, for scripts. steps_done: the
    steps trained (fewer than the budget if it stopped when solved); steps_to_solve: the first
    evaluation step at which it was solved, or None (not solved within steps_done)."""
    document = {
        "hparams": hparams,
        "steps": steps_done,
        "steps_to_solve": steps_to_solve,
        "final_metrics": final_metrics,
        "by_distance": [dataclasses.asdict(r) for r in results],
        "breakdowns": {name: {str(c): dataclasses.asdict(a) for c, a in categories.items()}
                       for name, categories in breakdowns.items()},
        "probes": probes or {},
    }
    path = os.path.join(run_dir, RESULTS_FILE)
    with open(path + ".tmp", "w") as f:
        json.dump(document, f, indent=2, default=str)
    os.replace(path + ".tmp", path)
