"""A run's checkpoints: the newest and the one before it, written whole, and the newest one
that loads found again.

Each evaluation saves the whole model (weights and optimizer state) to checkpoint.keras, the
one it replaces kept as checkpoint.previous.keras, so a checkpoint damaged after it was
written (a disk that filled, a copy that stopped) costs one evaluation interval, not the run.
load() tries the newest first; a file that does not load is moved aside
(trainer.rundir.move_aside) and the run goes on from the one before, with one line saying
which file, where it went and from which step. The event files are cut back to that step
(trim_event_files), so that TensorBoard shows no step twice.
"""

import glob
import os

from common.files import writing
from common.quiet_tensorflow import import_tensorflow
from trainer.model import load_model
from trainer.rundir import CHECKPOINT_FILE, move_aside, unreadable

PREVIOUS_FILE = "checkpoint.previous.keras"
PARTIAL_FILE = "checkpoint.partial.keras"


class NoCheckpointLoads(Exception):
    """Every checkpoint of the run is damaged; message: which, and the ways out."""


def paths(run_dir):
    """The run's checkpoints, newest first."""
    return [os.path.join(run_dir, CHECKPOINT_FILE), os.path.join(run_dir, PREVIOUS_FILE)]


def save(model, run_dir):
    """Writes the model to checkpoint.keras, keeping the checkpoint it replaces as
    checkpoint.previous.keras; neither is replaced until the new one is complete. With no
    room left, raises common.files.NoRoom and leaves no partial file."""
    newest, previous = paths(run_dir)
    partial = os.path.join(run_dir, PARTIAL_FILE)
    with writing("the checkpoint", partial):
        try:
            model.save(partial)
        except BaseException:
            if os.path.exists(partial):
                os.remove(partial)
            raise
    if os.path.exists(newest):
        os.replace(newest, previous)
    os.replace(partial, newest)


def step_of(model):
    return int(model.optimizer.iterations.numpy())


def load(run_dir, logdir, say=print):
    """(model, step) from the newest checkpoint of run_dir that loads, or None if there is none.

    Checkpoints that do not load are moved to logdir's damaged/ directory, each with a line;
    when one loads after them, a line says from which step the run goes on and the event files
    are cut back to it. NoCheckpointLoads if there are checkpoints and none loads (they are
    moved aside all the same, so the run can start again from step 0).
    """
    existing = [path for path in paths(run_dir) if os.path.exists(path)]
    damaged = []
    for path in existing:
        try:
            model = load_model(path)
        except Exception as error:  # Keras raises ValueError, OSError, zipfile and h5py errors for a damaged file
            damaged.append((path, f"it does not load: {unreadable(error)}"))
            continue
        step = step_of(model)
        for bad, reason in damaged:
            move_aside(bad, reason, logdir, say)
        if damaged:
            say(f"{os.path.basename(run_dir)} goes on from {os.path.basename(path)}, at step {step}")
            trim_event_files(run_dir, step)
        return model, step
    if damaged:
        names = " and ".join(os.path.basename(path) for path, _ in damaged)
        first_reason = damaged[0][1]
        moved = [move_aside(bad, reason, logdir, say) for bad, reason in damaged]
        raise NoCheckpointLoads(f"{names} in {run_dir} do not load ({first_reason}); they are kept in "
                                f"{os.path.dirname(moved[0])}")
    return None


def trim_event_files(run_dir, step):
    """Removes the summaries after step from the event files below run_dir (each rewritten whole),
    so that a run that goes on from an earlier checkpoint writes no step twice."""
    tf = import_tensorflow()
    for path in glob.glob(os.path.join(run_dir, "**", "events.out.tfevents.*"), recursive=True):
        kept, dropped = [], 0
        try:
            for record in tf.data.TFRecordDataset(path):
                event = tf.compat.v1.Event.FromString(record.numpy())
                if event.HasField("summary") and event.step > step:
                    dropped += 1
                else:
                    kept.append(record.numpy())
        except tf.errors.DataLossError:  # a last record cut short: what came before it is kept
            dropped += 1
        if not dropped:
            continue
        partial = path + ".partial"
        with writing("TensorBoard event files", path), tf.io.TFRecordWriter(partial) as writer:
            for record in kept:
                writer.write(record)
        os.replace(partial, path)
