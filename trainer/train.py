"""Train one cell on one task and log accuracy against distance to TensorBoard.

    python -m trainer.train --cell=gru --task=copy --distance=10 --steps=8000

main() only turns flags into a Config and calls train_and_evaluate(config, workdir);
notebooks and tests call train_and_evaluate directly. A run lives in its own directory
below --logdir, named task-cell-d<distance>-s<seed>-<time>. Running the same command
again after an interruption (Ctrl-C or a kill) resumes the newest unfinished run with
the same settings from its last checkpoint; --fresh starts a new run instead.

Exit status: 0 done, 2 bad input (nothing written), 3 training diverged (NaN or infinite
loss; the logs so far are kept), 4 the strategy cannot train here (see trainer.distribute),
130 interrupted (resumable).
"""

import dataclasses
import datetime
import glob
import json
import math
import os
import signal
import threading

import keras
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds
from absl import flags

from data import TASKS, cli, pipeline
from trainer import distribute, evaluate, probes, summaries
from trainer.cells import CELLS
from trainer.config import DISTANCE_MODES, JIT_CHOICES, OPTIMIZERS, Config
from trainer.distribute import STRATEGIES
from trainer.model import build_model, compile_model, load_model

CONFIG_FILE = "config.json"
CHECKPOINT_FILE = "checkpoint.keras"
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130
EXIT_UNSUPPORTED = 4
MULTI_WORKER_FIT_FAILURE = (
    "Keras's model.fit failed under MultiWorkerMirroredStrategy: Keras 3 cannot reduce the first input batch "
    "across workers (keras-team/keras#20585, which TensorFlow's own multi-worker Keras tutorial also hits); "
    "on one machine use --strategy=mirrored"
)


class TrainingStopped(cli.Stop):
    """The run ended early; the message says why and what to do."""


# ----------------------------------------------------------------------------- run directory
def run_name_prefix(config):
    return f"{config.task}-{config.cell}-d{config.distance}-s{config.seed}"


def runs_with_settings(config, finished):
    """Run directories of config's settings (same config.json), newest first: those that
    finished (have results.json) if finished, else those that did not."""
    prefix = os.path.join(config.logdir, run_name_prefix(config))
    for candidate in sorted(glob.glob(prefix + "-*"), reverse=True):
        config_path = os.path.join(candidate, CONFIG_FILE)
        if not os.path.isfile(config_path):
            continue
        if os.path.exists(os.path.join(candidate, summaries.RESULTS_FILE)) != finished:
            continue
        with open(config_path) as f:
            if json.load(f) == config.hparams():
                yield candidate


def finished_run(config):
    """The newest run directory of config's settings that finished, or None."""
    return next(runs_with_settings(config, finished=True), None)


def run_directory(config):
    """The newest unfinished run of the same settings (to resume it), else a new directory name."""
    if not config.fresh:
        unfinished = next(runs_with_settings(config, finished=False), None)
        if unfinished:
            return unfinished
    prefix = os.path.join(config.logdir, run_name_prefix(config))
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    directory, suffix = f"{prefix}-{stamp}", 1
    while os.path.exists(directory):
        suffix += 1
        directory = f"{prefix}-{stamp}-{suffix}"
    return directory


# ----------------------------------------------------------------------------- callbacks
class AtomicCheckpoint(keras.callbacks.Callback):
    """Saves the whole model (weights and optimizer state) after each epoch, replacing the
    previous checkpoint only once the new one is complete; skips a diverged model."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        if not math.isfinite((logs or {}).get("loss", 0.0)):
            return
        partial = self.path[: -len(".keras")] + ".partial.keras"
        self.model.save(partial)
        os.replace(partial, self.path)


class DistanceAccuracy(keras.callbacks.Callback):
    """After each epoch: validation accuracy at every eval distance, to TensorBoard and stdout."""

    def __init__(self, task_name, splits, summary_writer, steps_per_epoch):
        super().__init__()
        self.task_name, self.splits = task_name, splits
        self.summary_writer, self.steps_per_epoch = summary_writer, steps_per_epoch

    def on_epoch_end(self, epoch, logs=None):
        if not math.isfinite((logs or {}).get("loss", 0.0)):
            return
        step = (epoch + 1) * self.steps_per_epoch
        results = [evaluate.evaluate_examples(self.model, self.task_name, d, split) for d, split in self.splits.items()]
        summaries.write_distance_accuracy(self.summary_writer, step, results)
        line = "  ".join(f"d{r.distance} {r.accuracy.accuracy:.3f}" for r in results)
        print(f"step {step}: validation accuracy by distance: {line}", flush=True)


class GateHistograms(keras.callbacks.Callback):
    """Gated cells: histograms of the gate activations on a fixed batch, at the start and after each epoch."""

    def __init__(self, sample_inputs, summary_writer, steps_per_epoch):
        super().__init__()
        self.sample_inputs, self.summary_writer, self.steps_per_epoch = sample_inputs, summary_writer, steps_per_epoch

    def write(self, step):
        summaries.write_gate_histograms(self.summary_writer, probes.gate_activations(self.model, self.sample_inputs), step)

    def on_train_begin(self, logs=None):
        if int(self.model.optimizer.iterations.numpy()) == 0:
            self.write(0)

    def on_epoch_end(self, epoch, logs=None):
        if math.isfinite((logs or {}).get("loss", 0.0)):
            self.write((epoch + 1) * self.steps_per_epoch)


class EpochEndGuard:
    """Holds back Ctrl-C while an epoch's checkpoint and summaries are written, so that they
    are written together: a resumed run then neither repeats nor skips a step in TensorBoard.
    opening and closing are callbacks to put around the epoch-end callbacks."""

    def __init__(self):
        self.active = self.pending = False
        guard = self

        class Open(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                guard.active = True

        class Close(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                guard.active = False
                if guard.pending:
                    raise KeyboardInterrupt

        self.opening, self.closing = Open(), Close()

    def on_sigint(self, signum, frame):
        if self.active:
            self.pending = True
        else:
            raise KeyboardInterrupt


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stops training at the first NaN or infinite loss and remembers the step."""

    def __init__(self):
        super().__init__()
        self.bad_step = None

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.bad_step = int(self.model.optimizer.iterations.numpy())
            self.model.stop_training = True


# ----------------------------------------------------------------------------- training
def initial_model(config, jit_compile=False):
    """The compiled model at initialisation: the same weights for the same config and seed."""
    keras.utils.set_random_seed(config.seed)
    model = build_model(config.task, config.cell, config.units, config.layers, config.embedding, config.dropout, config.seed)
    return compile_model(model, config.task, config.optimizer, config.learning_rate, config.clipnorm, jit_compile)


def load_or_build_model(config, checkpoint_path, jit_compile):
    """The checkpointed model (with its optimizer state) if there is one, else a new compiled model."""
    if os.path.exists(checkpoint_path):
        return load_model(checkpoint_path), True
    return initial_model(config, jit_compile), False


def validation_dataset(config, splits):
    """Keras's validation data: the validation splits at the eval distances inside the training range."""
    distances = [d for d in splits if min(config.train_distances) <= d <= config.distance] or [min(splits)]
    datasets = [tf.data.Dataset.from_tensor_slices((splits[d]["inputs"], splits[d]["targets"])).batch(256) for d in distances]
    dataset = datasets[0]
    for extra in datasets[1:]:
        dataset = dataset.concatenate(extra)
    return dataset


def final_metrics(config, results):
    by_distance = {r.distance: r.accuracy.accuracy for r in results}
    return {
        "mean_accuracy": float(np.mean(list(by_distance.values()))),
        "accuracy_at_train_distance": by_distance.get(config.distance, float("nan")),
        "accuracy_at_longest": by_distance[max(by_distance)],
    }


def write_probes(config, model, summary_writer, run_name, data_dir):
    """Gradient probe (initial and trained model) and, for gated cells, the gates, on test
    sequences at the training distance; written to TensorBoard, returned for results.json."""
    examples = evaluate.load_split(config.task, config.distance, "test", data_dir)
    document, norms, gates = probes.probe_run(initial_model(config), model, config.task, config.distance, examples)
    summaries.write_gradient_probe(summary_writer, run_name, norms, config.steps)
    if gates is not None:
        markers = probes.phase_markers(config.task, config.distance)
        summaries.write_gate_inspection(summary_writer, run_name, gates, config.steps, markers)
    return document


def train_and_evaluate(config, workdir):
    """Trains config.cell on config.task, evaluates it by distance, and writes the run to workdir.

    Returns the results.json document (a dict). Raises ValueError for bad settings before
    anything is written, and TrainingStopped if the loss diverges or the run is interrupted.
    """
    config.validate()
    strategy = distribute.make_strategy(config.strategy)
    jit_compile, jit_note = distribute.resolve_jit(config.strategy, config.jit_compile)
    if jit_note:
        print(jit_note, flush=True)
    workdir = distribute.worker_directory(strategy, workdir)
    data_dir = config.resolved_data_dir if distribute.is_chief(strategy) else os.path.join(workdir, "eval_data")
    tfds.disable_progress_bar()
    os.makedirs(workdir, exist_ok=True)
    hparams = config.hparams()
    with open(os.path.join(workdir, CONFIG_FILE), "w") as f:
        json.dump(hparams, f, indent=2)
    run_name = os.path.basename(os.path.normpath(workdir))
    summary_writer = summaries.writer(workdir)

    checkpoint_path = os.path.join(workdir, CHECKPOINT_FILE)
    with strategy.scope():
        model, resumed = load_or_build_model(config, checkpoint_path, jit_compile)
    steps_per_epoch, epochs = config.eval_every, config.steps // config.eval_every
    initial_epoch = int(model.optimizer.iterations.numpy()) // steps_per_epoch
    if resumed:
        print(f"resuming {run_name} from step {initial_epoch * steps_per_epoch} of {config.steps}", flush=True)
    else:
        summaries.write_run_start(summary_writer, run_name, hparams)
        replicas = f" on {strategy.num_replicas_in_sync} replicas" if strategy.num_replicas_in_sync > 1 else ""
        print(f"training {run_name}: {config.cell} on {config.task}, {config.steps} steps{replicas}; logs in {workdir}", flush=True)

    eval_distances = config.resolved_eval_distances
    validation = {d: evaluate.load_split(config.task, d, "validation", data_dir) for d in eval_distances}
    stream = pipeline.training_stream(
        config.task, config.batch_size, config.train_distances, seed=[config.seed, initial_epoch], attractors=config.attractors
    )
    if config.strategy == "multi_worker":
        stream = distribute.shard_by_data(stream)
    non_finite, guard = StopOnNonFiniteLoss(), EpochEndGuard()
    tensorboard = keras.callbacks.TensorBoard(log_dir=workdir, write_graph=False, update_freq="epoch", profile_batch=0)
    callbacks = [  # at an epoch's end: the checkpoint first, so a kill can lose summaries but never repeat them
        non_finite,
        guard.opening,
        AtomicCheckpoint(checkpoint_path),
        DistanceAccuracy(config.task, validation, summary_writer, steps_per_epoch),
        tensorboard,
        guard.closing,
    ]
    if probes.has_gates(model):
        sample = validation.get(config.distance, validation[max(validation)])["inputs"][:64]
        callbacks.insert(callbacks.index(tensorboard), GateHistograms(sample, summary_writer, steps_per_epoch))
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous_handler = signal.signal(signal.SIGINT, guard.on_sigint) if in_main_thread else None
    try:
        model.fit(
            stream,
            steps_per_epoch=steps_per_epoch,
            epochs=epochs,
            initial_epoch=initial_epoch,
            validation_data=validation_dataset(config, validation),
            callbacks=callbacks,
            shuffle=False,
            verbose=2,
        )
    except ValueError as error:
        if config.strategy == "multi_worker" and "PerReplica" in str(error):
            raise TrainingStopped(MULTI_WORKER_FIT_FAILURE, EXIT_UNSUPPORTED) from None
        raise
    except KeyboardInterrupt:
        tensorboard.on_train_end()  # flushes Keras's event files
        done = (int(model.optimizer.iterations.numpy()) // steps_per_epoch) * steps_per_epoch
        raise TrainingStopped(
            f"interrupted; the last checkpoint is at step {done}: run the same command again to resume",
            EXIT_INTERRUPTED,
        ) from None
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, previous_handler)
    if non_finite.bad_step is not None:
        raise TrainingStopped(
            f"the loss of cell {config.cell!r} became NaN or infinite at step {non_finite.bad_step}; "
            f"logs so far are in {workdir}; try a lower --learning_rate (now {config.learning_rate:g}) "
            f"or gradient clipping such as --clipnorm=1.0 (now {config.clipnorm or 0:g})",
            EXIT_DIVERGED,
        )

    test = {d: evaluate.load_split(config.task, d, "test", data_dir) for d in eval_distances}
    results = [evaluate.evaluate_examples(model, config.task, d, split) for d, split in test.items()]
    by_attractors = evaluate.pool_by_attractors(results)
    metrics = final_metrics(config, results)
    summaries.write_final(summary_writer, run_name, results, by_attractors, metrics, config.steps, config.distance)
    probe_document = write_probes(config, model, summary_writer, run_name, data_dir)
    summaries.write_results_json(workdir, hparams, results, by_attractors, metrics, config.steps, probe_document)
    print(summaries.distance_table(results), flush=True)
    with open(os.path.join(workdir, summaries.RESULTS_FILE)) as f:
        return json.load(f)


# ----------------------------------------------------------------------------- command line
FLAGS = flags.FLAGS
_DEFAULTS = Config()


def define_flags():
    """Defines the command-line flags (only when run as a program: a module that imports this one
    keeps its own flags)."""
    flags.DEFINE_string("task", _DEFAULTS.task, f"Task: {', '.join(sorted(TASKS))}.")
    flags.DEFINE_string("cell", _DEFAULTS.cell, "Recurrent cell: " + "; ".join(f"{c.name} ({c.summary})" for c in CELLS.values()) + ".")
    flags.DEFINE_integer("distance", _DEFAULTS.distance, "Training distance (the longest, in range mode).")
    flags.DEFINE_string("distance_mode", _DEFAULTS.distance_mode,
                        f"{' or '.join(DISTANCE_MODES)}: train on distances 1..distance (each batch one distance), or at distance only.")
    flags.DEFINE_list("eval_distances", None, "Comma-separated distances to evaluate (default: 1, 2, 5, 10, ... up to 2 x distance).")
    flags.DEFINE_integer("attractors", None, "Agreement: exact number of attractors in training sentences (default: left to chance).")
    flags.DEFINE_integer("units", _DEFAULTS.units, "Hidden units per recurrent layer.")
    flags.DEFINE_integer("layers", _DEFAULTS.layers, "Number of stacked recurrent layers.")
    flags.DEFINE_integer("embedding", _DEFAULTS.embedding, "Size of the input embedding.")
    flags.DEFINE_integer("batch_size", _DEFAULTS.batch_size, "Sequences per training batch.")
    flags.DEFINE_integer("steps", _DEFAULTS.steps, "Training steps in all (a multiple of eval_every).")
    flags.DEFINE_integer("eval_every", _DEFAULTS.eval_every, "Steps between evaluations and checkpoints.")
    flags.DEFINE_float("learning_rate", _DEFAULTS.learning_rate, "Learning rate.")
    flags.DEFINE_string("optimizer", _DEFAULTS.optimizer, f"Optimizer: {', '.join(OPTIMIZERS)}.")
    flags.DEFINE_float("clipnorm", _DEFAULTS.clipnorm, "Clip each gradient to this norm (0 turns clipping off).")
    flags.DEFINE_float("dropout", _DEFAULTS.dropout, "Input and recurrent dropout of the cell.")
    flags.DEFINE_integer("seed", _DEFAULTS.seed, "Seed of the weights and the training data.")
    flags.DEFINE_string("jit_compile", _DEFAULTS.jit_compile, f"XLA compilation: {', '.join(JIT_CHOICES)} (auto: off for recurrent layers, measured slower).")
    flags.DEFINE_string("strategy", _DEFAULTS.strategy, f"tf.distribute strategy: {', '.join(STRATEGIES)} (batch_size is the global batch).")
    flags.DEFINE_string("logdir", _DEFAULTS.logdir, "TensorBoard log root; each run gets its own directory below it.")
    flags.DEFINE_string("data_dir", None, "Cache of the evaluation sets (default: <logdir>/eval_data).")
    flags.DEFINE_bool("fresh", False, "Start a new run even if an interrupted run with the same settings could be resumed.")


def config_from_flags():
    names = [field.name for field in dataclasses.fields(Config)]
    values = {name: FLAGS[name].value for name in names}
    values["eval_distances"] = cli.parse_positive_integers("eval_distances", FLAGS.eval_distances)
    return Config(**values)


def main():
    config = config_from_flags()
    train_and_evaluate(config, run_directory(config))


if __name__ == "__main__":
    define_flags()
    cli.run(main)
