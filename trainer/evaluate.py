"""Evaluation by distance: a model's accuracy (trainer.accuracy) on the fixed evaluation sets
(data.eval_sets) at each distance and by the task's breakdowns, the climb up the eval ladder,
and the generalisation horizon.

Every run of every cell is evaluated on the same sequences, prepared once per task and
distance in a data directory. A trial is what the task's objective scores (a copy recall
position, an agreement sentence, an adding sequence).
"""

import numpy as np
import tensorflow_datasets as tfds

from data import eval_sets
from data.model_io import bucket_length, bucketed
from trainer.accuracy import Accuracy, DistanceResult

def load_split(task, distance, split, data_dir):
    """One evaluation split of a data.task.Task as a dict of NumPy arrays [N, ...] (prepared on first use)."""
    dataset = eval_sets.load_eval_split(task, distance, split, data_dir=data_dir, batch_size=-1)
    return tfds.as_numpy(dataset)


def hits(task, model, inputs, targets, batch_size=256):
    """Outcome of every trial: bool [N] or [N, k] as the task's objective counts them. Where
    lengths are bucketed (data.model_io.bucketed) the inputs are padded to their bucket first:
    the scores are the same, and the evaluation of the ladder's distances compiles a few lengths."""
    if bucketed():
        inputs = task.inputs.pad(inputs, bucket_length(np.shape(inputs)[1]))
    return task.objective.hits(model.predict(inputs, batch_size=batch_size, verbose=0), targets)


def breakdown_accuracies(task, examples, outcome):
    """{breakdown name: {category: Accuracy}} of one set's trial outcomes [N, ...]."""
    result = {}
    for breakdown in task.breakdowns:
        categories = np.asarray(breakdown.categorize(examples))
        result[breakdown.name] = {int(c): Accuracy.of(outcome[categories == c]) for c in np.unique(categories)}
    return result


def evaluate_examples(model, task, distance, examples):
    """Accuracy of model at one distance on examples, a split from load_split()."""
    outcome = hits(task, model, examples["inputs"], examples["targets"])
    return DistanceResult(distance, Accuracy.of(outcome), task.chance_accuracy, task.baseline_loss(distance),
                          breakdown_accuracies(task, examples, outcome))


class Splits:
    """One evaluation split of a task at any distance, each loaded (and prepared, the first
    time in a data directory) when it is first asked for: splits[distance] -> examples."""

    def __init__(self, task, split, data_dir):
        self.task, self.split, self.data_dir = task, split, data_dir
        self.loaded = {}

    def __getitem__(self, distance):
        if distance not in self.loaded:
            self.loaded[distance] = load_split(self.task, distance, self.split, self.data_dir)
        return self.loaded[distance]

    def once(self, distance):
        """The split at distance, not kept (the long rungs of a retention climb, one at a time)."""
        return self.loaded.get(distance) or load_split(self.task, distance, self.split, self.data_dir)


RUNGS_AT_CHANCE = 2  # the climb up the eval ladder stops after this many rungs in a row at chance


def at_chance(result):
    """Accuracy indistinguishable from chance: its 95% interval reaches down to chance (or below)."""
    return result.accuracy.low <= result.chance


def climb(model, task, distances, splits, trained_up_to):
    """DistanceResults at distances in ascending order: every distance up to trained_up_to
    (the training distance), then the longer rungs of the ladder until accuracy is at chance
    at RUNGS_AT_CHANCE rungs in a row, where memory has ended and longer rungs would cost
    time to say the same."""
    results, in_a_row = [], 0
    for distance in sorted(distances):
        result = evaluate_examples(model, task, distance, splits[distance])
        results.append(result)
        if distance > trained_up_to:
            in_a_row = in_a_row + 1 if at_chance(result) else 0
            if in_a_row == RUNGS_AT_CHANCE:
                break
    return results


RUNGS_BELOW_THRESHOLD = 2  # a retention climb stops after this many rungs in a row below the threshold


def retention_climb(model, task, distances, splits, threshold):
    """DistanceResults of a solved model at distances (ascending, beyond those it was evaluated
    at), until accuracy is below threshold at RUNGS_BELOW_THRESHOLD rungs in a row: how far its
    solution holds (trainer.study.search.held_to reads it)."""
    results, in_a_row = [], 0
    for distance in distances:
        result = evaluate_examples(model, task, distance, splits.once(distance))
        results.append(result)
        in_a_row = in_a_row + 1 if result.accuracy.accuracy < threshold else 0
        if in_a_row == RUNGS_BELOW_THRESHOLD:
            break
    return results


def generalisation_horizon(results, threshold):
    """The longest evaluated distance with accuracy at or above threshold; 0 if none."""
    return max((r.distance for r in results if r.accuracy.accuracy >= threshold), default=0)


def pool_breakdowns(results):
    """Each breakdown pooled over distances: {name: {category: Accuracy}}, categories sorted."""
    pooled = {}
    for result in results:
        for name, categories in result.breakdowns.items():
            for category, accuracy in categories.items():
                correct, trials = pooled.setdefault(name, {}).get(category, (0, 0))
                pooled[name][category] = (correct + accuracy.correct, trials + accuracy.trials)
    return {name: {c: Accuracy.from_counts(*counts[c]) for c in sorted(counts)} for name, counts in pooled.items()}
