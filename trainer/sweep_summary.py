"""The summary of a sweep, on disk and as a TensorBoard run of its own.

write_summary(outcomes, summary_dir) writes, from the runs' results.json and checkpoints:

    results.csv                        one row per run and evaluation distance
    summary.md                         per task: accuracy at the training distance, cell x distance;
                                       steps to solve and generalisation horizon, cell x distance;
                                       the gradient probe's decay per step of lag, per run
    accuracy_<task>.png                accuracy at the training distance against it, one line per cell
    <breakdown>_<task>.png             the task's breakdowns (agreement: attractors, nearest_noun,
                                       preamble), one line per cell (longest distance, pooled
                                       over its eval distances)
    gradient_<task>_<stage>.png        gradient norm against lag, log scale, one line per cell
                                       (stage initial or trained; the longest distance of the task)
    gates_<task>_<cell>.png            gated cells: the trained gates along one test sequence
    events.out.tfevents.*              the same figures (IMAGES), tables (TEXT) and the curves as
                                       scalars: sweep/<task>/<cell> with step = training distance,
                                       sweep/gradient_<stage>/<task>/<cell> with step = lag
"""

import csv
import os

import tensorflow as tf

from data import get_task
from trainer import evaluate, figures, probes, summaries
from trainer.model import load_model

CSV_FILE = "results.csv"
TABLE_FILE = "summary.md"
CSV_COLUMNS = (
    "task", "cell", "train_distance", "distance_mode", "steps", "steps_trained", "steps_to_solve",
    "generalisation_horizon", "units", "seed", "eval_distance", "accuracy", "low", "high", "trials", "chance", "run",
)


def accuracy_of(entry):
    """An evaluate.Accuracy from its results.json form."""
    return evaluate.Accuracy(**entry)


def accuracy_at(results, distance):
    """The test Accuracy of a run's results at one eval distance."""
    for entry in results["by_distance"]:
        if entry["distance"] == distance:
            return accuracy_of(entry["accuracy"])
    raise KeyError(f"distance {distance} was not evaluated")


def csv_rows(outcomes):
    """One dict per finished run and eval distance (CSV_COLUMNS)."""
    rows = []
    for config, run_dir, results in outcomes:
        if results is None:
            continue
        for entry in results["by_distance"]:
            accuracy = entry["accuracy"]
            rows.append({
                "task": config.task, "cell": config.cell, "train_distance": config.distance,
                "distance_mode": config.distance_mode, "steps": config.steps, "steps_trained": results["steps"],
                "steps_to_solve": "" if results["steps_to_solve"] is None else results["steps_to_solve"],
                "generalisation_horizon": int(results["final_metrics"]["generalisation_horizon"]),
                "units": config.units,
                "seed": config.seed, "eval_distance": entry["distance"], "accuracy": accuracy["accuracy"],
                "low": accuracy["low"], "high": accuracy["high"], "trials": accuracy["trials"],
                "chance": entry["chance"], "run": os.path.basename(os.path.normpath(run_dir)),
            })
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def by_task_and_cell(outcomes):
    """{task: {cell: [(config, run_dir, results)] sorted by distance}}, finished runs only."""
    grouped = {}
    for outcome in outcomes:
        config, _, results = outcome
        if results is not None:
            grouped.setdefault(config.task, {}).setdefault(config.cell, []).append(outcome)
    for cells in grouped.values():
        for runs in cells.values():
            runs.sort(key=lambda outcome: outcome[0].distance)
    return grouped


def cell_by_distance_table(cells, entry):
    """Markdown: one row per cell, one column per training distance, entry(config, results) in each."""
    distances = sorted({config.distance for runs in cells.values() for config, _, _ in runs})
    rows = []
    for cell, runs in cells.items():
        found = {config.distance: entry(config, results) for config, _, results in runs}
        rows.append([cell] + [found.get(d, "-") for d in distances])
    return summaries.markdown_table(["cell"] + [f"d={d}" for d in distances], rows)


def accuracy_table(cells):
    """Test accuracy at the training distance, cell x training distance."""
    return cell_by_distance_table(cells, lambda config, results: f"{accuracy_at(results, config.distance).accuracy:.3f}")


def solving_table(cells):
    """Steps to solve (or "not solved in N") and the generalisation horizon, cell x training distance."""
    def entry(config, results):
        solved = results["steps_to_solve"]
        steps = f"{solved} steps" if solved is not None else f"not solved in {results['steps']}"
        return f"{steps}; horizon {int(results['final_metrics']['generalisation_horizon'])}"
    return cell_by_distance_table(cells, entry)


def gradient_table(outcomes):
    rows = []
    for config, _, results in outcomes:
        gradient = (results or {}).get("probes", {}).get("gradient")
        if gradient:
            rows.append([config.task, config.cell, config.distance,
                         f"{gradient['initial_decay_per_step']:.3f}", f"{gradient['trained_decay_per_step']:.3f}"])
    return summaries.markdown_table(["task", "cell", "distance", "initial: decay per step", "trained: decay per step"], rows)


def trained_gates(config, run_dir):
    """Gates of the run's trained model on the first test sequence at its distance, over that
    sequence's own steps: ({gate: [T, u]}, the sequence's phase markers)."""
    task = config.resolved_task
    model = load_model(os.path.join(run_dir, "checkpoint.keras"))
    examples = evaluate.load_split(task, config.distance, "test", config.resolved_data_dir)
    length = int(task.inputs.lengths(examples["inputs"][:1])[0])
    gates = {name: values[0, :length] for name, values in probes.gate_activations(model, examples["inputs"][:1]).items()}
    return gates, task.phase_markers(examples, 0)


class SummaryWriter:
    """Writes each figure both as a PNG file and as a TensorBoard image."""

    def __init__(self, summary_dir):
        self.summary_dir = summary_dir
        self.events = summaries.writer(summary_dir)

    def figure(self, name, figure, description):
        png = figures.figure_png(figure)
        with open(os.path.join(self.summary_dir, f"{name}.png"), "wb") as f:
            f.write(png)
        with self.events.as_default():
            summaries.write_image(f"sweep/{name}", png, 0, description)

    def text(self, tag, markdown):
        with self.events.as_default():
            tf.summary.text(tag, markdown, step=0)

    def scalar(self, tag, value, step):
        with self.events.as_default():
            tf.summary.scalar(tag, value, step=step)


def write_task(out, task_name, cells):
    """Figures, scalars and table sections of one task; returns its markdown."""
    task = get_task(task_name)
    chance = task.chance_accuracy
    series = {}
    for cell, runs in cells.items():
        series[cell] = [(config.distance, accuracy_at(results, config.distance)) for config, _, results in runs]
        for distance, accuracy in series[cell]:
            out.scalar(f"sweep/{task.name}/{cell}", accuracy.accuracy, distance)
    title = f"{task.name}: test accuracy at the training distance"
    out.figure(f"accuracy_{task.name}", figures.accuracy_figure(series, chance, "training distance = test distance", title),
               f"{task.name}: accuracy against distance, one line per cell")
    sections = [f"## {task.name}: test accuracy at the training distance\n\n{accuracy_table(cells)}",
                f"## {task.name}: steps to solve (validation accuracy >= {task.solved_accuracy:g} at the distance trained "
                f"on) and generalisation horizon (the longest test distance at or above it)\n\n"
                f"{solving_table(cells)}"]

    longest = {cell: runs[-1] for cell, runs in cells.items()}
    for breakdown in task.breakdowns:
        breakdown_series = {
            f"{cell} (d={config.distance})": [(int(k), accuracy_of(a)) for k, a in results["breakdowns"][breakdown.name].items()]
            for cell, (config, _, results) in longest.items()
        }
        title = f"{task.name}: accuracy against {breakdown.title}"
        out.figure(f"{breakdown.name}_{task.name}",
                   figures.accuracy_figure(breakdown_series, chance, breakdown.title, title, tick_label=breakdown.label,
                                           connect=breakdown.ordered),
                   f"{task.name}: accuracy against {breakdown.title} (pooled over eval distances), one line per cell")
    for stage in ("initial", "trained"):
        curves = {}
        for cell, (config, _, results) in longest.items():
            norms = results.get("probes", {}).get("gradient", {}).get(f"{stage}_norm_by_lag")
            if norms:
                curves[f"{cell} (d={config.distance})"] = norms
                for lag, norm in enumerate(norms):
                    out.scalar(f"sweep/gradient_{stage}/{task.name}/{cell}", norm, lag)
        if curves:
            figure = figures.gradient_figure(curves, f"{task.name}: gradient against lag, {stage} model")
            out.figure(f"gradient_{task.name}_{stage}", figure, f"{task.name}: gradient norm against lag ({stage}), log scale")
    for cell, (config, run_dir, results) in longest.items():
        if "gates" in results.get("probes", {}):  # a gated cell
            gates, markers = trained_gates(config, run_dir)
            title = f"{task.name}, {cell}, d={config.distance}: gates along one test sequence"
            figure = figures.gate_heatmap_figure(gates, title, markers)
            out.figure(f"gates_{task.name}_{cell}", figure, f"{task.name}, {cell}: trained gate activations, unit x time step")
    return "\n\n".join(sections)


def figure_paths(summary_dir):
    """The summary's PNG figures, sorted by name (accuracy_*, <breakdown>_*, gates_*, gradient_*)."""
    return sorted(os.path.join(summary_dir, name) for name in os.listdir(summary_dir) if name.endswith(".png"))


def write_summary(outcomes, summary_dir):
    """Writes the summary of [(config, run_dir, results or None)] to summary_dir; returns summary_dir."""
    os.makedirs(summary_dir, exist_ok=True)
    for name in os.listdir(summary_dir):  # one summary per sweep: replace the previous one
        if name.startswith("events.out.tfevents") or name.endswith(".png"):
            os.remove(os.path.join(summary_dir, name))
    write_csv(os.path.join(summary_dir, CSV_FILE), csv_rows(outcomes))
    out = SummaryWriter(summary_dir)
    sections = [write_task(out, task, cells) for task, cells in by_task_and_cell(outcomes).items()]
    diverged = [f"{c.task} {c.cell} d={c.distance}" for c, _, results in outcomes if results is None]
    if diverged:
        sections.append("## diverged (no results)\n\n" + "\n".join(f"- {name}" for name in diverged))
    sections.append("## gradient probe: mean factor by which the gradient norm shrinks per step of lag\n\n"
                    + gradient_table(outcomes))
    markdown = "\n\n".join(sections) + "\n"
    with open(os.path.join(summary_dir, TABLE_FILE), "w") as f:
        f.write(markdown)
    out.text("sweep/summary", markdown)
    out.events.flush()
    out.events.close()
    return summary_dir

