"""tf.distribute strategies for training on more than one device, by name.

    default       the default strategy: one device (the GPU if there is one)
    mirrored      MirroredStrategy: one replica per local GPU; on a machine without GPUs,
                  one per logical CPU device (see tf.config.set_logical_device_configuration),
                  which is how the tests check it
    tpu           TPUStrategy on the TPU of the runtime (Colab's TPU runtime), found by
                  TPUClusterResolver

Config.batch_size is the global batch: each step splits it across the replicas
(strategy.num_replicas_in_sync), so the same settings give the same updates on any number
of devices.

There is no multi-machine strategy: Keras 3's fit cannot train under
MultiWorkerMirroredStrategy (keras-team/keras#20585), and one small recurrent network is
not worth spreading over machines. Scale-out is many independent runs: the sweep runs its
grid as Ray Tune trials on a cluster (trainer.study).
"""

import tensorflow as tf

from trainer.config import STRATEGIES


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
                         f"or use one of: default, mirrored") from None
    return tf.distribute.TPUStrategy(resolver)


def make_strategy(name):
    """The tf.distribute strategy called name (see the module docstring); ValueError if unknown or unavailable."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(mirrored_devices())
    if name == "tpu":
        return tpu_strategy()
    raise ValueError(f"unknown strategy {name!r}; valid strategies: {', '.join(STRATEGIES)}")


def resolve_jit(strategy_name, jit_compile):
    """(use XLA?, a note for the log or None). auto is off: XLA was slower for every recurrent
    layer in make bench. Under mirrored Keras does not compile with XLA, and
    a TPU compiles everything with XLA by itself, so there it is off too, with a note."""
    if strategy_name == "default":
        return jit_compile == "on", None
    if jit_compile == "on":
        reason = ("TPUStrategy compiles every step with XLA by itself" if strategy_name == "tpu"
                  else f"XLA is not used with the {strategy_name} tf.distribute strategy")
        return False, f"jit_compile=on ignored: {reason}"
    return False, None
