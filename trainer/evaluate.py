"""Accuracy by distance (and, for agreement, by attractors) on the fixed evaluation sets.

Every run of every cell is evaluated on the same sequences: the TFDS sets of
data.tfds_builders, prepared once per distance in a data directory. Each accuracy comes
with a 95% Wilson score interval. For copy, the trials are the 10 recall positions of
every sequence (the interval treats them as independent, so it is somewhat too narrow);
for agreement, one trial per sentence.
"""

import dataclasses
import math
from typing import Dict, Optional

import numpy as np
import tensorflow_datasets as tfds

from data import copy_memory, get_task, tfds_builders

Z_95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson_interval(correct, trials, z=Z_95):
    """95% Wilson score interval (low, high) for a binomial proportion; (0, 1) for 0 trials."""
    if trials == 0:
        return 0.0, 1.0
    p = correct / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))  # contains p despite rounding


@dataclasses.dataclass
class Accuracy:
    correct: int  # correct trials
    trials: int  # trials (sequences, or recall positions for copy)
    accuracy: float  # correct / trials
    low: float  # 95% interval, lower end
    high: float  # 95% interval, upper end

    @classmethod
    def from_counts(cls, correct, trials):
        low, high = wilson_interval(correct, trials)
        return cls(int(correct), int(trials), correct / trials if trials else float("nan"), low, high)

    @classmethod
    def of(cls, hits):
        """From a boolean array of trial outcomes."""
        return cls.from_counts(int(np.sum(hits)), int(np.size(hits)))


@dataclasses.dataclass
class DistanceResult:
    distance: int
    accuracy: Accuracy
    chance: float  # accuracy of guessing
    memoryless_loss: Optional[float] = None  # copy: cross-entropy of a model that remembers nothing
    by_attractors: Dict[int, Accuracy] = dataclasses.field(default_factory=dict)  # agreement only
    by_nearest_is_attractor: Dict[bool, Accuracy] = dataclasses.field(default_factory=dict)  # agreement only


def load_split(task_name, distance, split, data_dir):
    """One evaluation split as a dict of NumPy arrays [N, ...] (prepared on first use)."""
    dataset = tfds_builders.load_eval_split(task_name, distance, split, data_dir=data_dir, batch_size=-1)
    return tfds.as_numpy(dataset)


def hits(task_name, model, inputs, targets, batch_size=256):
    """Outcome of every trial: copy [N, 10] (recall positions), agreement [N]."""
    logits = model.predict(inputs, batch_size=batch_size, verbose=0)
    if get_task(task_name).per_step_targets:
        recall = slice(-copy_memory.MEMORY_LENGTH, None)
        return np.argmax(logits[:, recall], axis=-1) == targets[:, recall]
    return (logits[:, 0] > 0) == (targets == 1)


def evaluate_examples(model, task_name, distance, examples):
    """Accuracy of model at one distance on examples, a split from load_split()."""
    outcome = hits(task_name, model, examples["inputs"], examples["targets"])
    task = get_task(task_name)
    result = DistanceResult(distance, Accuracy.of(outcome), task.chance_accuracy)
    if task_name == "copy":
        result.memoryless_loss = copy_memory.memoryless_loss(distance)
    else:
        for count in np.unique(examples["attractors"]):
            result.by_attractors[int(count)] = Accuracy.of(outcome[examples["attractors"] == count])
        for flag in (False, True):
            chosen = examples["nearest_is_attractor"] == flag
            if chosen.any():
                result.by_nearest_is_attractor[flag] = Accuracy.of(outcome[chosen])
    return result


def pool_by_attractors(results):
    """Agreement: accuracy by number of attractors, pooled over distances: {count: Accuracy}."""
    pooled = {}
    for result in results:
        for count, accuracy in result.by_attractors.items():
            correct, trials = pooled.get(count, (0, 0))
            pooled[count] = (correct + accuracy.correct, trials + accuracy.trials)
    return {count: Accuracy.from_counts(*pooled[count]) for count in sorted(pooled)}
