"""Every result a run writes, TensorBoard's and results.json, in one place.

One run directory holds Keras's train/ and validation/ event files (loss and accuracy per
epoch) and, at its root, the events written here:

    distance_accuracy/d0005        accuracy on the validation set at distance 5, step = training step
    final/accuracy_vs_distance     final test accuracy, step = distance (and _low / _high: 95% interval)
    final/chance                   chance accuracy, step = distance
    final/memoryless_loss          copy: loss of a model that remembers nothing, step = distance
    final/accuracy_vs_attractors   agreement: accuracy, step = number of attractors (pooled over distances)
    final/mean_accuracy, final/accuracy_at_train_distance, final/accuracy_at_longest
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
import io
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorboard.plugins.custom_scalar import layout_pb2  # noqa: E402
from tensorboard.plugins.custom_scalar import summary as custom_scalar_summary  # noqa: E402
from tensorboard.plugins.hparams import api as hp  # noqa: E402

DISTANCE_TAG = "distance_accuracy/d{:04d}"
RESULTS_FILE = "results.json"


def writer(run_dir):
    """The summary writer of the run's root directory."""
    return tf.summary.create_file_writer(run_dir)


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


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def dodge(index, count, xs, log_x, width=0.05):
    """x -> x moved sideways by the index-th of count series (a fraction of the axis span), so
    series with equal values stay visible side by side."""
    if count < 2 or len(xs) < 2:
        return lambda x: x
    fraction = width * (index - (count - 1) / 2) / (count - 1)
    if log_x:
        factor = (max(xs) / min(xs)) ** fraction
        return lambda x: x * factor
    step = (max(xs) - min(xs)) * fraction
    return lambda x: x + step


def accuracy_figure(series, chance, xlabel, title, trained_up_to=None):
    """Accuracy with 95% intervals against xlabel, one line per series, the chance line, and
    (if given) a vertical line at the longest training distance.

    series: {label: [(x, Accuracy)]}. With x spanning a factor of 20 or more the x axis is
    logarithmic, ticked at the x values.
    """
    figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
    all_xs = sorted({x for points in series.values() for x, _ in points})
    log_x = len(all_xs) > 1 and min(all_xs) > 0 and max(all_xs) / min(all_xs) >= 20
    for index, (label, points) in enumerate(series.items()):
        shift = dodge(index, len(series), all_xs, log_x)
        xs = [shift(x) for x, _ in points]
        ys = [a.accuracy for _, a in points]
        errors = [[a.accuracy - a.low for _, a in points], [a.high - a.accuracy for _, a in points]]
        axes.errorbar(xs, ys, yerr=errors, marker=MARKERS[index % len(MARKERS)], capsize=3, label=label)
    axes.axhline(chance, color="grey", linestyle="--", label=f"chance ({chance:.3g})")
    if trained_up_to is not None:
        axes.axvline(trained_up_to, color="tab:orange", linestyle=":", label=f"longest training distance ({trained_up_to})")
    if log_x:
        axes.set_xscale("log")
    axes.set_xticks(all_xs, [str(x) for x in all_xs])
    axes.minorticks_off()
    axes.set_ylim(0, 1.02)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("accuracy")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize="small")
    figure.tight_layout()
    return figure


def figure_png(figure):
    """PNG bytes of a matplotlib figure (which is closed)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def accuracy_cells(accuracy):
    return [f"{accuracy.accuracy:.3f}", f"[{accuracy.low:.3f}, {accuracy.high:.3f}]", accuracy.trials]


def distance_table(results):
    header = ["distance", "accuracy", "95% interval", "trials", "chance"]
    rows = [[r.distance, *accuracy_cells(r.accuracy), f"{r.chance:.3f}"] for r in results]
    if results and results[0].memoryless_loss is not None:
        header.append("memoryless loss")
        for row, r in zip(rows, results):
            row.append(f"{r.memoryless_loss:.4f}")
    if results and results[0].by_nearest_is_attractor:
        header += ["nearest noun is an attractor", "nearest noun agrees"]
        for row, r in zip(rows, results):
            for flag in (True, False):
                a = r.by_nearest_is_attractor.get(flag)
                row.append(f"{a.accuracy:.3f} (n={a.trials})" if a else "-")
    return markdown_table(header, rows)


def write_image(tag, png, step, description):
    tf.summary.image(tag, tf.expand_dims(tf.io.decode_png(png, channels=4), 0), step=step, description=description)


def write_final(summary_writer, run_name, results, by_attractors, final_metrics, step, trained_up_to=None):
    """The final curves, figures, tables and single numbers (see the module docstring)."""
    chance = results[0].chance
    with summary_writer.as_default():
        for r in results:
            tf.summary.scalar("final/accuracy_vs_distance", r.accuracy.accuracy, step=r.distance)
            tf.summary.scalar("final/accuracy_vs_distance_low", r.accuracy.low, step=r.distance)
            tf.summary.scalar("final/accuracy_vs_distance_high", r.accuracy.high, step=r.distance)
            tf.summary.scalar("final/chance", r.chance, step=r.distance)
            if r.memoryless_loss is not None:
                tf.summary.scalar("final/memoryless_loss", r.memoryless_loss, step=r.distance)
        points = [(r.distance, r.accuracy) for r in results]
        figure = accuracy_figure({"accuracy (95% interval)": points}, chance, "distance", run_name, trained_up_to)
        write_image("final/accuracy_vs_distance_figure", figure_png(figure), step, "accuracy against distance")
        tf.summary.text("final/accuracy_vs_distance_table", distance_table(results), step=step)
        if by_attractors:
            for count, accuracy in by_attractors.items():
                tf.summary.scalar("final/accuracy_vs_attractors", accuracy.accuracy, step=count)
            figure = accuracy_figure({"accuracy (95% interval)": list(by_attractors.items())}, chance, "attractors", run_name)
            write_image("final/accuracy_vs_attractors_figure", figure_png(figure), step, "accuracy against attractors")
            table = markdown_table(["attractors", "accuracy", "95% interval", "trials"],
                                   [[count, *accuracy_cells(a)] for count, a in by_attractors.items()])
            tf.summary.text("final/accuracy_vs_attractors_table", table, step=step)
        for name, value in final_metrics.items():
            tf.summary.scalar(f"final/{name}", value, step=step)
    summary_writer.flush()


def gradient_figure(curves, title):
    """Gradient norm against lag on a log y axis, one line per curve. curves: {label: norms [T]}."""
    figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
    for label, norms in curves.items():
        norms = np.asarray(norms, dtype=float)
        shown = np.where(norms > 0, norms, np.nan)  # a zero norm has no place on a log axis
        axes.plot(np.arange(len(norms)), shown, label=label)
    axes.set_yscale("log")
    axes.set_xlabel("lag (steps before the last input)")
    axes.set_ylabel("mean |d loss(last step) / d input|")
    axes.set_title(title)
    axes.grid(alpha=0.3, which="both")
    axes.legend(loc="best", fontsize="small")
    figure.tight_layout()
    return figure


def write_gradient_probe(summary_writer, run_name, norms_by_stage, step):
    """The gradient probe of one run; norms_by_stage: {"initial": [T], "trained": [T]}, by lag."""
    with summary_writer.as_default():
        for stage, norms in norms_by_stage.items():
            for lag, norm in enumerate(norms):
                tf.summary.scalar(f"gradient/norm_by_lag_{stage}", norm, step=lag)
        figure = gradient_figure(norms_by_stage, f"{run_name}: gradient against lag")
        write_image("gradient/norm_by_lag_figure", figure_png(figure), step, "gradient norm against lag, log scale")
    summary_writer.flush()


def gate_heatmap_figure(gates, title, markers=()):
    """One panel per gate: units (rows) against time (columns), colour = activation in [0, 1].

    gates: {name: [T, u]} for one sequence; markers: [(time step, label)] drawn as vertical lines.
    """
    figure, panels = plt.subplots(len(gates), 1, figsize=(7, 1.2 + 1.6 * len(gates)), dpi=100, sharex=True, squeeze=False)
    for axes, (name, values) in zip(panels[:, 0], gates.items()):
        image = axes.imshow(np.asarray(values).T, aspect="auto", vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
        axes.set_ylabel(f"{name}\nunit")
        for position, label in markers:
            axes.axvline(position - 0.5, color="white", linestyle="--", linewidth=1)
    for position, label in markers:
        panels[0, 0].annotate(label, (position - 0.5, 1), xycoords=("data", "axes fraction"), xytext=(2, 2),
                              textcoords="offset points", fontsize="small")
    panels[-1, 0].set_xlabel("time step")
    panels[0, 0].set_title(title, pad=16)
    figure.colorbar(image, ax=panels[:, 0].tolist(), label="activation")
    return figure


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
        figure = gate_heatmap_figure(gates, f"{run_name}: gate activations along one test sequence", markers)
        write_image("gates/heatmap", figure_png(figure), step, "gate activation, unit x time step")
    summary_writer.flush()


def write_results_json(run_dir, hparams, results, by_attractors, final_metrics, steps_done, probes=None):
    """results.json: the run's settings and the final numbers, for scripts."""
    document = {
        "hparams": hparams,
        "steps": steps_done,
        "final_metrics": final_metrics,
        "by_distance": [dataclasses.asdict(r) for r in results],
        "by_attractors": {str(k): dataclasses.asdict(a) for k, a in by_attractors.items()},
        "probes": probes or {},
    }
    path = os.path.join(run_dir, RESULTS_FILE)
    with open(path + ".tmp", "w") as f:
        json.dump(document, f, indent=2, default=str)
    os.replace(path + ".tmp", path)
