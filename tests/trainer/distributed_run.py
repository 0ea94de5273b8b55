"""The program the distribution test runs in a fresh process (device settings must come
before TensorFlow starts).

    python tests/distributed_run.py LOGDIR   trains the same tiny run on one CPU device and
        with MirroredStrategy on two logical CPU devices; prints {"default": [...],
        "mirrored": [...], "replicas": n}, the per-epoch training losses of each
"""

import json
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

import tensorflow as tf  # noqa: E402
from tensorboard.backend.event_processing import event_accumulator  # noqa: E402

from trainer import distribute  # noqa: E402
from trainer.config import Config  # noqa: E402
from trainer.train import train_and_evaluate  # noqa: E402


def tiny_config(logdir, strategy):
    return Config(task="agreement", cell="lstm", distance=3, units=8, embedding=4, batch_size=16, steps=6,
                  eval_every=3, eval_distances=(3,), strategy=strategy, logdir=logdir, data_dir=os.path.join(logdir, "data"))


def epoch_losses(run_dir):
    """The training loss after each evaluation (training/loss), read back from the run's event files."""
    events = event_accumulator.EventAccumulator(run_dir, size_guidance={"tensors": 0})
    events.Reload()
    if "training/loss" not in events.Tags()["tensors"]:
        return []
    return [float(tf.make_ndarray(event.tensor_proto)) for event in events.Tensors("training/loss")]


def run(config, name):
    workdir = os.path.join(config.logdir, name)
    train_and_evaluate(config, workdir)
    return workdir


def main(logdir):
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    strategy = distribute.make_strategy("mirrored")
    document = {"replicas": strategy.num_replicas_in_sync}
    for name in ("default", "mirrored"):
        document[name] = epoch_losses(run(tiny_config(logdir, name), name))
    print("RESULT " + json.dumps(document), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
