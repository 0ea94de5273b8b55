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
                                       (the first seed)
    events.out.tfevents.*              the same figures (IMAGES) and tables (TEXT)
    by_distance/, by_lag/              the curves as scalars, in a sub-run per x axis:
                                       sweep/<task>/<cell> with step = training distance,
                                       sweep/gradient_<stage>/<task>/<cell> with step = lag

A grid point trained from several seeds is one entry of each table and figure: the median
over its seeds with the lowest and highest beside it (trainer.study.seeds.Spread), each seed's
point drawn faintly in the figures; the scalars are the medians; results.csv keeps one row
per seed.
"""

import csv
import os

import numpy as np

from common.files import writing
from data import get_task
from trainer import evaluate, probes
from trainer.dashboards import figures
from trainer.dashboards.summary_dir import SummaryDirectory
from trainer.dashboards.tables import damaged_section, markdown_table
from trainer.model import load_model
from trainer.study.seeds import Spread

CSV_FILE = "results.csv"
TABLE_FILE = "summary.md"
CSV_COLUMNS = (
    "task", "cell", "train_distance", "distance_mode", "steps", "steps_trained", "steps_to_solve",
    "generalisation_horizon", "units", "seed", "eval_distance", "accuracy", "low", "high", "trials", "chance", "run",
)


def csv_rows(outcomes):
    """One dict per finished run and eval distance (CSV_COLUMNS)."""
    rows = []
    for config, run_dir, results in outcomes:
        if results is None:
            continue
        for entry in results.by_distance:
            accuracy = entry.accuracy
            rows.append({
                "task": config.task, "cell": config.cell, "train_distance": config.distance,
                "distance_mode": config.distance_mode, "steps": config.steps, "steps_trained": results.steps,
                "steps_to_solve": "" if results.steps_to_solve is None else results.steps_to_solve,
                "generalisation_horizon": int(results.final_metrics["generalisation_horizon"]),
                "units": config.units,
                "seed": config.seed, "eval_distance": entry.distance, "accuracy": accuracy.accuracy,
                "low": accuracy.low, "high": accuracy.high, "trials": accuracy.trials,
                "chance": entry.chance, "run": os.path.basename(os.path.normpath(run_dir)),
            })
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def by_task_and_cell(outcomes):
    """{task: {cell: {training distance: [(config, run_dir, results)] one per seed, by seed}}},
    finished runs only, distances in increasing order."""
    grouped = {}
    for outcome in outcomes:
        config, _, results = outcome
        if results is not None:
            grouped.setdefault(config.task, {}).setdefault(config.cell, {}).setdefault(config.distance, []).append(outcome)
    for task, cells in grouped.items():
        for cell, by_distance in cells.items():
            cells[cell] = {d: sorted(runs, key=lambda o: o[0].seed) for d, runs in sorted(by_distance.items())}
    return grouped


def cell_by_distance_table(cells, entry):
    """Markdown: one row per cell, one column per training distance, entry(seed runs) in each,
    seed runs [(config, run_dir, results)] of that cell and distance."""
    distances = sorted({d for by_distance in cells.values() for d in by_distance})
    rows = [[cell] + [entry(by_distance[d]) if d in by_distance else "-" for d in distances]
            for cell, by_distance in cells.items()]
    return markdown_table(["cell"] + [f"d={d}" for d in distances], rows)


def accuracy_table(cells):
    """Test accuracy at the training distance, cell x training distance: median (lowest-highest) over seeds."""
    return cell_by_distance_table(cells, lambda runs: Spread.of(
        results.at(config.distance).accuracy.accuracy for config, _, results in runs).format(".3f"))


def solving_table(cells):
    """Steps to solve and the generalisation horizon, cell x training distance, over seeds:
    "1500 steps; horizon 40" for one seed, "1500 (1000-2500) steps, 2/3 solved; horizon 40 (20-50)"
    for several (the steps of the seeds that solved it), "not solved in N" when none did."""
    def entry(runs):
        solved = [results.steps_to_solve for _, _, results in runs if results.solved]
        budget = max(results.steps for _, _, results in runs)
        steps = f"{Spread.of(solved).format('.0f')} steps" if solved else f"not solved in {budget}"
        if solved and len(runs) > 1:
            steps += f", {len(solved)}/{len(runs)} solved"
        horizon = Spread.of(results.final_metrics["generalisation_horizon"] for _, _, results in runs)
        return f"{steps}; horizon {horizon.format('.0f')}"
    return cell_by_distance_table(cells, entry)


def gradient_table(outcomes):
    rows = []
    for config, _, results in outcomes:
        gradient = results.probes.get("gradient") if results else None
        if gradient:
            rows.append([config.task, config.cell, config.distance, config.seed,
                         f"{gradient['initial_decay_per_step']:.3f}", f"{gradient['trained_decay_per_step']:.3f}"])
    return markdown_table(["task", "cell", "distance", "seed", "initial: decay per step",
                                     "trained: decay per step"], rows)


def trained_gates(config, run_dir):
    """Gates of the run's trained model on the first test sequence at its distance, over that
    sequence's own steps: ({gate: [T, u]}, the sequence's phase markers)."""
    task = config.resolved_task
    model = load_model(os.path.join(run_dir, "checkpoint.keras"))
    examples = evaluate.load_split(task, config.distance, "test", config.resolved_data_dir)
    length = int(task.inputs.lengths(examples["inputs"][:1])[0])
    gates = {name: values[0, :length] for name, values in probes.gate_activations(model, examples["inputs"][:1]).items()}
    return gates, task.phase_markers(examples, 0)


def seeds_note(cells):
    """' (median and lowest-highest of N seeds)' when the runs have several seeds, else ''."""
    counts = {len(runs) for by_distance in cells.values() for runs in by_distance.values()}
    return f" (median and lowest-highest of {max(counts)} seeds)" if max(counts) > 1 else ""


def write_task(out, task_name, cells):
    """Figures, scalars and table sections of one task; returns its markdown.

    cells: {cell: {distance: seed runs}} (by_task_and_cell). The accuracy figure and scalars
    cover every distance and seed; the breakdowns, gradients and gates are those of each
    cell's longest distance (the breakdowns and gradients over its seeds, the gates of its
    first seed).
    """
    task = get_task(task_name)
    chance = task.chance_accuracy
    series = {}
    for cell, by_distance in cells.items():
        series[cell] = [(d, [results.at(d).accuracy for _, _, results in runs]) for d, runs in by_distance.items()]
        for distance, accuracies in series[cell]:
            out.scalar(f"sweep/{task.name}/{cell}", Spread.of(a.accuracy for a in accuracies).median, distance,
                       "distance")
    title = f"{task.name}: test accuracy at the training distance"
    out.figure(f"accuracy_{task.name}", figures.accuracy_figure(series, chance, "training distance = test distance", title,
                                                                threshold=task.solved_accuracy),
               f"{task.name}: accuracy against distance, one line per cell")
    note = seeds_note(cells)
    sections = [f"## {task.name}: test accuracy at the training distance{note}\n\n{accuracy_table(cells)}",
                f"## {task.name}: steps to solve (validation accuracy >= {task.solved_accuracy:g} at the distance trained "
                f"on) and generalisation horizon (the longest test distance at or above it){note}\n\n"
                f"{solving_table(cells)}"]

    longest = {cell: (max(by_distance), by_distance[max(by_distance)]) for cell, by_distance in cells.items()}
    for breakdown in task.breakdowns:
        breakdown_series = {}
        for cell, (distance, runs) in longest.items():
            per_seed = [results.breakdowns[breakdown.name] for _, _, results in runs]
            categories = sorted({k for entries in per_seed for k in entries})
            breakdown_series[f"{cell} (d={distance})"] = [
                (k, [entries[k] for entries in per_seed if k in entries]) for k in categories]
        title = f"{task.name}: accuracy against {breakdown.title}"
        out.figure(f"{breakdown.name}_{task.name}",
                   figures.accuracy_figure(breakdown_series, chance, breakdown.title, title, tick_label=breakdown.label,
                                           connect=breakdown.ordered),
                   f"{task.name}: accuracy against {breakdown.title} (pooled over eval distances), one line per cell")
    for stage in ("initial", "trained"):
        curves = {}
        for cell, (distance, runs) in longest.items():
            per_seed = [results.probes.get("gradient", {}).get(f"{stage}_norm_by_lag") for _, _, results in runs]
            per_seed = [norms for norms in per_seed if norms]
            if per_seed:
                curves[f"{cell} (d={distance})"] = per_seed
                for lag, norm in enumerate(np.median(np.asarray(per_seed, dtype=float), axis=0)):
                    out.scalar(f"sweep/gradient_{stage}/{task.name}/{cell}", norm, lag, "lag")
        if curves:
            figure = figures.gradient_figure(curves, f"{task.name}: gradient against lag, {stage} model")
            out.figure(f"gradient_{task.name}_{stage}", figure, f"{task.name}: gradient norm against lag ({stage}), log scale")
    for cell, (distance, runs) in longest.items():
        config, run_dir, results = runs[0]
        if "gates" in results.probes:  # a gated cell
            gates, markers = trained_gates(config, run_dir)
            title = f"{task.name}, {cell}, d={config.distance}, seed {config.seed}: gates along one test sequence"
            figure = figures.gate_heatmap_figure(gates, title, markers)
            out.figure(f"gates_{task.name}_{cell}", figure, f"{task.name}, {cell}: trained gate activations, unit x time step")
    return "\n\n".join(sections)


def figure_paths(summary_dir):
    """The summary's PNG figures, sorted by name (accuracy_*, <breakdown>_*, gates_*, gradient_*)."""
    return sorted(os.path.join(summary_dir, name) for name in os.listdir(summary_dir) if name.endswith(".png"))


def write_summary(outcomes, summary_dir, damaged=()):
    """Writes the summary of [(config, run_dir, results or None)] to summary_dir, with the damaged
    files and runs moved aside (trainer.rundir.damaged_files) listed; returns summary_dir."""
    with writing("the sweep's summary", summary_dir):
        return _write_summary(outcomes, summary_dir, damaged)


def _write_summary(outcomes, summary_dir, damaged):
    out = SummaryDirectory(summary_dir)  # one summary per sweep: replaces the previous one
    write_csv(os.path.join(summary_dir, CSV_FILE), csv_rows(outcomes))
    sections = [write_task(out, task, cells) for task, cells in by_task_and_cell(outcomes).items()]
    diverged = [f"{c.task} {c.cell} d={c.distance}" for c, _, results in outcomes if results is None]
    if diverged:
        sections.append("## diverged (no results)\n\n" + "\n".join(f"- {name}" for name in diverged))
    if damaged:
        sections.append("## " + damaged_section(damaged))
    sections.append("## gradient probe: mean factor by which the gradient norm shrinks per step of lag\n\n"
                    + gradient_table(outcomes))
    markdown = "\n\n".join(sections) + "\n"
    with open(os.path.join(summary_dir, TABLE_FILE), "w") as f:
        f.write(markdown)
    out.text("sweep/summary", markdown)
    out.close()
    return summary_dir

