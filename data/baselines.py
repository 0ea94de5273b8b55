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


FIRST_WORD_SHIFT = 0.1  # a word is informative if sentences holding it have a label rate this far from the overall one
FIRST_WORD_MIN_COUNT = 30  # ... and it appears in at least this many fit sentences (rarer words are noise)


def _presence(batch_list, vocab):
    """[N, vocab] bool: which words each sequence holds (id 0, padding, never counts)."""
    present = []
    for batch in batch_list:
        holds = np.zeros((len(batch["inputs"]), vocab), dtype=bool)
        holds[np.arange(len(batch["inputs"]))[:, None], batch["inputs"]] = True
        present.append(holds)
    present = np.concatenate(present)
    present[:, 0] = False
    return present


def first_informative_word(fit, batches):
    """Token inputs, a binary label per sequence: on fit, the label rate of the sentences that
    hold each word; a word is informative where that rate is more than FIRST_WORD_SHIFT away
    from the overall rate. A sequence is labelled by the first informative word it holds (the
    side of the overall rate its rate lies on), or by the commoner label if it holds none.

    It reads a label off a word's identity wherever the word stands: it wins if some words
    are much likelier in one role (say, nouns that are mostly subjects). Returns (hits [N], "k
    informative words").
    """
    vocab = 1 + max(int(batch["inputs"].max()) for batch in fit + batches)
    labels = np.concatenate([b["targets"] for b in fit]).astype(float)
    overall = labels.mean()
    present = _presence(fit, vocab)
    counts = present.sum(axis=0)
    rate = np.divide(present.T.astype(float) @ labels, counts, out=np.full(vocab, overall), where=counts > 0)
    informative = (np.abs(rate - overall) > FIRST_WORD_SHIFT) & (counts >= FIRST_WORD_MIN_COUNT)
    informative[0] = False
    hits = []
    for batch in batches:
        marked = informative[batch["inputs"]]
        first = batch["inputs"][np.arange(len(marked)), np.argmax(marked, axis=1)]
        predicted = np.where(marked.any(axis=1), rate[first] > overall, overall >= 0.5)
        hits.append(predicted.astype(batch["targets"].dtype) == batch["targets"])
    return np.concatenate(hits), f"{int(informative.sum())} informative words"


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
