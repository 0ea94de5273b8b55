"""Shortcut heuristics shared by tasks, scored on a task's training mixture.

A heuristic here ignores the dependency the task is about; a task whose data such a
heuristic solves measures the shortcut, not memory. Each function has the Baseline.measure
signature (fit batches, scored batches) -> (hits, detail); see data.task.Baseline.
"""

import numpy as np


def position_lookup(fit, batches):
    """Token inputs, one label per sequence: a table from the word at one absolute position
    to the label seen most often with it, at the position where the table is best on fit.

    Positions past a sequence's end read as id 0. Returns (hits [N], "position p").
    """
    width = max(batch["inputs"].shape[1] for batch in fit + batches)
    vocab = 1 + max(int(batch["inputs"].max()) for batch in fit + batches)
    labels = 1 + max(int(batch["targets"].max()) for batch in fit)

    def padded(batch_list):
        rows = [np.pad(b["inputs"], ((0, 0), (0, width - b["inputs"].shape[1]))) for b in batch_list]
        return np.concatenate(rows), np.concatenate([b["targets"] for b in batch_list])

    fit_inputs, fit_labels = padded(fit)
    counts = np.zeros((width, vocab, labels))
    np.add.at(counts, (np.arange(width)[None, :], fit_inputs, fit_labels[:, None]), 1)
    table = counts.argmax(axis=-1)  # [position, word] -> label
    fit_accuracy = (table[np.arange(width)[None, :], fit_inputs] == fit_labels[:, None]).mean(axis=0)
    best = int(np.argmax(fit_accuracy))
    inputs, targets = padded(batches)
    return table[best, inputs[:, best]] == targets, f"position {best}"


def constant_class(label, fit, batches):
    """Predicts the same label for every sequence."""
    del fit
    return np.concatenate([b["targets"] == label for b in batches]), ""


def training_mixture(task, distances, count, rng, **options):
    """count sequences at each distance, one batch per distance, as a training stream mixes them."""
    return [task.batch(rng, count, distance, **options) for distance in distances]


def measure_baselines(task, distances, count=1000, seed=0, **options):
    """Every baseline of task on its training mixture: [(name, hits, detail)].

    Heuristics that learn (the position lookup) learn on one mixture and are scored on another,
    drawn from the same distances with count sequences each.
    """
    rng = np.random.default_rng(seed)
    fit = training_mixture(task, distances, count, rng, **options)
    scored = training_mixture(task, distances, count, rng, **options)
    return [(baseline.name, *baseline.measure(fit, scored)) for baseline in task.baselines]
