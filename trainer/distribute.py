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

The strategies are TensorFlow's: on another Keras backend (JAX) only default runs, on the
backend's own device (a GPU if it has one), and every step is compiled with XLA unless
jit_compile is off.
"""

import contextlib
import os

import keras

from common.quiet_tensorflow import import_tensorflow
from trainer.config import STRATEGIES

tf = import_tensorflow()


class OneDevice:
    """The default strategy of a backend other than TensorFlow: one device, nothing to set up."""

    num_replicas_in_sync = 1

    def scope(self):
        return contextlib.nullcontext()


def on_tensorflow():
    return keras.backend.backend() == "tensorflow"


COMPILATION_CACHE = ".jax-cache"  # below a logdir: the compiled steps of every run in it
CACHED_COMPILES_FROM_S = 0.1  # compiles at least this long are cached (JAX's default, 1 s, leaves out evaluation's)


def use_compilation_cache(logdir):
    """On JAX, compiled steps are kept in logdir/.jax-cache and found again by every later run
    and every worker process of a search that uses the same logdir: a probe of a cell compiles
    only the lengths no earlier probe of its shape compiled. Nothing to do on TensorFlow."""
    if keras.backend.backend() != "jax":
        return
    import jax

    jax.config.update("jax_compilation_cache_dir", os.path.abspath(os.path.join(logdir, COMPILATION_CACHE)))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", CACHED_COMPILES_FROM_S)


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
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; valid strategies: {', '.join(STRATEGIES)}")
    if not on_tensorflow():
        if name != "default":
            raise ValueError(f"strategy {name!r} is TensorFlow's: run it with --backend=tensorflow (this run's backend "
                             f"is {keras.backend.backend()})")
        return OneDevice()
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(mirrored_devices())
    return tpu_strategy()


def resolve_jit(strategy_name, jit_compile):
    """(use XLA?, a note for the log or None). auto is off on TensorFlow: XLA was slower for every
    recurrent layer in make bench; on JAX it is on (off would run every step eagerly). Under
    mirrored Keras does not compile with XLA, and a TPU compiles everything with XLA by itself,
    so there it is off too, with a note."""
    if not on_tensorflow():
        return jit_compile != "off", None
    if strategy_name == "default":
        return jit_compile == "on", None
    if jit_compile == "on":
        reason = ("TPUStrategy compiles every step with XLA by itself" if strategy_name == "tpu"
                  else f"XLA is not used with the {strategy_name} tf.distribute strategy")
        return False, f"jit_compile=on ignored: {reason}"
    return False, None
