"""The adding problem (Hochreiter & Schmidhuber 1997; Le, Jaitly & Hinton 2015).

This module owns the sequence layout, the batch generator, the constant-prediction
baseline, the task's shortcut heuristics and its Task (TASK).

Each step carries two real inputs, a value uniform on [0, 1) and a marker in {0, 1};
exactly two steps are marked and the target is the sum of their values, read after the
last step. For a distance d >= 1 a sequence is

    [L unmarked steps] [first marked step] [d more steps, the last of which ends the sequence]

so it has T = L + d + 1 steps and the first marked step is exactly d steps before the
last one. The lead-in L is drawn per sequence, uniform on 0..MAX_LEAD_IN, so the first
marked step is at no fixed position; the second marked step is uniform on the d steps
after the first (it may be the last step). Rows are d + 1 + MAX_LEAD_IN steps long:
a shorter sequence is followed by padding steps whose two features are both PAD (-1),
which the model masks.

The sum of two uniform values has variance 1/6, so the constant prediction 1 has mean
squared error 1/6: the loss a model must beat before it remembers anything. A prediction
counts as correct within TOLERANCE of the target; the constant 1 is within it for
2 * TOLERANCE - TOLERANCE^2 = 0.0784 of the sequences (the chance line).
"""

import numpy as np

from common.checks import check_batch_size, check_distance
from data.model_io import Features, Regression
from data.task import Baseline, Task

MAX_LEAD_IN = 10  # longest run of unmarked steps before the first marked step
PAD = -1.0  # both features of a padding step
TOLERANCE = 0.04  # a prediction within this of the target is correct
CONSTANT_MSE = 1.0 / 6.0  # mean squared error of always predicting 1
CHANCE_ACCURACY = 2 * TOLERANCE - TOLERANCE**2  # share of targets within TOLERANCE of 1
SOLVED_ACCURACY = 0.9  # a regression is never exact: 9 sums in 10 within TOLERANCE counts as solved
VALUE, MARKER = 0, 1  # feature indices


def sequence_length(distance):
    """Steps per row at a distance: d + 1 + MAX_LEAD_IN (shorter sequences are padded)."""
    check_distance(distance)
    return distance + 1 + MAX_LEAD_IN


def generate(rng, batch_size, distance):
    """A batch of adding-problem sequences, all at one distance.

    Args:
      rng: np.random.Generator, the only source of randomness.
      batch_size: number of sequences B >= 1.
      distance: d >= 1, steps from the first marked step to the last step.

    Returns:
      dict with
        inputs:   float32 [B, d + 1 + MAX_LEAD_IN, 2]: (value, marker) per step, from step 0
                  to the sequence's last step L + d, then padding steps (PAD, PAD);
        targets:  float32 [B], the sum of the two marked values;
        distance: int32 [B], d for every row;
        lead_in:  int32 [B], L, the index of the first marked step;
        second_lag: int32 [B], steps from the second marked step to the last step (0..d-1).
    """
    check_batch_size(batch_size)
    check_distance(distance)
    width = sequence_length(distance)
    rows = np.arange(batch_size)
    lead_in = rng.integers(0, MAX_LEAD_IN + 1, size=batch_size)
    second_lag = rng.integers(0, distance, size=batch_size)  # the second marker is one of the d later steps
    last = lead_in + distance
    inputs = np.full((batch_size, width, 2), PAD, dtype=np.float32)
    real = np.arange(width)[None, :] <= last[:, None]
    inputs[..., VALUE] = np.where(real, rng.random((batch_size, width)), PAD)
    inputs[..., MARKER] = np.where(real, 0.0, PAD)
    inputs[rows, lead_in, MARKER] = 1.0
    inputs[rows, last - second_lag, MARKER] = 1.0
    targets = inputs[rows, lead_in, VALUE] + inputs[rows, last - second_lag, VALUE]
    return {
        "inputs": inputs,
        "targets": targets.astype(np.float32),
        "distance": np.full(batch_size, distance, dtype=np.int32),
        "lead_in": lead_in.astype(np.int32),
        "second_lag": second_lag.astype(np.int32),
    }


def describe(batch, index):
    """A readable block for one sequence: the marked steps, their values and the target."""
    inputs = batch["inputs"][index]
    length = int(np.sum(np.any(inputs != PAD, axis=-1)))
    marked = np.flatnonzero(inputs[:length, MARKER] == 1)
    values = " ".join(f"{v:.2f}" + ("*" if m else "") for v, m in inputs[:length])
    terms = " + ".join(f"{inputs[t, VALUE]:.3f} (step {t})" for t in marked)
    return (
        f"distance {int(batch['distance'][index])}, {length} steps, marked steps starred\n"
        f"  values  {values}\n"
        f"  target  {terms} = {batch['targets'][index]:.3f}"
    )


def phase_markers(batch, index):
    """The two marked steps of one sequence: [(first, "first marked"), (second, "second marked")]."""
    first = int(batch["lead_in"][index])
    second = first + int(batch["distance"][index]) - int(batch["second_lag"][index])
    return [(first, "first marked"), (second, "second marked")]


def constant_one(fit, batches):
    """Predicts 1, the mean of the target, for every sequence."""
    del fit
    return np.concatenate([np.abs(b["targets"] - 1.0) < TOLERANCE for b in batches]), ""


def second_value_only(fit, batches):
    """Remembers only the nearer (second) marked value: predicts it + 0.5."""
    del fit
    hits = []
    for b in batches:
        rows = np.arange(len(b["targets"]))
        second = b["lead_in"] + b["distance"] - b["second_lag"]
        hits.append(np.abs(b["inputs"][rows, second, VALUE] + 0.5 - b["targets"]) < TOLERANCE)
    return np.concatenate(hits), ""


TASK = Task(
    name="adding",
    summary="adding problem: the sum of two marked values, the first d steps before the end",
    generate=generate,
    describe=describe,
    inputs=Features(2, pad_value=PAD),
    objective=Regression(TOLERANCE),
    chance_accuracy=CHANCE_ACCURACY,
    solved_accuracy=SOLVED_ACCURACY,
    baseline_loss=lambda distance: CONSTANT_MSE,
    baseline_loss_name="constant-1 MSE: squared error of always predicting 1 (1/6)",
    sequence_length=sequence_length,
    phase_markers=phase_markers,
    baselines=(
        Baseline("constant 1", constant_one),
        Baseline("second marked value + 0.5 (forgets the first)", second_value_only),
    ),
)
