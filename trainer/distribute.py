"""tf.distribute strategies for training on more than one device, by name.

    default       the default strategy: one device (the GPU if there is one)
    mirrored      MirroredStrategy: one replica per local GPU; on a machine without GPUs,
                  one per logical CPU device (see tf.config.set_logical_device_configuration),
                  which is how the tests check it
    tpu           TPUStrategy on the TPU of the runtime (Colab's TPU runtime), found by
                  TPUClusterResolver
    multi_worker  MultiWorkerMirroredStrategy: the cluster and this process's place in it come
                  from the TF_CONFIG environment variable

Config.batch_size is the global batch: each step splits it across the replicas
(strategy.num_replicas_in_sync), so the same settings give the same updates on any number
of devices. Only the chief (worker 0) writes the run directory; other workers write to a
scratch directory of their own, as Keras's multi-worker guide recommends.
"""

import json
import os
import tempfile

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "tpu", "multi_worker")


def mirrored_devices():
    """The local GPUs, or, without GPUs, every logical CPU device."""
    gpus = tf.config.list_logical_devices("GPU")
    return [device.name for device in (gpus or tf.config.list_logical_devices("CPU"))]


def tpu_strategy():
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"strategy 'tpu' found no TPU ({first_line}); on Colab choose a TPU runtime, "
                         f"or use one of: default, mirrored, multi_worker") from None
    return tf.distribute.TPUStrategy(resolver)


def tf_config():
    """TF_CONFIG as a dict; a ValueError if it is missing or not a cluster with this task in it."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise ValueError("strategy 'multi_worker' needs TF_CONFIG, e.g. "
                         '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}}')
    try:
        config = json.loads(text)
        task = config["task"]
        if task["type"] not in ("worker", "chief") or not 0 <= int(task["index"]) < len(config["cluster"][task["type"]]):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"TF_CONFIG is not a worker cluster with this task in it: {text!r}") from None
    return config


def make_strategy(name):
    """The tf.distribute strategy called name (see the module docstring); ValueError if unknown or unavailable."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(mirrored_devices())
    if name == "tpu":
        return tpu_strategy()
    if name == "multi_worker":
        tf_config()
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {name!r}; valid strategies: {', '.join(STRATEGIES)}")


def shard_by_data(dataset):
    """Multi-worker input: each worker runs the same seeded generator and keeps its own share of
    the batches (a generator has no files to shard by, which is tf.data's first choice)."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def is_chief(strategy):
    """True unless this process is a non-chief worker of a multi-worker cluster."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "chief" or (not has_chief and resolver.task_type == "worker" and resolver.task_id == 0)


def worker_directory(strategy, workdir):
    """Where this process writes: workdir on the chief, a scratch directory on other workers."""
    if is_chief(strategy):
        return workdir
    resolver = strategy.cluster_resolver
    return tempfile.mkdtemp(prefix=f"{os.path.basename(os.path.normpath(workdir))}-{resolver.task_type}{resolver.task_id}-")


def resolve_jit(strategy_name, jit_compile):
    """(use XLA?, a note for the log or None). auto is off: XLA was slower for every recurrent
    layer in make bench. Under mirrored and multi_worker Keras does not compile with XLA, and
    a TPU compiles everything with XLA by itself, so there it is off too, with a note."""
    if strategy_name == "default":
        return jit_compile == "on", None
    if jit_compile == "on":
        reason = ("TPUStrategy compiles every step with XLA by itself" if strategy_name == "tpu"
                  else f"XLA is not used with the {strategy_name} tf.distribute strategy")
        return False, f"jit_compile=on ignored: {reason}"
    return False, None
