"""The Keras callbacks of a training run: checkpoints, evaluation by distance, the solved
check, gate histograms, a guard that keeps an epoch's writes together, and a stop on a
diverged loss."""

import json
import math
import os

import keras

from common.files import write_json_atomically
from trainer import checkpoints, evaluate, probes
from trainer.rundir import move_aside, unreadable
from trainer.dashboards import run_summaries


def finite_loss(logs):
    """Whether an epoch's training loss (Keras's logs) is a finite number: a diverged epoch
    writes no checkpoint, no summary and no evaluation."""
    return math.isfinite(float((logs or {}).get("loss", 0.0)))


class Checkpoint(keras.callbacks.Callback):
    """Saves the whole model (weights and optimizer state) after each epoch with
    trainer.checkpoints.save (the newest replaced only once the new one is complete, the one
    before it kept); skips a diverged model."""

    def __init__(self, run_dir):
        super().__init__()
        self.run_dir = run_dir

    def on_epoch_end(self, epoch, logs=None):
        if finite_loss(logs):
            checkpoints.save(self.model, self.run_dir)


class SolvedCheck(keras.callbacks.Callback):
    """After DistanceAccuracy: is the run solved? A first look (validation accuracy at least
    threshold at every one of distances) is confirmed by a second, confirm(model) -> the
    accuracies [DistanceResult] of the test split at those distances, evaluated right then:
    the run is solved at the step of the first look only if the test split also holds the
    threshold (one look at 512 validation sentences passes a model whose true accuracy is
    0.985 one time in five). Every first look and its second look go to path (a small JSON
    file, so that a run resumed at step resumed_at keeps those up to it; a damaged one is
    moved to logdir's damaged/); with stop, training stops once solved.

    step: the step solved at, or None; looks: [{"step", "validation", "test", "confirmed"}],
    the lowest accuracy over the distances on each look."""

    def __init__(self, distance_accuracy, distances, threshold, stop, path, confirm, resumed_at, logdir):
        super().__init__()
        self.distance_accuracy, self.distances, self.threshold = distance_accuracy, set(distances), threshold
        self.stop, self.path, self.confirm = stop, path, confirm
        self.step, self.looks = None, []
        if os.path.exists(path):
            self.load(resumed_at, logdir)

    def load(self, resumed_at, logdir):
        """The looks saved before the step the run resumes at (a run that goes on from an earlier
        checkpoint looks again after it); a damaged file is moved aside and the looks taken again."""
        try:
            with open(self.path) as f:
                saved = json.load(f)
            looks = [look for look in saved.get("first_looks", []) if look["step"] <= resumed_at]
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            move_aside(self.path, f"it is damaged, {unreadable(error)}", logdir)
            return
        self.looks = looks
        self.step = next((look["step"] for look in looks if look["confirmed"]), None)

    def on_epoch_end(self, epoch, logs=None):
        if self.step is None:
            results = [r for r in self.distance_accuracy.latest if r.distance in self.distances]
            if results and all(r.accuracy.accuracy >= self.threshold for r in results):
                self.second_look(results)
        if self.step is not None and self.stop:
            self.model.stop_training = True

    def second_look(self, results):
        step = self.distance_accuracy.latest_step
        test = self.confirm(self.model)
        confirmed = all(r.accuracy.accuracy >= self.threshold for r in test)
        self.looks.append({"step": step, "validation": min(r.accuracy.accuracy for r in results),
                           "test": min(r.accuracy.accuracy for r in test), "confirmed": confirmed})
        where = ", ".join(str(r.distance) for r in results)
        if confirmed:
            self.step = step
            print(f"solved at step {step}: accuracy >= {self.threshold:g} at distance {where}, on validation and on "
                  f"the test split", flush=True)
        else:
            print(f"step {step}: validation accuracy >= {self.threshold:g} at distance {where}, but the test split "
                  f"gives {self.looks[-1]['test']:.4f}: not solved yet", flush=True)
        write_json_atomically(self.path, {"steps_to_solve": self.step, "solved_accuracy": self.threshold,
                                          "first_looks": self.looks}, what="the solved check")


class TrainingScalars(keras.callbacks.Callback):
    """After each epoch: Keras's logs (training and validation loss and metric) to TensorBoard
    at the training step, the x axis of every other curve over training (Keras's own
    TensorBoard callback writes them at the epoch number)."""

    def __init__(self, summary_writer, steps_per_epoch):
        super().__init__()
        self.summary_writer, self.steps_per_epoch = summary_writer, steps_per_epoch

    def on_epoch_end(self, epoch, logs=None):
        if finite_loss(logs):
            run_summaries.write_training_scalars(self.summary_writer, (epoch + 1) * self.steps_per_epoch, logs)


class DistanceAccuracy(keras.callbacks.Callback):
    """After each epoch: validation accuracy up the eval ladder (evaluate.climb), to TensorBoard
    (one sub-run per distance below run_dir, trainer.dashboards.run_summaries; none if run_dir is
    None) and stdout, and to progress(step, loss, results) if given (the sweep's trials report it
    to Ray Tune)."""

    def __init__(self, task, splits, distances, trained_up_to, run_dir, steps_per_epoch, progress=None):
        super().__init__()
        self.task, self.splits, self.distances, self.trained_up_to = task, splits, distances, trained_up_to
        self.run_dir, self.steps_per_epoch = run_dir, steps_per_epoch
        self.writers = {}
        self.progress = progress
        self.latest, self.latest_step = [], None  # the last evaluation's DistanceResults, and its step

    def on_epoch_end(self, epoch, logs=None):
        if not finite_loss(logs):
            return
        step = (epoch + 1) * self.steps_per_epoch
        results = evaluate.climb(self.model, self.task, self.distances, self.splits, self.trained_up_to)
        self.latest, self.latest_step = results, step
        if self.run_dir is not None:
            run_summaries.write_distance_accuracy(self.writer, step, results)
        line = "  ".join(f"d{r.distance} {r.accuracy.accuracy:.3f}" for r in results)
        print(f"step {step}: validation accuracy by distance: {line}", flush=True)
        if self.progress:
            self.progress(step, float(logs["loss"]), results)


    def writer(self, distance):
        if distance not in self.writers:
            self.writers[distance] = run_summaries.distance_writer(self.run_dir, distance)
        return self.writers[distance]

    def on_train_end(self, logs=None):
        for summary_writer in self.writers.values():
            summary_writer.close()
        self.writers = {}


class GateHistograms(keras.callbacks.Callback):
    """Gated cells: histograms of the gate activations on a fixed batch, at the start and after each epoch."""

    def __init__(self, sample_inputs, summary_writer, steps_per_epoch):
        super().__init__()
        self.sample_inputs, self.summary_writer, self.steps_per_epoch = sample_inputs, summary_writer, steps_per_epoch

    def write(self, step):
        run_summaries.write_gate_histograms(self.summary_writer, probes.gate_activations(self.model, self.sample_inputs), step)

    def on_train_begin(self, logs=None):
        if int(self.model.optimizer.iterations.numpy()) == 0:
            self.write(0)

    def on_epoch_end(self, epoch, logs=None):
        if finite_loss(logs):
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
        if not finite_loss(logs):
            self.bad_step = int(self.model.optimizer.iterations.numpy())
            self.model.stop_training = True
