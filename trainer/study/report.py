"""The report of a memory-horizon search: horizon.json, the tables, the figures and the
TensorBoard run, all from the searches' probes (trainer.study.search).

    <logdir>/horizon.json            settings, the grid, and per cell: the learning rate chosen
                                     (with every rate's score), the share of seeds solving each
                                     distance, the horizon with its 95% interval at every
                                     budget, whether it is still rising, each seed's longest
                                     solved distance and every probe (with its test accuracy
                                     at every distance evaluated), the probes that break
                                     monotonicity, and the first looks the second look rejected
    <logdir>/summary/horizon.md      the same as tables
    <logdir>/summary/horizon_<task>.png, fractions_<task>.png, budget_<task>.png, steps_<task>.png
    <logdir>/summary/ (TensorBoard)  the figures (IMAGES), the tables (TEXT); sub-runs by_budget
                                     (horizon/<task>/<cell>, step = budget) and by_distance
                                     (solved_fraction/<task>/<cell> and steps_to_solve/<task>/<cell>,
                                     step = distance); cells/<task>-<cell>: each cell as an HParams
                                     session whose metric is its horizon
"""

import json
import math
import os
import shutil
import statistics

from common.files import write_json_atomically, writing
from common.quiet_tensorflow import import_tensorflow
from trainer.dashboards import figures, horizon_figures
from trainer.dashboards.hparams import hparams_of
from trainer.dashboards.summary_dir import SummaryDirectory
from trainer.dashboards.tables import damaged_section, markdown_table
from trainer.rundir import damaged_files
from trainer.study import search

tf = import_tensorflow()
from tensorboard.plugins.hparams import api as hp  # noqa: E402

HORIZON_FILE = "horizon.json"
TABLE_FILE = "horizon.md"
SUMMARY_DIR = "summary"  # the search's own TensorBoard runs: figures, tables, horizon by budget


def format_distance(value, kind, start, longest):
    """'23.8' (or '24' when whole), '>= 160' for at least the longest, '< 5' for below start."""
    if kind == search.BELOW or value <= 0:
        return f"< {start}"
    if kind == search.AT_LEAST or value >= longest:
        return f">= {longest}"
    if float(value).is_integer() or value >= 10:
        return f"{value:.0f}"
    return f"{value:.1f}"


def format_horizon(horizon, start, longest):
    """'23.8 (8.9 to 40)': the estimate and its 95% interval over seeds."""
    text = format_distance(horizon.value, horizon.kind, start, longest)
    low = format_distance(horizon.low, search.BELOW if horizon.low <= 0 else search.EXACT, start, longest)
    high = format_distance(horizon.high, search.AT_LEAST if horizon.high >= longest else search.EXACT, start, longest)
    return text if low == high == text else f"{text} ({low} to {high})"


def horizon_entry(horizon, start, longest):
    return {"value": round(horizon.value, 2), "kind": horizon.kind, "low": round(horizon.low, 2),
            "high": round(horizon.high, 2), "text": format_horizon(horizon, start, longest)}


def finite_or_none(value):
    return value if value is not None and math.isfinite(value) else None


def probe_entry(probe):
    return {"distance": probe.distance, "learning_rate": probe.learning_rate, "solved": probe.solved,
            "steps_to_solve": probe.steps_to_solve, "rejected_looks": probe.rejected_looks,
            "accuracy": probe.accuracy, "by_distance": {str(d): a for d, a in probe.by_distance},
            "final_loss": finite_or_none(probe.final_loss), "diverged": probe.diverged, "run": probe.run}


def rate_choice(cell_search):
    """Every offered rate's score at the start distance: [{rate, solved, median_steps, mean_final_loss}]."""
    if len(cell_search.learning_rates) == 1:
        return []
    rows = []
    for rate in cell_search.learning_rates:
        probes = [cell_search.probes[(s, cell_search.grid[0], rate)] for s in cell_search.seeds]
        steps = statistics.median(p.steps_to_solve if p.solved else float("inf") for p in probes)
        loss = statistics.fmean(p.final_loss for p in probes)
        rows.append({"rate": rate, "solved": sum(p.solved for p in probes), "median_steps": finite_or_none(steps),
                     "mean_final_loss": None if not math.isfinite(loss) else round(loss, 4)})
    return rows


def cell_entry(task, label, cell_search, budget, start, longest, resolution):
    """One cell's part of horizon.json (see the module docstring)."""
    distances = cell_search.distances()
    by_budget = [(b, search.estimate(distances, cell_search.solved_matrix(b))) for b in search.budgets(budget)]
    horizon = by_budget[-1][1]
    rate = cell_search.learning_rate
    return {
        "task": task, "cell": label, "learning_rate": rate, "rate_choice": rate_choice(cell_search),
        "distances": distances, "fractions": list(horizon.fractions),
        "horizon": horizon_entry(horizon, start, longest),
        "budgets": [{"budget": b, **horizon_entry(h, start, longest)} for b, h in by_budget],
        "status": search.budget_status(by_budget, resolution),
        "seeds": [{"seed": seed, "last_solved": search.last_solved(cell_search, seed),
                   "probes": [probe_entry(p) for (s, _, _), p in sorted(cell_search.probes.items()) if s == seed]}
                  for seed in cell_search.seeds],
        "breaks": [{"seed": s, "failed": f, "solved": d} for s, f, d in search.monotonicity_breaks(cell_search)],
        "probes": len(cell_search.probes),
    }


def first_looks(cells):
    """How many probes passed a first look that the second look rejected, and what became of them."""
    probes = [p for cell in cells for seed in cell["seeds"] for p in seed["probes"]]
    rejected = [p for p in probes if p["rejected_looks"]]
    return {"probes": len(probes), "with_a_rejected_first_look": len(rejected),
            "confirmed_later": sum(p["solved"] for p in rejected),
            "never_confirmed": sum(not p["solved"] for p in rejected)}


def document(searches, settings, failed, probes_trained, wall_seconds, pending=(), damaged=()):
    """The horizon.json document; searches: {(task, label): CellSearch} of the cells done; pending:
    [{task, cell, probes}] the cells an interrupted search had not finished; damaged: the files and
    probes moved aside as damaged (trainer.rundir.damaged_files), each trained again."""
    bounds = settings["bounds"]
    cells = [cell_entry(task, label, cell_search, settings["steps"][task], bounds["start"], bounds["longest"],
                        bounds["resolution"])
             for (task, label), cell_search in searches.items() if cell_search.learning_rate is not None]
    return {"settings": settings, "cells": cells, "first_looks": first_looks(cells), "failed": failed,
            "pending": list(pending), "damaged": list(damaged), "probes_trained": probes_trained,
            "wall_seconds": round(wall_seconds, 1)}


STATUS_WORDS = {"budget-bound": "still rising: budget-bound", "flat": "flat over the last doubling",
                "range-bound": "solved the longest distance", "below start": "not solved at the first distance"}


def horizon_table(doc):
    """Markdown: per task, one row per cell."""
    settings, sections = doc["settings"], []
    bounds = settings["bounds"]
    for task in dict.fromkeys(cell["task"] for cell in doc["cells"]):
        cells = [cell for cell in doc["cells"] if cell["task"] == task]
        budget_header = [f"at {b['budget']} steps" for b in cells[0]["budgets"][:-1]]
        rows = []
        for cell in cells:
            seeds = ", ".join(format_distance(s["last_solved"], search.EXACT if s["last_solved"] else search.BELOW,
                                              bounds["start"], bounds["longest"]) for s in cell["seeds"])
            breaks = "; ".join(f"seed {b['seed']} failed {b['failed']}, solved {b['solved']}" for b in cell["breaks"])
            rows.append([cell["cell"], f"{cell['learning_rate']:g}", cell["horizon"]["text"],
                         *[b["text"] for b in cell["budgets"][:-1]], STATUS_WORDS[cell["status"]], seeds,
                         cell["probes"], breaks or "none"])
        sections.append(
            f"## {task}: memory horizon at {settings['steps'][task]} steps per probe\n\n"
            f"The distance at which half of {len(settings['seeds'])} seeds solve it (validation accuracy >= "
            f"{settings['solved_accuracy'][task]:g}, confirmed on the test split), with its 95% interval over seeds; "
            f"probes trained at {settings['probe_distances']} distances on the grid {bounds['start']}..."
            f"{bounds['longest']} (ratio {1 + bounds['resolution']:g}).\n\n"
            + markdown_table(["cell", "learning rate", "horizon (95% interval)", *budget_header,
                                        "at the full budget", "each seed's longest solved", "probes",
                                        "probes out of order"], rows))
    if doc["pending"]:
        sections.append("Interrupted before these cells were done (the same command resumes them): "
                        + ", ".join(f"{p['task']} {p['cell']} ({p['probes']} probes so far)" for p in doc["pending"]) + ".")
    if doc.get("damaged"):
        sections.append(damaged_section(doc["damaged"]))
    looks = doc["first_looks"]
    sections.append(f"First looks: {looks['with_a_rejected_first_look']} of {looks['probes']} probes passed the "
                    f"threshold on validation and failed it on the test split at that step; "
                    f"{looks['confirmed_later']} of them were confirmed later, {looks['never_confirmed']} never.")
    return "\n\n".join(sections) + "\n"


def write_report(searches, settings, failed, probes_trained, wall_seconds, logdir, pending=()):
    """Writes horizon.json to logdir and the tables, figures and TensorBoard run to logdir/summary; returns the document."""
    with writing("the search's report", logdir):
        return _write_report(searches, settings, failed, probes_trained, wall_seconds, logdir, pending)


def _write_report(searches, settings, failed, probes_trained, wall_seconds, logdir, pending):
    doc = document(searches, settings, failed, probes_trained, wall_seconds, pending, damaged_files(logdir))
    write_json_atomically(os.path.join(logdir, HORIZON_FILE), doc)
    summary_dir = os.path.join(logdir, SUMMARY_DIR)
    out = SummaryDirectory(summary_dir, prefix="horizon")  # one report per search: replaces the previous one
    markdown = horizon_table(doc)
    with open(os.path.join(summary_dir, TABLE_FILE), "w") as f:
        f.write(markdown)
    bounds = settings["bounds"]
    start, longest = bounds["start"], bounds["longest"]
    for task in dict.fromkeys(cell["task"] for cell in doc["cells"]):
        cells = [cell for cell in doc["cells"] if cell["task"] == task]
        suffix = f"{task}, {len(settings['seeds'])} seeds, {settings['probe_distances']} distances"
        horizons = {c["cell"]: (_horizon(c["horizon"]), [s["last_solved"] for s in c["seeds"]]) for c in cells}
        out.figure(f"horizon_{task}", horizon_figures.horizon_figure(
            horizons, f"memory horizon: {suffix}, {settings['steps'][task]} steps", start, longest),
            f"{task}: where half the seeds solve, with its 95% interval, and each seed's longest solved distance")
        out.figure(f"fractions_{task}", horizon_figures.fraction_figure(
            {c["cell"]: (c["distances"], c["fractions"]) for c in cells}, f"seeds that solve each distance: {suffix}"),
            f"{task}: the share of seeds that solved each distance probed")
        out.figure(f"budget_{task}", horizon_figures.budget_figure(
            {c["cell"]: [(b["budget"], _horizon(b)) for b in c["budgets"]] for c in cells},
            f"horizon against the step budget: {suffix}", start, longest),
            f"{task}: the horizon at budgets B/16 to B, from the same probes")
        steps = {}
        for cell in cells:
            solved = {}
            for seed in cell["seeds"]:
                for probe in seed["probes"]:
                    if probe["solved"] and probe["learning_rate"] == cell["learning_rate"]:
                        solved.setdefault(probe["distance"], []).append(probe["steps_to_solve"])
            steps[cell["cell"]] = sorted(solved.items())
            for distance, values in sorted(solved.items()):
                out.scalar(f"steps_to_solve/{task}/{cell['cell']}", statistics.median(values), distance, "distance")
            for distance, fraction in zip(cell["distances"], cell["fractions"]):
                out.scalar(f"solved_fraction/{task}/{cell['cell']}", fraction, distance, "distance")
            for entry in cell["budgets"]:
                out.scalar(f"horizon/{task}/{cell['cell']}", entry["value"], entry["budget"], "budget")
        steps = {label: points for label, points in steps.items() if points}
        if steps:
            out.figure(f"steps_{task}", figures.steps_figure(steps, "training distance", "steps to solve",
                                                             f"steps to solve (confirmed): {suffix}",
                                                             settings["steps"][task]),
                       f"{task}: steps to solve against distance, the probes that solved it")
    out.text("horizon/summary", markdown)
    out.close()
    write_cell_sessions(doc, summary_dir)
    return doc


def _horizon(entry):
    return search.Horizon(entry["value"], entry["kind"], entry["low"], entry["high"], ())


def write_cell_sessions(doc, summary_dir):
    """Each cell as an HParams session (sub-run cells/<task>-<cell>) with its settings and its
    horizon (metric horizon/horizon, at step = the budget per probe)."""
    cells_dir = os.path.join(summary_dir, "cells")
    if os.path.isdir(cells_dir):
        shutil.rmtree(cells_dir)
    settings = doc["settings"]
    options = ",".join(f"{k}={v}" for k, v in sorted(settings["cell_options"].items())) or "default"
    for cell in doc["cells"]:
        name = f"{cell['task']}-{cell['cell'].replace(' ', '')}"
        budget = settings["steps"][cell["task"]]
        writer = tf.summary.create_file_writer(os.path.join(cells_dir, name))
        with writer.as_default():
            hp.hparams(hparams_of({
                "task": cell["task"], "cell": cell["cell"].split(" ")[0], "cell_options": options, "steps": budget,
                "units": settings["units"], "learning_rate": cell["learning_rate"], "seed": settings["seeds"][0]}),
                trial_id=f"horizon {name}")
            tf.summary.scalar("horizon/horizon", cell["horizon"]["value"], step=budget)
        writer.close()


def read(logdir):
    """The horizon.json of a search."""
    with open(os.path.join(logdir, HORIZON_FILE)) as f:
        return json.load(f)
