"""Benchmarks: throughput tables printed to stdout (python -m tools.bench, or make bench).

    python -m tools.bench [--sections=data,cells,compile,flops,versus,backends] [--torch_python=/path/to/python]
                          [--backends=tensorflow,jax]

data. Data generation: for each task at distances 10, 100 and 1000 with batch 128, batches per
second from the NumPy generator and from the tf.data training stream, beside the training
steps per second of a 128-unit Keras LSTM on batches of the same shape. The goal is a
generator at least 20 times faster than that training step, so training never waits for
data; the last column is the slower of the two generators divided by the LSTM's rate.

cells. Training steps per second of every cell at batch 128, T = 120, 128 units,
embedding 16, a Dense head at every step and Adam: each custom cell beside its Keras twin
(lstm/keras_lstm, gru/keras_gru, rnn/keras_rnn), with the input projection per step and
hoisted out of the loop. Models are timed in interleaved rounds and the median is kept,
because this machine's step rate drifts by 10-20% from second to second.

compile. jit_compile (XLA) on and off, unroll on and off, for lstm, keras_lstm, gru and
keras_gru; XLA with unroll takes minutes to compile, so it is timed for lstm only.

flops. Achieved GFLOP/s of the lstm training step (matrix products only) beside a large
float32 matmul timed in the same run: how far the recurrence is from the machine's limit.

versus. The custom lstm and gru (as trained: the loop unrolled; and as a while-loop)
against their Keras twins and, with --torch_python (an interpreter of your own that has
PyTorch; it runs trainer/torch_twin.py, which the project does not import), PyTorch's
nn.LSTM and nn.GRU, all in one run at two shapes: batch 64, T=30 (copy at distance 10) and
batch 128, T=120 (copy at distance 100), each the median of VERSUS_ROUNDS interleaved
rounds. Beside them, the matmul-only bound: the steps/s a
training step would reach if it did nothing but its recurrent matrix products (forward
once, backward as two more).

backends. Training steps per second of each cell on each Keras backend (tensorflow, jax;
torch where installed), each backend in a process of its own (tools.backend_bench, since Keras
takes its backend when it loads): the study's model at its shapes (64 units, batch 64, T = 34
and 114: agreement at d = 10 and 80) and make train's (128 units, T = 30), and the parallel scan
of the cells that have one (NAME:scan).

docs/benchmarks.md has the tables as measured, where a training step's time goes, and what was
tried against it.
"""

import json
import os
import subprocess
import sys
import time

import numpy as np
from absl import flags

from common import cli
from common.backend import BACKENDS, import_keras
from common.quiet_tensorflow import import_tensorflow

keras = import_keras()
tf = import_tensorflow()
from data import TASKS, pipeline  # noqa: E402  (after Keras and TensorFlow's quiet import)
from trainer.cells import CELLS  # noqa: E402
from trainer.model import build_model, compile_model  # noqa: E402

BATCH_SIZE = 128
DISTANCES = (10, 100, 1000)
UNITS = 128
EMBEDDING = 16
CELL_STEPS = 120  # sequence length of the cell benchmark
CELL_INPUTS, CELL_CLASSES = 10, 9  # the copy task's alphabet and classes

VERSUS_SHAPES = ((64, 30), (128, 120))  # (batch, T) of the side-by-side table
VERSUS_ROUNDS = 5  # interleaved rounds per model, on both sides (rates drift between runs)
TORCH_TWIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_twin.py")

SECTIONS = ("data", "cells", "compile", "flops", "versus", "backends")
# backends: (units, batch, T) of the study (agreement at d = 10 and d = 80) and of make train (copy at d = 10)
BACKEND_SHAPES = ((64, 64, 34), (64, 64, 114), (128, 64, 30))
BACKEND_CELLS = ("rnn", "lstm", "gru", "min_gru", "min_gru:scan", "min_lstm", "min_lstm:scan", "lru", "lru:scan",
                 "ind_rnn", "sco_rnn", "keras_lstm", "keras_gru")


def define_flags():
    """The command line's flags, defined when it runs (importing this module defines none)."""
    flags.DEFINE_list("sections", list(SECTIONS), f"Which tables to print: any of {', '.join(SECTIONS)}.")
    flags.DEFINE_enum("backend", None, list(BACKENDS), "Keras backend of the in-process sections (backends starts one "
                                                       "process per backend).")
    flags.DEFINE_list("backends", ["tensorflow", "jax"], "backends: the Keras backends to time (torch too if installed).")
    flags.DEFINE_string("torch_python", None, "versus: a Python interpreter with PyTorch installed, to time nn.LSTM and "
                                              "nn.GRU beside the custom cells (default: no PyTorch column).")


def calls_per_second(call, min_seconds=1.0, min_calls=3, warmup=1):
    """Calls call() until min_seconds and min_calls are both reached; returns calls per second."""
    for _ in range(warmup):
        call()
    calls, start = 0, time.perf_counter()
    while calls < min_calls or time.perf_counter() - start < min_seconds:
        call()
        calls += 1
    return calls / (time.perf_counter() - start)


def reference_lstm(task):
    """The task's model (trainer.model.build_model) with a 128-unit Keras LSTM, compiled with Adam."""
    return compile_model(build_model(task, CELLS["keras_lstm"], UNITS, embedding=EMBEDDING), task)


def data_throughput_rows():
    """One row per (task, distance): generator, stream and LSTM rates, and the ratio."""
    rows = []
    for name, task in TASKS.items():
        model = reference_lstm(task)
        for distance in DISTANCES:
            rng = np.random.default_rng(0)
            numpy_rate = calls_per_second(lambda: task.batch(rng, BATCH_SIZE, distance))
            iterator = iter(pipeline.training_stream(task, BATCH_SIZE, distance, seed=0))
            stream_rate = calls_per_second(lambda: next(iterator), warmup=10)
            batch = task.batch(rng, BATCH_SIZE, distance)
            train_rate = calls_per_second(
                lambda: model.train_on_batch(batch["inputs"], batch["targets"]), min_seconds=2.0, warmup=2
            )
            rows.append((name, distance, numpy_rate, stream_rate, train_rate, min(numpy_rate, stream_rate) / train_rate))
    return rows


def print_table(title, header, rows, formats):
    print(f"\n{title}")
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for row in rows:
        print(" | ".join(fmt.format(value) for fmt, value in zip(formats, row)))


def cell_model(name, jit_compile=False, steps=CELL_STEPS, **options):
    """Embedding(16) -> cell (128 units, every step) -> Dense(9) per step, Adam, compiled."""
    model = keras.Sequential([
        keras.Input((steps,), dtype="int32"),
        keras.layers.Embedding(CELL_INPUTS, EMBEDDING),
        CELLS[name].layer(UNITS, return_sequences=True, **options),
        keras.layers.Dense(CELL_CLASSES),
    ])
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    return model


def cell_batch(batch_size=BATCH_SIZE, steps=CELL_STEPS):
    rng = np.random.default_rng(0)
    inputs = rng.integers(0, CELL_INPUTS, size=(batch_size, steps)).astype("int32")
    targets = rng.integers(0, CELL_CLASSES, size=(batch_size, steps)).astype("int32")
    return inputs, targets


def interleaved_rates(setups, rounds=3, seconds=1.5, batch_size=BATCH_SIZE, steps=CELL_STEPS):
    """{key: (name, jit, options)} -> ({key: median steps/s}, {key: seconds to the first step})."""
    x, y = cell_batch(batch_size, steps)
    models, compile_seconds = {}, {}
    for key, (name, jit_compile, options) in setups.items():
        start = time.perf_counter()
        models[key] = cell_model(name, jit_compile, steps, **options)
        models[key].train_on_batch(x, y)
        compile_seconds[key] = time.perf_counter() - start
    rates = {key: [] for key in setups}
    for _ in range(rounds):
        for key, model in models.items():
            rates[key].append(calls_per_second(lambda: model.train_on_batch(x, y), min_seconds=seconds, warmup=1))
    return {key: float(np.median(r)) for key, r in rates.items()}, compile_seconds


def cell_rows():
    """Per cell: steps/s with the projection per step and hoisted, its twin, and the ratios."""
    setups = {(name, False): (name, False, {"hoist_inputs": False} if c.cell_class else {}) for name, c in CELLS.items()}
    setups.update({(name, True): (name, False, {"hoist_inputs": True}) for name, c in CELLS.items() if c.cell_class})
    rates, _ = interleaved_rates(setups)
    rows = []
    for name, entry in CELLS.items():
        if entry.cell_class is None:
            continue
        per_step, hoisted = rates[(name, False)], rates[(name, True)]
        twin = rates[(entry.twin, False)] if entry.twin else None
        ratio = lambda r: f"{r / twin:.2f}" if twin else "-"
        rows.append((name, per_step, hoisted, entry.twin or "-", f"{twin:.2f}" if twin else "-",
                     ratio(per_step), ratio(hoisted)))
    return rows


def compile_rows():
    """jit_compile x unroll for the LSTM and GRU, custom and Keras: compile seconds and steps/s.
    unroll False is a while-loop (for the custom cells, unroll_training=False)."""
    setups = {}
    for name in ("lstm", "keras_lstm", "gru", "keras_gru"):
        for jit_compile in (False, True):
            for unroll in (False, True):
                if jit_compile and unroll and name != "lstm":
                    continue
                loop = {"unroll_training": False} if "unroll_training" in CELLS[name].options else {}
                setups[(name, jit_compile, unroll)] = (name, jit_compile, {"unroll": True} if unroll else loop)
    rates, seconds = interleaved_rates(setups, rounds=2)
    return [(*key, seconds[key], rates[key]) for key in setups]


def lstm_step_flops():
    """Matrix-product FLOPs of one lstm training step: forward x 3 (backward ~ 2 x forward)."""
    gates = 4 * UNITS
    recurrence = CELL_STEPS * 2 * BATCH_SIZE * (EMBEDDING + UNITS) * gates
    head = CELL_STEPS * 2 * BATCH_SIZE * UNITS * CELL_CLASSES
    return 3 * (recurrence + head)


def matmul_gflops(size=2048, seconds=2.0):
    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size))
    product = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)))
    return 2 * size**3 * calls_per_second(lambda: product().numpy(), min_seconds=seconds) / 1e9


def flops_rows():
    rates, _ = interleaved_rates({"lstm": ("lstm", False, {})})
    flops = lstm_step_flops()
    return [
        ("lstm training step (matmuls only)", flops / 1e9, flops * rates["lstm"] / 1e9),
        ("float32 matmul 2048 x 2048", 2 * 2048**3 / 1e9, matmul_gflops()),
    ]


def recurrent_matmul_bound(batch_size, steps, blocks):
    """Steps/s of a training step that did only its recurrent matrix products: T products
    [B, 128] x [128, blocks x 128] forward, timed, and twice that again for the backward pass."""
    state = tf.random.normal((batch_size, UNITS))
    kernel = tf.random.normal((UNITS, blocks * UNITS))

    @tf.function
    def recurrence():
        h = state
        for _ in range(steps):
            h = tf.matmul(h, kernel)[:, :UNITS]
        return h

    return calls_per_second(lambda: recurrence(), min_seconds=1.5, warmup=2) / 3


def torch_rates(python):
    """{cell: {"BxT": steps/s}} of PyTorch's twins, from trainer/torch_twin.py run by python."""
    shapes = ",".join(f"{b}x{t}" for b, t in VERSUS_SHAPES)
    threads = tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()
    command = [python, TORCH_TWIN, f"--shapes={shapes}", f"--threads={threads}", f"--rounds={VERSUS_ROUNDS}"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    except OSError as error:
        raise ValueError(f"torch_python {python!r} cannot be run: {error.strerror}") from None
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no output"]
        raise ValueError(f"torch_python {python!r} could not time PyTorch: {lines[-1]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def versus_rows(python=None):
    """Per shape: custom lstm/gru (default: training loop unrolled; and as a while-loop), their
    Keras twins, PyTorch's (if python), the matmul-only bound."""
    pytorch = torch_rates(python) if python else None
    rows = []
    for batch_size, steps in VERSUS_SHAPES:
        setups = {name: (name, False, {}) for name in ("lstm", "keras_lstm", "gru", "keras_gru")}
        setups.update({f"{name} loop": (name, False, {"unroll_training": False}) for name in ("lstm", "gru")})
        rates, _ = interleaved_rates(setups, rounds=VERSUS_ROUNDS, batch_size=batch_size, steps=steps)
        for cell, blocks in (("lstm", 4), ("gru", 3)):
            twin = rates[f"keras_{cell}"]
            other = pytorch[cell][f"{batch_size}x{steps}"] if pytorch else None
            rows.append((f"batch {batch_size}, T={steps}", cell, rates[cell], rates[f"{cell} loop"], twin, rates[cell] / twin,
                         "-" if other is None else f"{other:.1f}", "-" if other is None else f"{rates[cell] / other:.2f}",
                         recurrent_matmul_bound(batch_size, steps, blocks)))
    return rows, (pytorch or {}).get("torch")


def main():
    unknown = sorted(set(flags.FLAGS.sections) - set(SECTIONS))
    if unknown:
        raise ValueError(f"unknown section {unknown[0]!r}; valid sections: {', '.join(SECTIONS)}")
    if "data" in flags.FLAGS.sections:
        print_data_table()
    if "cells" in flags.FLAGS.sections:
        print_table(
            f"Cells: training steps/s, batch {BATCH_SIZE}, T={CELL_STEPS}, {UNITS} units, embedding {EMBEDDING}, "
            "Dense head per step, Adam (median of interleaved rounds)",
            ["cell", "steps/s (projection per step, default)", "steps/s (hoisted)", "Keras twin", "twin steps/s",
             "ratio per step", "ratio hoisted"],
            cell_rows(),
            ["{}", "{:.2f}", "{:.2f}", "{}", "{}", "{}", "{}"],
        )
    if "compile" in flags.FLAGS.sections:
        print_table(
            "jit_compile and unroll (same shape)",
            ["cell", "jit_compile", "unroll", "seconds to first step", "steps/s"],
            compile_rows(),
            ["{}", "{}", "{}", "{:.1f}", "{:.2f}"],
        )
    if "flops" in flags.FLAGS.sections:
        print_table(
            "Achieved throughput",
            ["computation", "GFLOP per call", "GFLOP/s"],
            flops_rows(),
            ["{}", "{:.2f}", "{:.1f}"],
        )
    if "backends" in flags.FLAGS.sections:
        print_backends_table(flags.FLAGS.backends)
    if "versus" in flags.FLAGS.sections:
        rows, torch_version = versus_rows(flags.FLAGS.torch_python)
        print_table(
            f"Custom cells against Keras and PyTorch{f' {torch_version}' if torch_version else ''}: training steps/s, "
            f"{UNITS} units, embedding {EMBEDDING}, Dense head per step, Adam, "
            f"{tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()} threads",
            ["shape", "cell", "custom", "custom, while-loop", "Keras twin", "custom / Keras", "PyTorch",
             "custom / PyTorch", "recurrent matmuls only"],
            rows,
            ["{}", "{}", "{:.1f}", "{:.1f}", "{:.1f}", "{:.2f}", "{}", "{}", "{:.1f}"],
        )


def backend_rates(backend, cells=BACKEND_CELLS, shapes=BACKEND_SHAPES):
    """{(cell, units, batch, T): (steps/s, first step s)} of one backend, timed in a process of its own."""
    rates = {}
    for units in sorted({units for units, _, _ in shapes}):
        shape_list = ",".join(f"{batch}x{steps}" for u, batch, steps in shapes if u == units)
        result = subprocess.run(
            [sys.executable, "-m", "tools.backend_bench", f"--backend={backend}", f"--cells={','.join(cells)}",
             f"--shapes={shape_list}", f"--units={units}"],
            capture_output=True, text=True, env={**os.environ, "KERAS_BACKEND": backend})
        if result.returncode != 0:
            raise cli.Stop(f"the {backend} backend could not be timed: {(result.stderr.strip().splitlines() or ['?'])[-1]}", 1)
        for line in result.stdout.splitlines():
            row = json.loads(line)
            rates[row["cell"], row["units"], row["batch"], row["steps"]] = (row["steps_per_second"],
                                                                           row["first_step_seconds"])
    return rates


def print_backends_table(backends, cells=BACKEND_CELLS, shapes=BACKEND_SHAPES):
    """Training steps/s of each cell on each Keras backend, side by side: the same model, shape and optimizer."""
    measured = {backend: backend_rates(backend, cells, shapes) for backend in backends}
    rows = []
    for units, batch, steps in shapes:
        for cell in cells:
            rates = [measured[b][cell, units, batch, steps] for b in backends]
            best = max(rate for rate, _ in rates)
            rows.append([f"{units} units, batch {batch}, T={steps}", cell,
                         *[f"{rate:.1f} ({first:.1f} s)" for rate, first in rates],
                         *[f"{rate / rates[0][0]:.2f}" for rate, _ in rates[1:]], backends[[r for r, _ in rates].index(best)]])
    print_table(
        "Keras backends: training steps/s (seconds to the first step, compilation included), the study's model "
        "(Embedding 16, the cell, a Dense head), Adam with clipnorm 1, model.fit on NumPy arrays; NAME:scan is the "
        "parallel scan",
        ["shape", "cell", *backends, *[f"{b} / {backends[0]}" for b in backends[1:]], "fastest"],
        rows, ["{}"] * (3 + 2 * len(backends) - 1))


def print_data_table():
    print_table(
        f"Data generation, batch {BATCH_SIZE} (batches/s) vs training a {UNITS}-unit Keras LSTM (steps/s)",
        ["task", "distance", "NumPy batches/s", "tf.data batches/s", "LSTM train steps/s", "slower generator / LSTM"],
        data_throughput_rows(),
        ["{}", "{}", "{:.0f}", "{:.0f}", "{:.2f}", "{:.0f}x"],
    )


if __name__ == "__main__":
    define_flags()
    cli.run(main)
