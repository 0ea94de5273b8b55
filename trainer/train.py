"""Train one cell on one task and log accuracy against distance to TensorBoard.

    python -m trainer.train --cell=gru --task=copy --distance=10 --steps=8000

train_and_evaluate(config, workdir) is the training itself; notebooks, tests and the
sweep call it directly. The command line (the __main__ block at the end) only turns flags,
made from trainer.config.Config's fields, into a Config and calls it. A run lives in its
own directory below --logdir (trainer.rundir); running the same command again after an
interruption (Ctrl-C or a kill) resumes the newest unfinished run with the same settings
from its last checkpoint; --fresh starts a new run instead.

One process trains a run at a time: a run being trained holds a lock on its directory, and
the same command started meanwhile starts a run of its own. A checkpoint that does not load
is moved aside and the run goes on from the one before it (trainer.checkpoints).

Exit status: 0 done, 2 bad input (nothing written), 3 training diverged (NaN or infinite
loss; the logs so far are kept), 4 no room left on a device (the last complete checkpoint
is kept: the same command resumes once there is room), 5 no checkpoint of the run loads
(they are moved aside: the same command starts the run again from step 0, --fresh starts
a new one), 130 interrupted, by Ctrl-C or SIGTERM (resumable).
"""

import glob
import json
import os
import signal
import threading

import keras
import numpy as np
from common.quiet_tensorflow import import_tensorflow

tf = import_tensorflow()

from common import cli
from common.files import EXIT_NO_ROOM, NoRoom, is_no_room, writing
from common.config_flags import define_flags as define_config_flags
from common.config_flags import values_from_flags
from data import pipeline
from data.model_io import bucket_length, bucketed
from trainer import checkpoints, distribute, evaluate, memory, probes
from trainer import results as results_file
from trainer.dashboards import hparams as hparams_dashboard
from trainer.dashboards import run_summaries
from trainer.dashboards.tables import distance_table
from trainer.callbacks import (Checkpoint, DistanceAccuracy, EpochEndGuard, GateHistograms, SolvedCheck,
                               StopOnNonFiniteLoss, TrainingScalars)
from trainer.config import DEFAULT_EVAL_EVERY, Config
from trainer.model import build_model, compile_model
from trainer.rundir import CONFIG_FILE, SOLVED_FILE, run_directory, training_lock

EXIT_DIVERGED = 3
EXIT_NO_CHECKPOINT_LOADS = 5
EXIT_INTERRUPTED = cli.EXIT_INTERRUPTED


class TrainingStopped(cli.Stop):
    """The run ended early; the message says why and what to do."""


def initial_model(config, jit_compile=False):
    """The compiled model at initialisation: the same weights for the same config and seed.
    With XLA the recurrent layers keep their while-loop: XLA on an unrolled loop compiled for
    minutes and then ran far slower (make bench, compile section)."""
    keras.utils.set_random_seed(config.seed)
    task = config.resolved_task
    cell, options = config.resolved_cell, config.layer_options()
    if jit_compile and "unroll_training" in cell.options:
        options["unroll_training"] = False
    model = build_model(task, cell, config.units, config.layers, config.embedding, config.dropout,
                        config.seed, **options)
    return compile_model(model, task, config.optimizer, config.learning_rate, config.clipnorm, jit_compile)


def load_or_build_model(config, workdir, jit_compile):
    """(model, resumed): the newest checkpointed model that loads (with its optimizer state) if
    there is one, else a new compiled model. TrainingStopped if the run has checkpoints and none
    loads (trainer.checkpoints moves them aside, so the same command then starts from step 0)."""
    try:
        loaded = checkpoints.load(workdir, config.logdir)
    except checkpoints.NoCheckpointLoads as error:
        raise TrainingStopped(f"{error}: run the same command again to start this run over from step 0, or with "
                              f"--fresh for a new run directory", EXIT_NO_CHECKPOINT_LOADS) from None
    if loaded is not None:
        return loaded[0], True
    return initial_model(config, jit_compile), False


def validation_dataset(config, splits):
    """Keras's validation data: the validation splits at the eval distances inside the training
    range (each padded to its bucket length where lengths are bucketed)."""
    task = config.resolved_task
    distances = config.solved_distances or config.resolved_eval_distances[:1]

    def arrays(split):
        if not bucketed():
            return split["inputs"], split["targets"]
        padded = task.pad(split, bucket_length(split["inputs"].shape[1]))
        return padded["inputs"], padded["targets"]

    datasets = [tf.data.Dataset.from_tensor_slices(arrays(splits[d])).batch(256) for d in distances]
    dataset = datasets[0]
    for extra in datasets[1:]:
        dataset = dataset.concatenate(extra)
    return dataset


def final_metrics(config, results, steps_to_solve, threshold):
    """The run's headline numbers (final/<name> scalars and HParams metrics): accuracy over the
    evaluated distances, at the training distance and at the longest distance evaluated, the
    generalisation horizon (the longest with accuracy >= threshold), and steps_to_solve if
    the run was solved."""
    by_distance = {r.distance: r.accuracy.accuracy for r in results}
    metrics = {
        "mean_accuracy": float(np.mean(list(by_distance.values()))),
        "accuracy_at_train_distance": by_distance.get(config.distance, float("nan")),
        "accuracy_at_longest": by_distance[max(by_distance)],
        "generalisation_horizon": float(evaluate.generalisation_horizon(results, threshold)),
    }
    if steps_to_solve is not None:
        metrics["steps_to_solve"] = float(steps_to_solve)
    return metrics


def write_probes(config, model, writers, data_dir, step):
    """Gradient probe (initial and trained model) and, for gated cells, the gates, on test
    sequences at the training distance; written to TensorBoard (writers: run_summaries.FinalWriters,
    or None for a run without dashboards), returned for results.json."""
    task = config.resolved_task
    examples = evaluate.load_split(task, config.distance, "test", data_dir)
    document, norms, gates = probes.probe_run(initial_model(config), model, task, examples)
    if writers is None:
        return document
    run_summaries.write_gradient_probe(writers, config.title, norms, step)
    if gates is not None:
        markers = task.phase_markers(examples, 0)
        run_summaries.write_gate_inspection(writers, config.title, gates, step, markers)
    return document


def remove_event_files(workdir):
    """A run directory without a checkpoint starts again from step 0: the event files of an
    attempt that was stopped before its first checkpoint hold only step-0 summaries, which
    the new attempt writes again."""
    for path in glob.glob(os.path.join(workdir, "**", "events.out.tfevents.*"), recursive=True):
        os.remove(path)


def train_and_evaluate(config, workdir, progress=None):
    """Trains config.cell on config.task, evaluates it by distance, and writes the run to workdir.

    progress(step, loss, results), if given, is called after each evaluation with the
    training loss and the validation DistanceResults (the sweep reports them to Ray Tune). Returns the
    run's trainer.results.Results, as written to results.json. Raises ValueError for bad settings
    before anything is written, and TrainingStopped if the loss diverges or the run is
    interrupted.
    """
    config.validate()
    with writing("the run's directory", workdir):
        os.makedirs(workdir, exist_ok=True)
    with training_lock(workdir):
        try:
            return _train_and_evaluate(config, workdir, progress)
        except NoRoom as error:
            raise TrainingStopped(f"{error}; {last_checkpoint(workdir)}: free some space there, then run the same "
                                  f"command again to resume", EXIT_NO_ROOM) from None
        except Exception as error:  # TensorFlow's writers say "No space left on device" in their own errors
            if not is_no_room(error):
                raise
            raise TrainingStopped(f"no room left on the device of {workdir} ({str(error).splitlines()[0]}); "
                                  f"{last_checkpoint(workdir)}: free some space there, then run the same command again "
                                  f"to resume", EXIT_NO_ROOM) from None


def last_checkpoint(workdir):
    """Which checkpoint a stopped run resumes from, in words."""
    newest = checkpoints.paths(workdir)[0]
    return f"the last complete checkpoint is kept ({newest})" if os.path.exists(newest) else "no checkpoint was written yet"


def _train_and_evaluate(config, workdir, progress):
    """train_and_evaluate, in a run directory this process holds the lock of."""
    task = config.resolved_task
    strategy = distribute.make_strategy(config.strategy)
    distribute.use_compilation_cache(config.logdir)
    jit_compile, jit_note = distribute.resolve_jit(config.strategy, config.jit_compile)
    if jit_note:
        print(jit_note, flush=True)
    data_dir = config.resolved_data_dir
    with writing("the run's settings", workdir):
        if config.dashboards:
            hparams_dashboard.write_experiment(config.logdir)
        hparams = config.hparams()
        with open(os.path.join(workdir, CONFIG_FILE), "w") as f:
            json.dump(hparams, f, indent=2)
    run_name = os.path.basename(os.path.normpath(workdir))
    with strategy.scope():
        model, resumed = load_or_build_model(config, workdir, jit_compile)
    if not resumed:
        remove_event_files(workdir)
    summary_writer = run_summaries.writer(workdir) if config.dashboards else tf.summary.create_noop_writer()
    steps_per_epoch = config.resolved_eval_every
    epochs = config.steps // steps_per_epoch
    initial_epoch = checkpoints.step_of(model) // steps_per_epoch
    if resumed:
        print(f"resuming {run_name} from step {initial_epoch * steps_per_epoch} of {config.steps}", flush=True)
    else:
        if config.dashboards:
            run_summaries.write_run_start(summary_writer, run_name, hparams, task)
        replicas = f" on {strategy.num_replicas_in_sync} replicas" if strategy.num_replicas_in_sync > 1 else ""
        interval = f"evaluated every {steps_per_epoch} steps" + (
            "" if config.eval_every or steps_per_epoch == DEFAULT_EVAL_EVERY else
            f" (--eval_every not given, and {DEFAULT_EVAL_EVERY} does not divide {config.steps})")
        print(f"training {run_name}: {config.cell} on {config.task}, {config.steps} steps{replicas}, {interval}; "
              f"logs in {workdir}", flush=True)

    eval_distances = config.resolved_eval_distances
    if not config.eval_distances:
        kept, left_out = memory.fitting_rungs(config, config.default_ladder)
        if left_out is not None:
            print(memory.describe_rung_left_out(config, kept, left_out), flush=True)
    validation, test = evaluate.Splits(task, "validation", data_dir), evaluate.Splits(task, "test", data_dir)
    stream = pipeline.training_stream(task, config.batch_size, config.train_distances, seed=[config.seed, initial_epoch],
                                      bucketed=bucketed(), **config.task_options())
    non_finite, guard = StopOnNonFiniteLoss(), EpochEndGuard()
    training_scalars = TrainingScalars(summary_writer, steps_per_epoch)
    distance_accuracy = DistanceAccuracy(task, validation, config.validation_distances, config.distance,
                                         workdir if config.dashboards else None, steps_per_epoch, progress)

    def second_look(model):  # the test split at the solved distances, right when validation first passes
        return [evaluate.evaluate_examples(model, task, d, test[d]) for d in config.solved_distances]

    solved = SolvedCheck(distance_accuracy, config.solved_distances, config.resolved_solved_accuracy,
                         config.stop_when_solved, os.path.join(workdir, SOLVED_FILE), second_look,
                         resumed_at=initial_epoch * steps_per_epoch, logdir=config.logdir)
    if solved.step is not None and config.stop_when_solved:
        epochs = initial_epoch  # solved before the stop: nothing left to train
    dashboard_writers = [training_scalars] if config.dashboards else []
    if config.dashboards and probes.has_gates(model):
        sample = validation[config.distance if config.distance in eval_distances else max(eval_distances)]["inputs"][:64]
        dashboard_writers.insert(0, GateHistograms(sample, summary_writer, steps_per_epoch))
    callbacks = [  # at an epoch's end: the checkpoint first, so a kill can lose summaries but never repeat them
        non_finite,
        guard.opening,
        Checkpoint(workdir),
        distance_accuracy,
        *dashboard_writers,
        solved,
        guard.closing,
    ]
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous_handlers = {signum: signal.signal(signum, guard.on_sigint)
                         for signum in (signal.SIGINT, signal.SIGTERM)} if in_main_thread else {}
    try:
        history = model.fit(
            stream,
            steps_per_epoch=steps_per_epoch,
            epochs=epochs,
            initial_epoch=initial_epoch,
            validation_data=validation_dataset(config, validation),
            callbacks=callbacks,
            shuffle=False,
            verbose=2,
        )
    except KeyboardInterrupt:
        summary_writer.flush()
        distance_accuracy.on_train_end()  # flushes and closes the distances' writers
        done = (int(model.optimizer.iterations.numpy()) // steps_per_epoch) * steps_per_epoch
        raise TrainingStopped(
            f"interrupted; the last checkpoint is at step {done}: run the same command again to resume",
            EXIT_INTERRUPTED,
        ) from None
    finally:
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)
    if non_finite.bad_step is not None:
        raise TrainingStopped(
            f"the loss of cell {config.cell!r} became NaN or infinite at step {non_finite.bad_step}; "
            f"logs so far are in {workdir}; try a lower --learning_rate (now {config.learning_rate:g}) "
            f"or gradient clipping such as --clipnorm=1.0 (now {config.clipnorm or 0:g})",
            EXIT_DIVERGED,
        )

    steps_done = int(model.optimizer.iterations.numpy())
    if solved.step is None:
        print(f"not solved within {steps_done} steps (solved: validation accuracy >= "
              f"{config.resolved_solved_accuracy:g} at distance {', '.join(map(str, config.solved_distances))})",
              flush=True)
    results = evaluate.climb(model, task, eval_distances, test, config.distance)
    if config.retention and solved.step is not None:
        results += evaluate.retention_climb(model, task, config.retention_rungs, test, config.resolved_solved_accuracy)
    breakdowns = evaluate.pool_breakdowns(results)
    metrics = final_metrics(config, results, solved.step, config.resolved_solved_accuracy)
    summary_writer.close()
    final_writers = run_summaries.FinalWriters(workdir) if config.dashboards else None
    if final_writers:
        run_summaries.write_final(final_writers, config.title, task, results, breakdowns, metrics, steps_done,
                                  config.distance)
    probe_document = write_probes(config, model, final_writers, data_dir, steps_done)
    if final_writers:
        final_writers.close()
    losses = history.history.get("loss", [])  # none if it resumed with nothing left to train
    document = results_file.Results(hparams=hparams, steps=steps_done, steps_to_solve=solved.step, final_metrics=metrics,
                                    by_distance=results, breakdowns=breakdowns, first_looks=solved.looks,
                                    final_loss=float(losses[-1]) if losses else None, probes=probe_document)
    results_file.write(workdir, document)
    print(distance_table(task, results), flush=True)
    return document


def define_flags():
    """The command line's flags, one per field of Config (only when run as a program)."""
    define_config_flags(Config)


def main():
    config = Config(**values_from_flags(Config))
    train_and_evaluate(config, run_directory(config))


if __name__ == "__main__":
    define_flags()
    cli.run(main)
