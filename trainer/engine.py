"""Runs a list of training Configs as Ray Tune trials, one trial per run, on the Ray that
trainer.cluster connected to.

A trial calls the same train_and_evaluate(config, workdir) as `make train`, in the run
directory that trainer.rundir gives it: a new one, or the newest unfinished run of the
same settings, which it resumes from its own checkpoint.keras. So a trial that Ray retries
after its worker process or node died (Tune's FailureConfig) goes on from its last
checkpoint, and so does a run of a sweep that is started again after its driver was
stopped. The checkpoint is written before an evaluation's summaries, so a resumed run
never writes a TensorBoard step twice.

Each evaluation is reported to Tune (training step, loss, validation accuracy at every
eval distance), so Tune's progress table shows where each run is. Tune keeps its own
records (result.json, progress.csv; no TensorBoard files of its own) below the sweep
directory, in .tune/.
"""

import dataclasses
import datetime
import json
import os
import time
from typing import Optional

from trainer import evaluate, summaries
from trainer.config import Config
from trainer.rundir import finished_run, run_directory, run_name_prefix

MAX_FAILURES = 3  # times Tune restarts a trial whose worker or node died, or that raised
TUNE_DIR = ".tune"


@dataclasses.dataclass
class Outcome:
    """What became of one config: status "finished" (run_dir and results set), "diverged"
    (run_dir set) or "failed" (error set, after Tune's retries)."""

    config: Config
    status: str
    run_dir: Optional[str] = None
    results: Optional[dict] = None
    node: str = ""
    error: str = ""


def relative_cost(config):
    """Training cost of a run in arbitrary units (steps x (mean sequence length + a fixed
    overhead)), for the time-left estimate."""
    lengths = [config.resolved_task.sequence_length(d) for d in config.train_distances]
    return config.steps * (sum(lengths) / len(lengths) + 10)


def format_duration(seconds):
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def trial_keys(configs):
    """A readable, unique key per config (its run-name prefix), shown in Tune's table."""
    keys, seen = [], {}
    for config in configs:
        key = run_name_prefix(config)
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    return keys


def limit_threads(cpus, gpus):
    """TensorFlow in a trial uses as many threads as the trial has CPUs, so that parallel
    trials share the cores instead of oversubscribing them; with a fraction of a GPU it
    allocates GPU memory as it needs it, so that several trials fit on one GPU."""
    import tensorflow as tf

    threads = max(1, int(cpus))
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    if 0 < gpus < 1:
        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)
    return tf.config.threading.get_intra_op_parallelism_threads()


def train_trial(params, configs, cpus, gpus):
    """The Tune trainable: trains configs[params["run"]] and reports to Tune."""
    import ray
    from ray import tune

    from trainer.train import EXIT_DIVERGED, TrainingStopped, train_and_evaluate

    threads = limit_threads(cpus, gpus)
    config = configs[params["run"]]
    workdir = run_directory(config)
    node = ray.get_runtime_context().get_node_id()
    print(f"{os.path.basename(workdir)} runs on node {node[:8]} with {cpus:g} CPUs ({threads} TensorFlow threads)",
          flush=True)

    def progress(step, loss, results):  # the first four are the columns of Tune's progress table
        accuracies = {f"accuracy_d{r.distance:04d}": r.accuracy.accuracy for r in results}
        tune.report({"step": step, "loss": loss, "acc_train_d": accuracies.get(f"accuracy_d{config.distance:04d}"),
                     "horizon": evaluate.generalisation_horizon(results, config.resolved_solved_accuracy),
                     **accuracies})

    try:
        results = train_and_evaluate(config, workdir, progress)
    except TrainingStopped as stopped:
        if stopped.status != EXIT_DIVERGED:
            raise
        tune.report({"status": "diverged", "run_dir": workdir, "node": node, "message": str(stopped)})
        return
    final = results["final_metrics"]
    tune.report({"step": results["steps"], "acc_train_d": final["accuracy_at_train_distance"],
                 "horizon": final["generalisation_horizon"], "steps_to_solve": results["steps_to_solve"],
                 "status": "finished", "run_dir": workdir, "node": node})


def _progress_callback(costs, started):
    """A Tune callback that prints one line per run that ends, with an estimate of the time left."""
    from ray import tune

    class Progress(tune.Callback):
        def __init__(self):
            self.done_cost, self.ended = 0.0, 0

        def on_trial_recover(self, iteration, trials, trial, **info):
            print(f"{trial.config['run']}: its worker stopped; Tune starts it again and it resumes from its last "
                  f"checkpoint", flush=True)

        def on_trial_complete(self, iteration, trials, trial, **info):
            self.report(trial, trial.last_result.get("status", "finished"))

        def on_trial_error(self, iteration, trials, trial, **info):
            self.report(trial, "failed")

        def report(self, trial, status):
            self.ended += 1
            self.done_cost += costs[trial.config["run"]]
            left_cost = sum(costs.values()) - self.done_cost
            estimate = ""
            if left_cost > 0:
                seconds = (time.time() - started) / self.done_cost * left_cost
                estimate = f"; about {format_duration(seconds)} left"
            print(f"[{self.ended}/{len(costs)}] {trial.config['run']}: {status}{estimate}", flush=True)

    return Progress()


def finished_outcome(config):
    """The Outcome of config's run that finished earlier (rundir.finished_run), or None."""
    run_dir = finished_run(config)
    if run_dir is None:
        return None
    with open(os.path.join(run_dir, summaries.RESULTS_FILE)) as f:
        return Outcome(config, "finished", run_dir, json.load(f))


def outcome_of(config, metrics, error):
    """The Outcome of a trial from its last report (metrics, a dict) and its error (None, or
    the text Tune kept); None if the trial neither ended nor failed (Tune was stopped)."""
    status = metrics.get("status")
    if status == "finished":
        with open(os.path.join(metrics["run_dir"], summaries.RESULTS_FILE)) as f:
            return Outcome(config, "finished", metrics["run_dir"], json.load(f), metrics["node"])
    if status == "diverged":
        return Outcome(config, "diverged", metrics["run_dir"], node=metrics["node"], error=metrics["message"])
    if error is not None:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        return Outcome(config, "failed", error=lines[-1] if lines else "unknown error")
    return None


def run_trials(configs, cluster, sweep_dir):
    """Trains every config as a Tune trial on the connected cluster; returns one Outcome per
    config, in the same order. Raises KeyboardInterrupt if the sweep was interrupted."""
    from ray import tune
    from ray.tune.logger import CSVLoggerCallback, JsonLoggerCallback

    os.environ["TUNE_DISABLE_AUTO_CALLBACK_LOGGERS"] = "1"  # no TensorBoard files of Tune's among the runs'
    keys = trial_keys(configs)
    by_key = dict(zip(keys, configs))
    costs = {key: relative_cost(config) for key, config in by_key.items()}
    trainable = tune.with_resources(
        tune.with_parameters(train_trial, configs=by_key, cpus=cluster.cpus_per_run, gpus=cluster.gpus_per_run),
        cluster.resources,
    )
    name = "trials-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    tuner = tune.Tuner(
        trainable,
        param_space={"run": tune.grid_search(keys)},
        tune_config=tune.TuneConfig(trial_name_creator=lambda trial: trial.config["run"],
                                    trial_dirname_creator=lambda trial: trial.config["run"]),
        run_config=tune.RunConfig(
            name=name, storage_path=os.path.abspath(os.path.join(sweep_dir, TUNE_DIR)), verbose=1,
            failure_config=tune.FailureConfig(max_failures=MAX_FAILURES),
            callbacks=[JsonLoggerCallback(), CSVLoggerCallback(), _progress_callback(costs, time.time())],
        ),
    )
    grid = tuner.fit()
    by_run = {result.config["run"]: result for result in grid if result.config}
    outcomes = []
    for key, config in zip(keys, configs):
        result = by_run.get(key)
        outcome = outcome_of(config, result.metrics or {}, result.error) if result else None
        if outcome is None:  # Tune stopped before this trial ended: the sweep was interrupted
            raise KeyboardInterrupt
        outcomes.append(outcome)
    return outcomes
