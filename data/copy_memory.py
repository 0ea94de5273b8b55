"""The copy-memory task (the layout of Arjovsky, Shah & Bengio, 2016).

This module owns the task's alphabet, its sequence layout, the positions where the
model must recall, the loss of a model that remembers nothing, and its Task (TASK).

Alphabet of 10 symbols: 0 blank, 1..8 data, 9 delimiter. For a distance T >= 1 a
sequence has T + 20 steps:

    input   [10 data symbols] [T - 1 blanks] [9] [10 blanks]
    target  [T + 10 blanks]                      [the same 10 data symbols]

The data symbols are uniform on 1..8, so a model predicts one of nine classes (0..8)
at every step. The last data symbol is read at step 9 and recalled at step T + 19:
the dependency spans T + 10 steps, and every recalled symbol is exactly T + 10 steps
after the one it copies.
"""

import math

import numpy as np

from common.checks import check_batch_size, check_distance
from data.model_io import StepClasses, Tokens
from data.task import Baseline, Task

BLANK = 0
DELIMITER = 9
NUM_DATA_SYMBOLS = 8
MEMORY_LENGTH = 10  # how many data symbols are shown and recalled
VOCAB_SIZE = 10  # input alphabet: blank, 8 data symbols, delimiter
PAD = VOCAB_SIZE  # a step of padding (masked): never generated; put before a sequence padded to a longer length
NUM_CLASSES = 9  # output classes: blank and the 8 data symbols
CHANCE_ACCURACY = 1.0 / NUM_DATA_SYMBOLS  # guessing a data symbol at a recall position


def sequence_length(distance):
    """Number of steps in a sequence of the given distance: T + 20."""
    check_distance(distance)
    return distance + 2 * MEMORY_LENGTH


def recall_mask(distance):
    """Boolean mask [T + 20], true at the 10 final steps where the data must be recalled."""
    mask = np.zeros(sequence_length(distance), dtype=bool)
    mask[-MEMORY_LENGTH:] = True
    return mask


def memoryless_loss(distance):
    """Cross-entropy per step (nats) of the best model that remembers nothing.

    It predicts blank with certainty where the target is blank and the uniform
    distribution over the 8 data symbols at the 10 recall steps: 10 ln 8 / (T + 20).
    """
    return MEMORY_LENGTH * math.log(NUM_DATA_SYMBOLS) / sequence_length(distance)


def memoryless_accuracy(distance):
    """All-positions accuracy of that memoryless model: (T + 10 + 10/8) / (T + 20).

    It tends to 1 as T grows, which is why the accuracy that counts is measured on the
    recall positions only (see recall_mask), where chance is 1/8.
    """
    length = sequence_length(distance)
    return (length - MEMORY_LENGTH + MEMORY_LENGTH * CHANCE_ACCURACY) / length


def generate(rng, batch_size, distance):
    """A batch of copy-memory sequences.

    Args:
      rng: np.random.Generator, the only source of randomness.
      batch_size: number of sequences B >= 1.
      distance: the delay T >= 1.

    Returns:
      dict with
        inputs:   int32 [B, T + 20], symbols 0..9 in the layout above;
        targets:  int32 [B, T + 20], classes 0..8: blank except the last 10 steps;
        distance: int32 [B], T for every row.
    """
    check_batch_size(batch_size)
    length = sequence_length(distance)
    data = rng.integers(1, NUM_DATA_SYMBOLS + 1, size=(batch_size, MEMORY_LENGTH), dtype=np.int32)
    inputs = np.zeros((batch_size, length), dtype=np.int32)
    inputs[:, :MEMORY_LENGTH] = data
    inputs[:, distance + MEMORY_LENGTH - 1] = DELIMITER
    targets = np.zeros((batch_size, length), dtype=np.int32)
    targets[:, -MEMORY_LENGTH:] = data
    return {
        "inputs": inputs,
        "targets": targets,
        "distance": np.full(batch_size, distance, dtype=np.int32),
    }


def describe(batch, index):
    """A readable line for one sequence of a batch: input, target and what must be recalled."""
    inputs, targets = batch["inputs"][index], batch["targets"][index]
    distance = int(batch["distance"][index])
    glyphs = np.array(["_"] + [str(s) for s in range(1, NUM_DATA_SYMBOLS + 1)] + [":"])
    mask = recall_mask(distance)
    return (
        f"distance {distance}\n"
        f"  input   {''.join(glyphs[inputs])}\n"
        f"  target  {''.join(glyphs[targets])}\n"
        f"  recall  {''.join(glyphs[targets[mask]])} (steps {np.flatnonzero(mask)[0]}..{len(mask) - 1})"
    )


def phase_markers(batch, index):
    """Where the phases of one sequence begin: [(0, "store"), (10, "delay"), (T + 10, "recall")]."""
    distance = int(batch["distance"][index])
    return [(0, "store"), (MEMORY_LENGTH, "delay"), (distance + MEMORY_LENGTH, "recall")]


def same_symbol_everywhere(fit, batches):
    """Memoryless: the data symbol seen most often at the recall positions of fit, at every one."""
    recalled = np.concatenate([b["targets"][:, -MEMORY_LENGTH:] for b in fit])
    symbol = np.bincount(recalled.ravel(), minlength=NUM_CLASSES).argmax()
    return np.concatenate([b["targets"][:, -MEMORY_LENGTH:] == symbol for b in batches]), f"symbol {symbol}"


def blanks_everywhere(fit, batches):
    """Predicts blank at every step: all-positions accuracy near 1, recall accuracy 0."""
    del fit
    return np.concatenate([b["targets"][:, -MEMORY_LENGTH:] == BLANK for b in batches]), ""


TASK = Task(
    name="copy",
    summary="copy memory: recall 10 symbols after a delay of T steps",
    generate=generate,
    describe=describe,
    inputs=Tokens(VOCAB_SIZE + 1, pad_id=PAD, pad_at="start"),  # scored at its last steps: padded before
    objective=StepClasses(NUM_CLASSES, scored_steps=MEMORY_LENGTH),
    chance_accuracy=CHANCE_ACCURACY,
    solved_accuracy=0.99,
    baseline_loss=memoryless_loss,
    baseline_loss_name="memoryless loss: cross-entropy per step of a model that remembers nothing",
    sequence_length=sequence_length,
    phase_markers=phase_markers,
    baselines=(
        Baseline("the most frequent symbol at every recall position", same_symbol_everywhere),
        Baseline("blank at every step", blanks_everywhere),
    ),
)
