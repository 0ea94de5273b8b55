"""Runs training Configs as Ray Tune trials, one trial per run, on the Ray that trainer.study.cluster
connected to, as a source of runs asks: the sweep's source is a fixed list (ConfigList), the
memory-horizon search's is its searches, which decide the next probes as probes end. A
trial starts whenever the cluster has room and the source has a run to give, so no run
waits for others that do not concern it.

A trial calls the same train_and_evaluate(config, workdir) as `make train`, in the run
directory that trainer.rundir gives it: a new one, or the newest unfinished run of the
same settings, which it resumes from its own checkpoint.keras. So a trial that Ray retries
after its worker process or node died (Tune's FailureConfig) goes on from its last
checkpoint, and so does a run of a sweep or search that is started again after its driver
was stopped. The checkpoint is written before an evaluation's summaries, so a resumed run
never writes a TensorBoard step twice.

Each evaluation is reported to Tune (training step, loss, validation accuracy at every
eval distance). Tune keeps its records (result.json, progress.csv; no TensorBoard files of
its own) below the study's directory, in .tune/.

A source has five methods:
    needs_training()          whether any run it wants must be trained (not finished earlier)
    next()                    the next Config to train, None if there is none until a running
                              trial ends, or DONE when every run it wants has ended
    ended(config, outcome)    what became of a run (an Outcome); it says so in one line
    done()                    whether every run it wants has ended
    status()                  where the whole stands, in one line (the console's live line)

What the runs print themselves (Keras's progress, their evaluations) goes to train.log in
each run's directory, and Tune's own tables are not shown, so the console holds a line per
run that ended and the live line (trainer.study.progress); with the cluster's
show_training, the runs' output is shown as well.
"""

import contextlib
import dataclasses
import datetime
import os
import sys
import time
from typing import Optional

from common import cli
from common.files import EXIT_NO_ROOM
from trainer import evaluate
from trainer import results as results_file
from trainer.config import Config
from trainer.study.progress import format_duration
from trainer.rundir import finished_results, run_directory, run_name_prefix

MAX_FAILURES = 3  # times Tune restarts a trial whose worker or node died, or that raised
LOG_FILE = "train.log"  # in a run's directory: what the run printed, when it trained as a trial
TUNE_DIR = ".tune"
DONE = "FINISHED"  # what a source's next() returns when it wants nothing more (Tune's Searcher.FINISHED)
NO_ROOM = "no room"  # an Outcome's status: the run stopped because a write found no room left
# A trial runs in a worker process that earlier trials used, if one is free: starting a process
# and importing TensorFlow costs some 10 s of CPU, as much as training a small probe.
REUSE_WORKERS = True


@dataclasses.dataclass
class Outcome:
    """What became of one config: status "finished" (run_dir and results set), "diverged"
    (run_dir set), NO_ROOM (a write found its device full: run_dir and error set; the run
    resumes once there is room) or "failed" (error set, after Tune's retries)."""

    config: Config
    status: str
    run_dir: Optional[str] = None
    results: Optional[results_file.Results] = None
    node: str = ""
    error: str = ""


def relative_cost(config):
    """Training cost of a run in arbitrary units (steps x (mean sequence length + a fixed
    overhead)), for the time-left estimates."""
    lengths = [config.resolved_task.sequence_length(d) for d in config.train_distances]
    return config.steps * (sum(lengths) / len(lengths) + 10)


class TrialKeys:
    """A readable, unique key per config (its run-name prefix, numbered if repeated), shown in Tune's table."""

    def __init__(self):
        self.seen = {}

    def __call__(self, config):
        key = run_name_prefix(config)
        self.seen[key] = self.seen.get(key, 0) + 1
        return key if self.seen[key] == 1 else f"{key}-{self.seen[key]}"


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


@contextlib.contextmanager
def output_to(path):
    """Sends what this process writes to stdout and stderr (Python's and the C++ libraries') to
    the end of the file at path for the block."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(path, "a") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for handle in saved:
                os.close(handle)


def train_trial(params, cpus, gpus, show_training):
    """The Tune trainable: trains Config(**params["config"]) and reports to Tune; what the run
    prints goes to train.log in its directory unless show_training. Tune runs trials one after
    another in the same worker process (reuse_actors): Keras's state is cleared first, and the
    run's seed fixes everything else, so a run trains exactly as in a fresh process."""
    config = Config(**params["config"])
    workdir = run_directory(config)
    if show_training:
        _train_trial(config, workdir, cpus, gpus)
        return
    os.makedirs(workdir, exist_ok=True)
    with output_to(os.path.join(workdir, LOG_FILE)):
        _train_trial(config, workdir, cpus, gpus)


def _train_trial(config, workdir, cpus, gpus):
    import keras
    import ray
    from ray import tune

    from trainer.train import EXIT_DIVERGED, EXIT_NO_CHECKPOINT_LOADS, EXIT_NO_ROOM, TrainingStopped, train_and_evaluate

    keras.backend.clear_session()
    threads = limit_threads(cpus, gpus)
    node = ray.get_runtime_context().get_node_id()
    print(f"{os.path.basename(workdir)} runs on node {node[:8]} with {cpus:g} CPUs ({threads} TensorFlow threads)",
          flush=True)

    def progress(step, loss, results):  # the first four are the columns of Tune's progress table
        accuracies = {f"accuracy_d{r.distance:04d}": r.accuracy.accuracy for r in results}
        tune.report({"step": step, "loss": loss, "acc_train_d": accuracies.get(f"accuracy_d{config.distance:04d}"),
                     "horizon": evaluate.generalisation_horizon(results, config.resolved_solved_accuracy),
                     **accuracies})

    try:
        try:
            results = train_and_evaluate(config, workdir, progress)
        except TrainingStopped as stopped:
            if stopped.status != EXIT_NO_CHECKPOINT_LOADS:
                raise
            print(f"{stopped}; it is trained again from step 0", flush=True)  # its checkpoints were moved aside
            results = train_and_evaluate(config, workdir, progress)
    except TrainingStopped as stopped:
        if stopped.status not in (EXIT_DIVERGED, EXIT_NO_ROOM):
            raise
        status = "diverged" if stopped.status == EXIT_DIVERGED else NO_ROOM
        tune.report({"status": status, "run_dir": workdir, "node": node, "message": str(stopped)})
        return
    final = results.final_metrics
    tune.report({"step": results.steps, "acc_train_d": final["accuracy_at_train_distance"],
                 "horizon": final["generalisation_horizon"], "steps_to_solve": results.steps_to_solve,
                 "status": "finished", "run_dir": workdir, "node": node})


def finished_outcome(config):
    """The Outcome of config's run that finished earlier (rundir.finished_results: a damaged one
    is moved aside, to be trained again), or None."""
    found = finished_results(config)
    if found is None:
        return None
    return Outcome(config, "finished", *found)


def outcome_of(config, metrics, error):
    """The Outcome of a trial from its last report (metrics, a dict) and its error (None, or
    the text Tune kept); None if the trial neither ended nor failed (Tune was stopped)."""
    status = metrics.get("status")
    if status == "finished":
        return Outcome(config, "finished", metrics["run_dir"], results_file.read(metrics["run_dir"]), metrics["node"])
    if status in ("diverged", NO_ROOM):
        return Outcome(config, status, metrics["run_dir"], node=metrics["node"], error=metrics["message"])
    if error is not None:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        return Outcome(config, "failed", error=lines[-1] if lines else "unknown error")
    return None


class ConfigList:
    """A source that trains every config once, in order (the sweep): a config that finished
    earlier (rundir.finished_results) is taken as it is and not trained again. It says a line
    as each run ends. outcomes: one per config, in order."""

    def __init__(self, configs, say=print):
        self.configs, self.say = list(configs), say
        self.outcomes = [finished_outcome(config) for config in self.configs]
        for config, outcome in zip(self.configs, self.outcomes):
            if outcome is not None:
                say(f"{run_name_prefix(config)}: finished earlier, skipped ({os.path.basename(outcome.run_dir)})")
        self.pending = [i for i, outcome in enumerate(self.outcomes) if outcome is None]
        self.given, self.ended_count, self.started = 0, 0, time.time()
        self.costs = {i: relative_cost(self.configs[i]) for i in self.pending}
        self.done_cost = 0.0

    def needs_training(self):
        return bool(self.pending)

    def next(self):
        if self.given < len(self.pending):
            self.given += 1
            return self.configs[self.pending[self.given - 1]]
        return DONE if self.done() else None

    def done(self):
        return self.ended_count == len(self.pending)

    def ended(self, config, outcome):
        index = next(i for i in self.pending if self.configs[i] is config and self.outcomes[i] is None)
        self.outcomes[index] = outcome
        self.ended_count += 1
        self.done_cost += self.costs[index]
        self.say(f"{run_name_prefix(config)}: {describe_outcome(outcome)}")

    def status(self):
        running = self.given - self.ended_count
        line = (f"[{format_duration(time.time() - self.started)}] {self.ended_count} of {len(self.pending)} runs done, "
                f"{running} started")
        left_cost = sum(self.costs.values()) - self.done_cost
        if self.done_cost and left_cost > 0:
            line += f"; about {format_duration((time.time() - self.started) / self.done_cost * left_cost)} left"
        return line


def describe_outcome(outcome):
    """A run's end in a few words: solved at which step, or its test accuracy at its distance."""
    if outcome.status != "finished":
        return f"{outcome.status}: {outcome.error}"
    results, config = outcome.results, outcome.config
    if results.solved:
        return f"solved at step {results.steps_to_solve}"
    accuracy = results.final_metrics.get("accuracy_at_train_distance")
    return f"not solved in {results.steps} steps (test accuracy {accuracy:.3f} at d={config.distance})"


def _tune_parts(source, keys, progress):
    """The Tune Searcher that asks the source for runs, and the Callback that tells it how they ended."""
    from ray import tune
    from ray.tune.search import Searcher

    configs = {}
    stopped = []  # the message of a run that found no room left: nothing more is started

    class SourceSearcher(Searcher):
        def suggest(self, trial_id):
            if stopped:
                return DONE
            config = source.next()
            if config is None or config == DONE:
                return config
            key = keys(config)
            configs[key] = config
            return {"run": key, "config": dataclasses.asdict(config)}

        def on_trial_complete(self, trial_id, result=None, error=False):
            pass  # the callback below has the trial, with its error

        def save(self, checkpoint_path):
            pass  # nothing to save: the run directories are the source's state

        def restore(self, checkpoint_path):
            pass

    class Ended(tune.Callback):
        def on_step_end(self, iteration, trials, **info):
            progress.show(source.status())

        def on_trial_recover(self, iteration, trials, trial, **info):
            progress.say(f"{trial.config['run']}: its worker stopped; Tune starts it again and it resumes from its last "
                         f"checkpoint")

        def on_trial_complete(self, iteration, trials, trial, **info):
            self.report(trial, None)

        def on_trial_error(self, iteration, trials, trial, **info):
            self.report(trial, trial.get_error() or "the trial failed after Tune's retries")

        def report(self, trial, error):
            outcome = outcome_of(configs[trial.config["run"]], trial.last_result or {}, error)
            if outcome is not None and outcome.status == NO_ROOM:
                stopped.append(outcome.error)
            elif outcome is not None:  # None: stopped by the user, neither ended nor failed
                source.ended(configs.pop(trial.config["run"]), outcome)

    return SourceSearcher(), Ended(), stopped


def run(source, cluster, directory, progress):
    """Trains the source's runs as Tune trials on the connected cluster until it is done,
    showing source.status() as the live line of progress (trainer.study.progress.Progress);
    Tune's records go to directory/.tune. Raises KeyboardInterrupt if it was interrupted, and
    common.cli.Stop (exit status 4) once a run found no room left on its device (no new run
    is started after it; the same command resumes)."""
    from ray import tune
    from ray.tune.logger import CSVLoggerCallback, JsonLoggerCallback

    os.environ["TUNE_DISABLE_AUTO_CALLBACK_LOGGERS"] = "1"  # no TensorBoard files of Tune's among the runs'
    os.environ["RAY_AIR_NEW_OUTPUT"] = "0"  # Tune's older console, which verbose=0 silences (the newer prints tables)
    searcher, ended, no_room = _tune_parts(source, TrialKeys(), progress)
    trainable = tune.with_resources(
        tune.with_parameters(train_trial, cpus=cluster.cpus_per_run, gpus=cluster.gpus_per_run,
                             show_training=cluster.show_training), cluster.resources)
    name = "trials-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    tuner = tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(search_alg=searcher, num_samples=-1, reuse_actors=REUSE_WORKERS,
                                    trial_name_creator=lambda trial: trial.config["run"],
                                    trial_dirname_creator=lambda trial: trial.config["run"]),
        run_config=tune.RunConfig(
            name=name, storage_path=os.path.abspath(os.path.join(directory, TUNE_DIR)), verbose=0,
            failure_config=tune.FailureConfig(max_failures=MAX_FAILURES),
            callbacks=[JsonLoggerCallback(), CSVLoggerCallback(), ended],
        ),
    )
    try:
        tuner.fit()
    finally:
        progress.close()
    if no_room:  # the first run that found its device full: the others would too
        raise cli.Stop(f"{no_room[0]}; the runs that ended are kept", EXIT_NO_ROOM)
    if not source.done():  # Tune stopped before every run ended: interrupted
        raise KeyboardInterrupt


