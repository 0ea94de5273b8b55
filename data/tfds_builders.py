"""Fixed, versioned evaluation sets as tensorflow-datasets builders.

Two builders, copy_eval and agreement_eval, each with one BuilderConfig per distance,
named "d<distance>": a ladder of common distances is listed, and any other "d<N>" is
made on demand, so

    tfds.builder("agreement_eval/d37", data_dir=...)

works for every distance >= 1. Each split is generated locally from the task generator
with a seed fixed by (task, split, distance), so every run of every cell is evaluated on
the same sequences; nothing is downloaded. Agreement sets leave the attractors to chance
(each intervening noun's number is a coin flip) so that accuracy can be broken down by
the number of attractors.

Importing this module registers the builders with TFDS.
"""

import dataclasses
import functools
import re
import zlib

import numpy as np

from data import TASKS, agreement, copy_memory, get_task
from data.checks import check_distance
from data.quiet_tensorflow import import_tensorflow

import_tensorflow()
import tensorflow_datasets as tfds  # noqa: E402  (after TensorFlow, which it imports)

LADDER = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
SPLIT_SIZES = {"validation": 512, "test": 2048}
_GENERATION_BATCH = 256  # examples generated per NumPy call while preparing a split


@dataclasses.dataclass(eq=False)
class DistanceConfig(tfds.core.BuilderConfig):
    distance: int = 1  # the task's dependency distance for every example of this config


@functools.lru_cache(maxsize=None)
def distance_config(distance):
    """The (one, shared) BuilderConfig for a distance; TFDS requires the same object each time."""
    check_distance(distance)
    return DistanceConfig(name=f"d{distance}", distance=distance, description=f"distance {distance}")


def split_seed(task_name, split, distance):
    """The fixed seed of one split: the same on every machine and Python version."""
    return [zlib.crc32(task_name.encode()), zlib.crc32(split.encode()), distance]


class _DistanceEvalBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Shared by the two builders: splits generated from the task's generator at the config's distance."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release."}
    BUILDER_CONFIGS = [distance_config(d) for d in LADDER]
    TASK = ""  # key of data.TASKS

    @classmethod
    def get_builder_config(cls, name, version=None):
        """The listed config of that name, or a new one for any name "d<N>" with N >= 1."""
        listed = super().get_builder_config(name, version)
        match = re.fullmatch(r"d([1-9][0-9]*)", name)
        if listed is None and match:
            return distance_config(int(match.group(1)))
        return listed

    def _split_generators(self, dl_manager):
        del dl_manager  # nothing to download: the data is generated
        return {split: self._generate_examples(split, size) for split, size in SPLIT_SIZES.items()}

    def _generate_examples(self, split, size):
        distance = self.builder_config.distance
        rng = np.random.default_rng(split_seed(self.TASK, split, distance))
        for first in range(0, size, _GENERATION_BATCH):
            batch = TASKS[self.TASK].batch(rng, min(_GENERATION_BATCH, size - first), distance)
            for offset in range(len(batch["inputs"])):
                yield first + offset, {key: value[offset] for key, value in batch.items()}


class CopyEval(_DistanceEvalBuilder):
    """Copy-memory evaluation sets: inputs and targets [T + 20], one config per distance T."""

    TASK = "copy"

    def _info(self):
        length = copy_memory.sequence_length(self.builder_config.distance)
        return self.dataset_info_from_configs(
            description="Copy-memory sequences (Arjovsky, Shah & Bengio 2016 layout), generated.",
            features=tfds.features.FeaturesDict({
                "inputs": tfds.features.Tensor(shape=(length,), dtype=np.int32),
                "targets": tfds.features.Tensor(shape=(length,), dtype=np.int32),
                "distance": tfds.features.Scalar(dtype=np.int32),
            }),
            supervised_keys=("inputs", "targets"),
        )


class AgreementEval(_DistanceEvalBuilder):
    """Subject-verb agreement evaluation sets: prefixes [d + 1] with the verb's number."""

    TASK = "agreement"

    def _info(self):
        length = self.builder_config.distance + 1
        return self.dataset_info_from_configs(
            description="Subject-verb agreement prefixes from a small English grammar, generated.",
            features=tfds.features.FeaturesDict({
                "inputs": tfds.features.Tensor(shape=(length,), dtype=np.int32),
                "targets": tfds.features.ClassLabel(names=agreement.NUMBER_NAMES),
                "distance": tfds.features.Scalar(dtype=np.int32),
                "attractors": tfds.features.Scalar(dtype=np.int32),
                "nearest_is_attractor": tfds.features.Scalar(dtype=np.bool_),
                "verb": tfds.features.Scalar(dtype=np.int32),
            }),
            supervised_keys=("inputs", "targets"),
        )


BUILDERS = {"copy": "copy_eval", "agreement": "agreement_eval"}  # task -> TFDS builder name


def eval_builder(task_name, distance, data_dir=None):
    """The TFDS builder of one task's evaluation sets at one distance (not yet prepared).

    data_dir: where prepared sets are cached (TFDS's default, ~/tensorflow_datasets, if None).
    """
    get_task(task_name)
    check_distance(distance)
    return tfds.builder(f"{BUILDERS[task_name]}/d{distance}", data_dir=data_dir)


def load_eval_split(task_name, distance, split="test", data_dir=None, **as_dataset_kwargs):
    """Prepares the set if it is not cached yet, then returns one split as a tf.data.Dataset."""
    if split not in SPLIT_SIZES:
        raise ValueError(f"unknown split {split!r}; valid splits: {', '.join(SPLIT_SIZES)}")
    builder = eval_builder(task_name, distance, data_dir)
    builder.download_and_prepare()
    return builder.as_dataset(split=split, **as_dataset_kwargs)
