"""Fixed, versioned evaluation sets as one tensorflow-datasets builder for every task.

The builder task_eval has one BuilderConfig per task and distance, named
"<task>_d<distance>": a ladder of common distances is listed for every registered task,
and any other "<task>_d<N>" is made on demand, so

    tfds.builder("task_eval/agreement_d37", data_dir=...)

works for every task and distance >= 1. The features are those of the task's generator
(inputs, targets and every metadata array, with their shapes and dtypes). Each split is
generated locally with a seed fixed by (task, split, distance), so every run of every cell
is evaluated on the same sequences; nothing is downloaded. No task option is set: agreement
sets leave the attractors to chance, so that accuracy can be broken down by them.

VERSION changes whenever any task's generator changes what it generates.

Importing this module registers the builder with TFDS.
"""

import contextlib
import dataclasses
import fcntl
import functools
import io
import logging
import os
import re
import time
import zlib

import numpy as np

from common.checks import check_distance
from common.files import writing
from common.quiet_tensorflow import import_tensorflow
from common.tempdir import private_tempdir
from data import TASKS

import_tensorflow()
import tensorflow_datasets as tfds  # noqa: E402  (after TensorFlow, which it imports)


class _TFDSChatter(logging.Filter):
    """Drops TFDS's warnings about its own folders ("Variant folder ... has no dataset_info.json")
    that preparing a generated set sets off: they are about downloads and caches of public
    datasets, not about these sets. Its errors still show."""

    def filter(self, record):
        return record.levelno >= logging.ERROR or "tensorflow_datasets" not in record.pathname


logging.getLogger("absl").addFilter(_TFDSChatter())
tfds.disable_progress_bar()

BUILDER = "task_eval"
LADDER = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
SPLIT_SIZES = {"validation": 512, "test": 2048}
_GENERATION_BATCH = 256  # examples generated per NumPy call while preparing a split


@dataclasses.dataclass(eq=False)
class TaskDistanceConfig(tfds.core.BuilderConfig):
    task: str = ""  # key of data.TASKS
    distance: int = 1  # the task's dependency distance for every example of this config


@functools.lru_cache(maxsize=None)
def task_distance_config(task_name, distance):
    """The (one, shared) BuilderConfig of a task and distance; TFDS requires the same object each time."""
    check_distance(distance)
    return TaskDistanceConfig(name=f"{task_name}_d{distance}", task=task_name, distance=distance,
                              description=f"{task_name} at distance {distance}")


def split_seed(task_name, split, distance):
    """The fixed seed of one split: the same on every machine and Python version."""
    return [zlib.crc32(task_name.encode()), zlib.crc32(split.encode()), distance]


def _feature(values):
    """The TFDS feature of one generator array [B, ...]: a tensor of one example's shape and dtype."""
    return tfds.features.Tensor(shape=values.shape[1:], dtype=values.dtype)


class TaskEval(tfds.core.GeneratorBasedBuilder):
    """Evaluation sets of every registered task: one config per task and distance."""

    name = BUILDER
    VERSION = tfds.core.Version("3.0.0")
    RELEASE_NOTES = {
        "1.0.0": "First release, as the builders copy_eval and agreement_eval.",
        "2.0.0": "One builder for every task (adding added); agreement sentences begin with a preamble.",
        "3.0.0": "Agreement: every noun role draws from one list of 48 animate nouns (no noun marks its role).",
    }
    BUILDER_CONFIGS = [task_distance_config(name, d) for name in TASKS for d in LADDER]

    @classmethod
    def get_builder_config(cls, name, version=None):
        """The listed config of that name, or a new one for any "<task>_d<N>" with N >= 1."""
        listed = super().get_builder_config(name, version)
        match = re.fullmatch(r"(\w+?)_d([1-9][0-9]*)", name)
        if listed is None and match and match.group(1) in TASKS:
            return task_distance_config(match.group(1), int(match.group(2)))
        return listed

    @property
    def task(self):
        return TASKS[self.builder_config.task]

    def _info(self):
        example = self.task.batch(np.random.default_rng(0), 1, self.builder_config.distance)
        return self.dataset_info_from_configs(
            description=f"{self.task.summary}; generated, distance {self.builder_config.distance}.",
            features=tfds.features.FeaturesDict({key: _feature(values) for key, values in example.items()}),
            supervised_keys=("inputs", "targets"),
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # nothing to download: the data is generated
        return {split: self._generate_examples(split, size) for split, size in SPLIT_SIZES.items()}

    def _generate_examples(self, split, size):
        distance = self.builder_config.distance
        rng = np.random.default_rng(split_seed(self.task.name, split, distance))
        for first in range(0, size, _GENERATION_BATCH):
            batch = self.task.batch(rng, min(_GENERATION_BATCH, size - first), distance)
            for offset in range(len(batch["inputs"])):
                yield first + offset, {key: value[offset] for key, value in batch.items()}


def eval_builder(task, distance, data_dir=None):
    """The TFDS builder of one task's evaluation sets at one distance (not yet prepared).

    task: a data.task.Task; data_dir: where prepared sets are cached (TFDS's default,
    ~/tensorflow_datasets, if None).
    """
    check_distance(distance)
    with private_tempdir():  # TFDS makes an empty temp directory for every set not yet prepared, and leaves it
        return tfds.builder(f"{BUILDER}/{task.name}_d{distance}", data_dir=data_dir)


@contextlib.contextmanager
def _preparation_lock(builder):
    """Holds an exclusive lock on a file beside the builder's directory, so that processes
    sharing a data directory (the sweep's parallel runs) prepare each set once, one at a time."""
    lock_path = os.path.dirname(builder.data_dir) + ".lock"
    os.makedirs(os.path.dirname(lock_path), exist_ok=True)
    with open(lock_path, "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def load_eval_split(task, distance, split="test", data_dir=None, **as_dataset_kwargs):
    """Prepares the set if it is not cached yet, then returns one split as a tf.data.Dataset.

    Preparing prints one line of ours ("evaluation sets copy d=50: 512 validation and 2048
    test sequences, built in 1.2 s") and nothing of TFDS's, whose lines speak of downloads.
    """
    if split not in SPLIT_SIZES:
        raise ValueError(f"unknown split {split!r}; valid splits: {', '.join(SPLIT_SIZES)}")
    builder = eval_builder(task, distance, data_dir)
    if not builder.is_prepared():
        with _preparation_lock(builder):
            builder = eval_builder(task, distance, data_dir)  # another process may have prepared it meanwhile
            if not builder.is_prepared():
                started = time.time()
                with contextlib.redirect_stdout(io.StringIO()), writing(f"the evaluation sets ({task.name} d={distance})",
                                                                        builder.data_dir):
                    builder.download_and_prepare()  # TFDS prints "Downloading and preparing dataset"
                sizes = " and ".join(f"{size} {name}" for name, size in SPLIT_SIZES.items())
                print(f"evaluation sets {task.name} d={distance}: {sizes} sequences, built in "
                      f"{time.time() - started:.1f} s", flush=True)
    return builder.as_dataset(split=split, **as_dataset_kwargs)
