"""The sweep: a grid of cells x tasks x distances (x seeds), each grid point one `make train`
run (trainer.train.train_and_evaluate) trained as a Ray Tune trial with a run directory of
its own below the sweep's directory, then summarised (trainer.study.sweep_summary).

Each run trains at one distance (distance_mode fixed by default): its accuracy at that
distance answers "can this cell learn a dependency this long?", with no shorter sequences in
training to make it easy. Started again, a sweep skips the runs that finished, resumes the
unfinished ones from their checkpoints, and rewrites the summary. The command line is
trainer.sweep.
"""

import itertools
import os
import time

from data import get_task
from trainer.cells import CELLS, get_cell
from trainer.config import Config
from trainer.rundir import damaged_files, run_name_prefix
from trainer.study import engine, runner, sweep_summary
from trainer.study.progress import Progress, format_duration
from trainer.study.seeds import seed_list


def grid(preset, logdir, cells=None, tasks=None, distances=None, steps=None, units=None, distance_mode="fixed", seed=0,
         seeds=1, cell_options=None, eval_every=None, learning_rate=None, every_seed_dashboards=False, backend=None):
    """The configs of a sweep, in training order (task, cell, distance, seed); arguments override the preset.

    Every grid point is trained from `seeds` seeds, seed, seed + 1, ... (trainer.study.seeds).
    So that TensorBoard, which selects no run once there are more than 500, opens on a sweep's
    runs, each run validates only the distance it trains at during training (the others are
    tested once at its end), and only the first seed of a grid point writes TensorBoard
    dashboards (every_seed_dashboards: all of them); the summary reads every seed's results.json.
    distances (if given) replaces every task's distances; cell_options ({name: value}, as
    trainer.train's flags) go to every cell that takes them. A ValueError names the first
    bad value, or an option that no cell of the sweep takes.
    """
    cells = tuple(get_cell(cell).name for cell in cells or preset.cells)  # unknown names fail before any training
    tasks = tuple(get_task(task).name for task in tasks or preset.distances)
    cell_options = cell_options or {}
    seed_values = seed_list(seed, seeds)
    for option in cell_options:
        if not any(option in CELLS[cell].command_options for cell in cells):
            takers = ", ".join(c.name for c in CELLS.values() if option in c.command_options)
            raise ValueError(f"no cell in the sweep ({', '.join(cells)}) takes option {option!r}; it is an option of: {takers}")
    configs = []
    for task in tasks:
        for cell in cells:
            for distance, seed in itertools.product(distances or preset.distances[task], seed_values):
                config = Config(
                    task=task, cell=cell, distance=distance, distance_mode=distance_mode,
                    eval_distances=None, units=preset.units if units is None else units, batch_size=preset.batch_size,
                    steps=preset.steps[task] if steps is None else steps,
                    eval_every=eval_every or preset_interval(preset, steps or preset.steps[task]), seed=seed,
                    learning_rate=learning_rate or preset.learning_rate[task],
                    logdir=logdir, validate_all_distances=False, backend=backend,
                    dashboards=every_seed_dashboards or seed == seed_values[0],
                    **CELLS[cell].options_taken(cell_options),
                )
                config.validate()
                configs.append(config)
    return configs


def preset_interval(preset, steps):
    """The preset's evaluation interval where it divides the budget, else None (Config's default)."""
    return preset.eval_every if steps % preset.eval_every == 0 else None


def run_sweep(configs, sweep_dir, cluster=None):
    """Trains every config that has not finished as a Ray Tune trial, then writes the summary.

    cluster: a trainer.study.cluster.Cluster this process is connected to; None starts a Ray
    on this machine for the sweep (one run at a time, with every core) and stops it after.
    Returns [(config, run directory, Results or None if the run diverged)]. Raises cli.Stop
    if runs failed even after Tune's retries (the summary of the others is written first) and
    KeyboardInterrupt if the sweep was interrupted.
    """
    started, progress = time.time(), Progress()
    source = engine.ConfigList(configs, say=progress.say)
    runner.train_on_ray(source, sweep_dir, progress, cluster, what=f"{len(source.pending)} of {len(configs)} runs")
    ordered = source.outcomes
    for outcome in ordered:
        if outcome.status == "diverged":
            print(f"{run_name_prefix(outcome.config)}: diverged, left out of the summary: {outcome.error}", flush=True)
    kept = [(o.config, o.run_dir, o.results) for o in ordered if o.status != "failed"]
    summary_dir = sweep_summary.write_summary(kept, os.path.join(sweep_dir, "summary"), damaged_files(sweep_dir))
    failed = [o for o in ordered if o.status == "failed"]
    if failed:
        raise runner.failed_runs(f"{len(failed)} of {len(configs)} runs failed", run_name_prefix(failed[0].config),
                                 failed[0].error, f"the summary of the others is in {summary_dir}")
    print(f"sweep of {len(configs)} runs done in {format_duration(time.time() - started)}; summary in "
          f"{summary_dir}", flush=True)
    print(f"to see it in TensorBoard: make tensorboard LOGDIR={summary_dir} (the figures and tables; "
          f"LOGDIR={sweep_dir} adds every run's own dashboards)", flush=True)
    return kept
