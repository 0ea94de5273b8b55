"""How much memory a run needs, estimated from its settings before anything is built, and the
longest distance that fits.

A run holds at once, at its largest:
    training   chunks of training batches (data.pipeline generates CHUNK_BATCHES batches in
               one call and prefetches; counted three chunks deep) and the activations its
               backward pass keeps: about ACTIVATION_FLOATS_PER_UNIT floats per unit, plus
               the layer's input, per time step of every sequence of a batch and per layer,
               and the head's outputs;
    evaluation every split it has loaded (validation and test at each eval distance are
               kept for the run's life) and the model's outputs on the largest one.
These are estimates within a factor of about two, not measurements; they exist to refuse a
run that could never fit (copy at d = 100000 would need tens of GB) before it spends minutes
building sets, and to stop the default eval ladder below rungs that would not fit.

A run may use MEMORY_SHARE of the machine's physical memory (parallel trials and TensorFlow
itself need the rest).
"""

import dataclasses
import os

from data.pipeline import CHUNK_BATCHES
from data.eval_sets import SPLIT_SIZES

MEMORY_SHARE = 0.5
ACTIVATION_FLOATS_PER_UNIT = 12  # an LSTM step keeps 4 gates, c, tanh(c), h and their products
CHUNKS_HELD = 3
FLOAT_BYTES = 4
GB = 1e9


def machine_bytes():
    """The machine's physical memory in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def budget_bytes():
    """What one run may use."""
    return MEMORY_SHARE * machine_bytes()


def training_bytes(config, distance):
    """Training batches and kept activations of config's model at one training distance."""
    task = config.resolved_task
    steps = task.sequence_length(distance)
    batches = CHUNKS_HELD * CHUNK_BATCHES * config.batch_size * task.example_bytes(distance)
    per_step = config.layers * (ACTIVATION_FLOATS_PER_UNIT * config.units + max(config.embedding, config.units))
    head = task.objective.head_units * (steps if task.objective.per_step else 1)
    return batches + config.batch_size * FLOAT_BYTES * (steps * per_step + 3 * head)


def evaluation_bytes(task, distance):
    """The validation and test splits of one eval distance, and the model's outputs on the test split."""
    examples = sum(SPLIT_SIZES.values()) * task.example_bytes(distance)
    outputs_per_example = task.objective.head_units * (task.sequence_length(distance) if task.objective.per_step else 1)
    return examples + SPLIT_SIZES["test"] * FLOAT_BYTES * outputs_per_example


def run_bytes(config, eval_distances):
    """(training, evaluation) bytes of config's run, evaluated at eval_distances."""
    training = max(training_bytes(config, d) for d in config.train_distances)
    return training, sum(evaluation_bytes(config.resolved_task, d) for d in eval_distances)


def fitting_rungs(config, ladder):
    """The rungs of ladder (ascending) that fit: those the run trains on always, longer ones
    while the total stays within the budget; (kept, first rung left out or None)."""
    trained = [d for d in ladder if d <= config.distance]
    training, evaluation = run_bytes(config, trained)
    kept, budget = list(trained), budget_bytes()
    for distance in ladder[len(trained):]:
        evaluation += evaluation_bytes(config.resolved_task, distance)
        if training + evaluation > budget:
            return tuple(kept), distance
        kept.append(distance)
    return tuple(kept), None


def describe_rung_left_out(config, kept, left_out):
    """The line a run prints when the default ladder stops below left_out."""
    return (f"evaluation stops at d={kept[-1]}: the evaluation sets at d={left_out} and beyond would not fit in "
            f"the {budget_bytes() / GB:.1f} GB a run may use ({evaluation_bytes(config.resolved_task, left_out) / GB:.1f}"
            f" GB at d={left_out})")


def check(config):
    """A ValueError of one line if config's run (training, and its sets at its eval distances)
    would not fit in memory, with the size and the longest training distance that fits."""
    training, evaluation = run_bytes(config, config.resolved_eval_distances)
    budget = budget_bytes()
    if training + evaluation <= budget:
        return
    low, high = 0, config.distance  # the longest distance whose training and trained-on sets fit
    while low < high:
        middle = (low + high + 1) // 2
        shorter = dataclasses.replace(config, distance=middle, eval_distances=None)
        if sum(run_bytes(shorter, [d for d in shorter.resolved_eval_distances if d <= middle])) <= budget:
            low = middle
        else:
            high = middle - 1
    fits = f"the longest distance that fits with these settings is {low}" if low else "no distance fits with these settings"
    raise ValueError(f"distance {config.distance} does not fit in memory: this run needs about "
                     f"{(training + evaluation) / GB:.1f} GB (training batches and activations {training / GB:.1f} GB, "
                     f"evaluation sets {evaluation / GB:.1f} GB), more than the {budget / GB:.1f} GB a run may use "
                     f"(half of this machine's {machine_bytes() / GB:.1f} GB); {fits}")
