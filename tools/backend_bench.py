"""Training steps per second of the project's model on the Keras backend this process runs:
the worker of `make bench`'s backends section (tools.bench), which starts it once per backend,
since Keras takes its backend when it loads.

    python -m tools.backend_bench --backend=jax --cells=lstm,gru,min_gru:scan --shapes=64x34,64x114 --units=64

Each cell is the model the study trains (trainer.model.build_model: Embedding 16 -> the cell ->
a Dense head; the agreement task's shapes: one decision per sentence), compiled as a run
compiles it (trainer.distribute.resolve_jit: XLA on JAX, off on TensorFlow, with the training
loop as a run has it), Adam with clipnorm 1, trained by model.fit on NumPy arrays of one length
T. It prints one JSON object per line: {backend, cell, units, batch, steps (T), steps_per_second,
first_step_seconds} (the rate the median of ROUNDS timings of STEPS_TIMED steps; the first
step, compilation included).
"""

import json
import statistics
import time

import numpy as np
from absl import flags

from common import cli
from common.backend import BACKENDS

FLAGS = flags.FLAGS
ROUNDS = 3
STEPS_TIMED = 60


def parse_shapes(values):
    """["64x34", ...] -> [(batch, T), ...]; a ValueError names a shape that is not BxT."""
    shapes = []
    for value in values:
        batch, _, steps = value.partition("x")
        if not (batch.isdigit() and steps.isdigit() and int(batch) > 0 and int(steps) > 0):
            raise ValueError(f"shapes must be BATCHxT with positive integers, e.g. 64x34, got {value!r}")
        shapes.append((int(batch), int(steps)))
    return shapes


def time_cell(cell_name, units, batch, steps):
    """(steps per second, seconds to the first step) of one cell's model at one shape."""
    import keras

    from data import TASKS
    from trainer import distribute
    from trainer.cells import CELLS
    from trainer.model import build_model, compile_model

    task = TASKS["agreement"]
    keras.utils.set_random_seed(0)
    jit_compile, _ = distribute.resolve_jit("default", "auto")
    name, _, variant = cell_name.partition(":")
    cell = CELLS[name]
    options = {"unroll_training": False} if jit_compile and "unroll_training" in cell.options else {}
    if variant:  # "min_gru:scan": the parallel scan, not the default loop
        options["scan"] = variant == "scan"
    model = compile_model(build_model(task, cell, units, **options), task, "adam", 0.003, 1.0, jit_compile)
    rng = np.random.default_rng(0)
    inputs = rng.integers(1, task.inputs.vocab_size, size=(batch * STEPS_TIMED, steps)).astype("int32")
    targets = rng.integers(0, 2, size=batch * STEPS_TIMED).astype("int32")
    started = time.perf_counter()
    model.fit(inputs[:batch], targets[:batch], batch_size=batch, verbose=0)
    first = time.perf_counter() - started
    rates = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        model.fit(inputs, targets, batch_size=batch, epochs=1, verbose=0)
        rates.append(STEPS_TIMED / (time.perf_counter() - started))
    return statistics.median(rates), first


def main():
    import keras

    if FLAGS.backend and FLAGS.backend != keras.backend.backend():
        raise ValueError(f"backend {FLAGS.backend!r} was asked for, but Keras runs on {keras.backend.backend()!r}")
    for batch, steps in parse_shapes(FLAGS.shapes):
        for cell in FLAGS.cells:
            rate, first = time_cell(cell, FLAGS.units, batch, steps)
            print(json.dumps({"backend": keras.backend.backend(), "cell": cell, "units": FLAGS.units, "batch": batch,
                              "steps": steps, "steps_per_second": rate, "first_step_seconds": first}), flush=True)


def define_flags():
    """The command line's flags (only when run as a program)."""
    flags.DEFINE_enum("backend", None, list(BACKENDS), "Keras backend (chosen before Keras loads).")
    flags.DEFINE_list("cells", ["lstm", "gru"], "Cells to time; NAME:scan times a scanning cell's parallel scan.")
    flags.DEFINE_list("shapes", ["64x34", "64x114"], "BATCHxT shapes to time.")
    flags.DEFINE_integer("units", 64, "Hidden units.")


if __name__ == "__main__":
    define_flags()
    cli.run(main)
