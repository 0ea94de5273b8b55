"""The report of a memory-horizon search: horizon.json, the tables, the figures and the
TensorBoard run, all from the searches' probes (trainer.study.search).

    <logdir>/horizon.json            settings, the grid, and per cell: the learning rate chosen
                                     (with every rate's score), the share of seeds solving each
                                     distance, the horizon with its 95% interval at every
                                     budget, whether it is still rising, how far the solutions
                                     hold (retention), each seed's longest solved distance and
                                     every probe (with its test accuracy
                                     at every distance evaluated), the probes that break
                                     monotonicity, and the first looks the second look rejected
    <logdir>/summary/horizon.md      the same as tables
    <logdir>/summary/horizon_<task>.png, fractions_<task>.png, budget_<task>.png, steps_<task>.png,
                                     retention_<task>.png, and capacity_<task>.png when the
                                     search has several sizes (a capacity table in horizon.md)
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


def retention_entry(retention, start, longest):
    """horizon.json's retention of a cell: the median over seeds, its interval, and each seed's."""
    def text(value):
        return format_distance(value, search.EXACT if value > 0 else search.BELOW, start, math.inf)
    interval = "" if text(retention.low) == text(retention.high) == text(retention.value) else (
        f" ({text(retention.low)} to {text(retention.high)})")
    capped = sum(at_least for held, _, at_least in retention.seeds if held)
    return {"value": retention.value, "low": retention.low, "high": retention.high,
            "text": text(retention.value) + interval, "seeds_at_the_climb_s_end": capped,
            "seeds": [{"holds_to": held, "trained": trained, "at_least": at_least}
                      for held, trained, at_least in retention.seeds]}


def cell_entry(key, cell_search, budget, threshold, start, longest, resolution):
    """One cell's part of horizon.json (see the module docstring); key: trainer.study.horizon.CellKey."""
    distances = cell_search.distances()
    by_budget = [(b, search.estimate(distances, cell_search.solved_matrix(b))) for b in search.budgets(budget)]
    horizon = by_budget[-1][1]
    rate = cell_search.learning_rate
    return {
        "task": key.task, "cell": key.label, "units": key.units, "name": key.name, "learning_rate": rate,
        "rate_choice": rate_choice(cell_search), "distances": distances, "fractions": list(horizon.fractions),
        "horizon": horizon_entry(horizon, start, longest),
        "retention": retention_entry(search.retention(cell_search, threshold), start, longest),
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
    """The horizon.json document; searches: {CellKey: CellSearch} of the cells done; pending:
    [{task, cell, probes}] the cells an interrupted search had not finished; damaged: the files and
    probes moved aside as damaged (trainer.rundir.damaged_files), each trained again."""
    bounds = settings["bounds"]
    cells = [cell_entry(key, cell_search, settings["steps"][key.task], settings["solved_accuracy"][key.task],
                        bounds["start"], bounds["longest"], bounds["resolution"])
             for key, cell_search in searches.items() if cell_search.learning_rate is not None]
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
            rows.append([cell["name"], f"{cell['learning_rate']:g}", cell["horizon"]["text"],
                         *[b["text"] for b in cell["budgets"][:-1]], STATUS_WORDS[cell["status"]],
                         retention_text(cell["retention"]), seeds, cell["probes"], breaks or "none"])
        sections.append(
            f"## {task}: memory horizon at {settings['steps'][task]} steps per probe\n\n"
            f"The distance at which half of {len(settings['seeds'])} seeds solve it (validation accuracy >= "
            f"{settings['solved_accuracy'][task]:g}, confirmed on the test split), with its 95% interval over seeds; "
            f"probes trained at {settings['probe_distances']} distances on the grid {bounds['start']}..."
            f"{bounds['longest']} (ratio {1 + bounds['resolution']:g}), {units_words(settings['units'])}. "
            f"Holds to: how far the solutions hold once learned, each solved probe evaluated on the test split up "
            f"the ladder to {search.RETENTION_REACH} times its distance (the median over seeds of each seed's "
            f"longest, with its 95% interval).\n\n"
            + markdown_table(["cell", "learning rate", "horizon (95% interval)", *budget_header,
                              "at the full budget", "holds to", "each seed's longest solved", "probes",
                              "probes out of order"], rows))
        if len(settings["units"]) > 1:
            sections.append(capacity_section(task, cells, settings, bounds))
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


def units_words(units):
    return f"{units[0]} units" if len(units) == 1 else f"at {', '.join(map(str, units))} units"


def retention_text(entry):
    """'420 (200 to 3200); 2 of 5 seeds held at the climb's end'."""
    capped = entry["seeds_at_the_climb_s_end"]
    return entry["text"] + (f"; {capped} of {len(entry['seeds'])} seeds still held at the climb's end" if capped else "")


def _rank(horizon, longest):
    """A horizon as a number to compare: 0 below start, longest at least it."""
    return 0.0 if horizon["kind"] == search.BELOW else longest if horizon["kind"] == search.AT_LEAST else horizon["value"]


def capacity_state(by_units, status_at_largest, resolution, longest):
    """Whether a cell's horizon at the full budget moves with its size, its budget, both or neither.
    by_units: [(units, horizon entry)] ascending; status_at_largest: budget_status at the largest size.
    It moves with units when the largest size's horizon is more than one grid step (1 + resolution)
    above the smallest's (or below it: a larger cell that learns less far within the budget is said
    so, not hidden); with steps when the largest size is still rising at the budget."""
    if status_at_largest == "range-bound":
        return "solved the longest distance"
    smallest, largest = _rank(by_units[0][1], longest), _rank(by_units[-1][1], longest)
    if largest == smallest == 0:
        return "not solved at the first distance at any size"
    with_units = largest > (1 + resolution) * smallest
    with_steps = status_at_largest == "budget-bound"
    if smallest > (1 + resolution) * largest:
        return ("budget-bound: rises with steps; lower at the larger size" if with_steps else
                "neither: flat in steps; lower at the larger size")
    if with_units and with_steps:
        return "capacity- and budget-bound: rises with units and with steps"
    if with_units:
        return "capacity-bound: rises with units, flat in steps"
    if with_steps:
        return "budget-bound: rises with steps, not with units"
    return "neither: flat in units and in steps (the cell's limit at these settings)"


def capacity_rows(cells):
    """[(label, [(units, cell entry)])] per cell, sizes ascending."""
    by_label = {}
    for cell in cells:
        by_label.setdefault(cell["cell"], []).append((cell["units"], cell))
    return [(label, sorted(entries, key=lambda entry: entry[0])) for label, entries in by_label.items()]


def calibrated_units(task_cells):
    """The smallest size at which some cell's horizon reaches the first distance (half its seeds
    solve it within the budget), and that cell; (None, None) if none does."""
    reached = [(cell["units"], cell["cell"]) for cell in task_cells if cell["horizon"]["kind"] != search.BELOW]
    return min(reached, default=(None, None))


def capacity_section(task, cells, settings, bounds):
    """Markdown: per cell, the horizon at the full budget at each size, and what bounds it."""
    sizes = settings["units"]
    rows = []
    for label, entries in capacity_rows(cells):
        found = dict(entries)
        missing = [u for u in sizes if u not in found]
        if missing:  # an interrupted search: no comparison until every size is done
            state = f"not known yet: {', '.join(map(str, missing))} units not done"
        else:
            state = capacity_state([(u, c["horizon"]) for u, c in entries], entries[-1][1]["status"],
                                   bounds["resolution"], bounds["longest"])
        rows.append([label, *[found[u]["horizon"]["text"] if u in found else "" for u in sizes],
                     *[found[u]["retention"]["text"] if u in found else "" for u in sizes], state])
    units, best = calibrated_units(cells)
    rule = (f"The smallest size at which a cell solves d = {bounds['start']} with half its seeds within the budget: "
            f"{units} units ({best})." if units else
            f"No cell solves d = {bounds['start']} with half its seeds at any size searched.")
    return (f"### {task}: capacity, the horizon at {settings['steps'][task]} steps against the size\n\n"
            f"Capacity-bound: the horizon at the largest size is more than one grid step (x{1 + bounds['resolution']:g}) "
            f"above the smallest's; budget-bound: at the largest size it is still rising at the full budget. "
            f"{rule}\n\n"
            + markdown_table(["cell", *[f"horizon, {u} units" for u in sizes], *[f"holds to, {u} units" for u in sizes],
                              "what bounds it"], rows))


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
        horizons = {c["name"]: (_horizon(c["horizon"]), [s["last_solved"] for s in c["seeds"]]) for c in cells}
        out.figure(f"horizon_{task}", horizon_figures.horizon_figure(
            horizons, f"memory horizon: {suffix}, {settings['steps'][task]} steps", start, longest),
            f"{task}: where half the seeds solve, with its 95% interval, and each seed's longest solved distance")
        out.figure(f"fractions_{task}", horizon_figures.fraction_figure(
            {c["name"]: (c["distances"], c["fractions"]) for c in cells}, f"seeds that solve each distance: {suffix}"),
            f"{task}: the share of seeds that solved each distance probed")
        out.figure(f"budget_{task}", horizon_figures.budget_figure(
            {c["name"]: [(b["budget"], _horizon(b)) for b in c["budgets"]] for c in cells},
            f"horizon against the step budget: {suffix}", start, longest),
            f"{task}: the horizon at budgets B/16 to B, from the same probes")
        out.figure(f"retention_{task}", horizon_figures.retention_figure(
            {c["name"]: (_horizon(c["horizon"]), c["retention"]) for c in cells},
            f"how far it learns and how far it holds: {suffix}", start, longest),
            f"{task}: the horizon (where half the seeds learn) beside how far the learned solutions hold")
        if len(settings["units"]) > 1:
            out.figure(f"capacity_{task}", horizon_figures.budget_figure(
                {label: [(u, _horizon(c["horizon"])) for u, c in entries] for label, entries in capacity_rows(cells)},
                f"horizon against the size at {settings['steps'][task]} steps: {suffix}", start, longest,
                x_label="hidden units"),
                f"{task}: the horizon at the full budget at each size searched")
        steps = {}
        for cell in cells:
            solved = {}
            for seed in cell["seeds"]:
                for probe in seed["probes"]:
                    if probe["solved"] and probe["learning_rate"] == cell["learning_rate"]:
                        solved.setdefault(probe["distance"], []).append(probe["steps_to_solve"])
            name = cell["name"].replace(", ", "-").replace(" ", "")
            steps[cell["name"]] = sorted(solved.items())
            for distance, values in sorted(solved.items()):
                out.scalar(f"steps_to_solve/{task}/{name}", statistics.median(values), distance, "distance")
            for distance, fraction in zip(cell["distances"], cell["fractions"]):
                out.scalar(f"solved_fraction/{task}/{name}", fraction, distance, "distance")
            for entry in cell["budgets"]:
                out.scalar(f"horizon/{task}/{name}", entry["value"], entry["budget"], "budget")
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
        name = f"{cell['task']}-{cell['name'].replace(', ', '-').replace(' ', '')}"
        budget = settings["steps"][cell["task"]]
        writer = tf.summary.create_file_writer(os.path.join(cells_dir, name))
        with writer.as_default():
            hp.hparams(hparams_of({
                "task": cell["task"], "cell": cell["cell"].split(" ")[0], "cell_options": options, "steps": budget,
                "units": cell["units"], "learning_rate": cell["learning_rate"], "seed": settings["seeds"][0]}),
                trial_id=f"horizon {name}")
            tf.summary.scalar("horizon/horizon", cell["horizon"]["value"], step=budget)
        writer.close()


def read(logdir):
    """The horizon.json of a search."""
    with open(os.path.join(logdir, HORIZON_FILE)) as f:
        return json.load(f)
