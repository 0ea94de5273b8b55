"""Training steps per second on a GPU machine that has JAX and PyTorch but no TensorFlow.

    python -m tools.gpu_bench [--cells=lstm,gru] [--shapes=64x30,128x120] [--notorch] [--tiny]

This module owns the GPU benchmark of issue 31 (item 5): one command that prints, as Markdown
tables, the training steps per second of

1. every cell of trainer.cells.CELLS (the project's own cells and the Keras twins keras_rnn,
   keras_lstm, keras_gru) in the project's model (trainer.model.build_model on the copy task:
   Embedding 16 -> cell -> Dense head at every step, compile_model with Adam, learning rate
   1e-3, clipnorm 1, jit_compile) on Keras's JAX backend, trained by model.fit on NumPy arrays;
2. PyTorch's nn.LSTM and nn.GRU (cuDNN on a GPU) in the same model (tools.torch_twin.Twin),
   cross-entropy, Adam, gradients clipped to norm 1, batches copied in from NumPy arrays;
3. P seeds of a cell trained as one program: the Keras model's stateless training step
   (model.stateless_call, optimizer.stateless_apply) vmapped over P copies of its variables
   and optimizer state, each copy with its own batch, jitted; model-steps/s = P x steps/s.

A step is one optimizer update on one batch of B copy-task sequences of T time steps (the
copy task at distance T - 20): forward, cross-entropy at every time step, backward, gradient
clipping and Adam. Each rate is the median of --repeats timings of --steps steps, after
--warmup untimed steps; the time to the first step (tracing and XLA compilation for JAX,
cuDNN set-up for PyTorch) is reported apart. JAX is timed to block_until_ready on the
results, PyTorch to torch.cuda.synchronize(). Each timing of a fit table row is one
model.fit call of --steps batches, its per-call set-up included.

It imports no TensorFlow (and needs no h5py, matplotlib or TFDS): jax, keras (with rich,
optree, namex, packaging), absl-py and numpy, and torch for its table. tools/gpu_bench_carry.sh
prepares what a machine without a package registry lacks; docs/colab-and-gpus.md says how.
"""

import os

# A JAX-only tool: Keras reads its backend once, when first imported, which happens below.
os.environ["KERAS_BACKEND"] = "jax"

import datetime
import functools
import importlib.util
import platform
import statistics
import time
import traceback

import jax
import jax.numpy as jnp
import keras
import numpy as np
from absl import flags

from common import cli
from data import TASKS
from trainer.cells import CELLS, get_cell
from trainer.cells.layer import UNROLL_TRAINING_STEPS, gpu_visible
from trainer.model import build_model, compile_model

FLAGS = flags.FLAGS

TASK = TASKS["copy"]
EXTRA_STEPS = 20  # a copy sequence at distance d has d + 20 time steps (data.copy_memory)
LEARNING_RATE = 1e-3
CLIPNORM = 1.0
POOL = 8  # distinct host batches drawn before timing and cycled through
TORCH_KINDS = ("lstm", "gru")
TINY = {"shapes": "8x22", "units": 8, "steps": 3, "warmup": 1, "repeats": 2}  # --tiny: a CPU-sized run


def parse_shape(text):
    """"BxT" -> (batch B, time steps T); a ValueError unless B >= 1 and T >= 21 (copy distance >= 1)."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(part.strip().isdigit() for part in parts):
        raise ValueError(f"shapes must be BATCHxT like 64x30, got {text!r}")
    batch, length = map(int, parts)
    if batch < 1 or length <= EXTRA_STEPS:
        raise ValueError(f"shape {text!r} needs a batch >= 1 and T >= {EXTRA_STEPS + 1} "
                         f"(a copy sequence is its distance + {EXTRA_STEPS} steps)")
    return batch, length


def host_batches(batch, length, copies=None):
    """POOL (inputs, targets) pairs of int32 NumPy arrays [B, T], or [copies, B, T] for a
    vmapped program, from the copy task's generator at distance T - 20."""
    rng = np.random.default_rng(0)
    rows = batch * (copies or 1)
    shape = (batch, length) if copies is None else (copies, batch, length)
    pairs = []
    for _ in range(POOL):
        drawn = TASK.batch(rng, rows, length - EXTRA_STEPS)
        pairs.append((drawn["inputs"].reshape(shape), drawn["targets"].reshape(shape)))
    return pairs


def compiled(model):
    """model compiled as trainer.model compiles a run's (the task's loss and accuracy metric,
    Adam, clipnorm 1, jit_compile)."""
    return compile_model(model, TASK, "adam", LEARNING_RATE, clipnorm=CLIPNORM, jit_compile=True)


def seconds(call):
    """Wall-clock seconds of call() (which returns only once its work is done)."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def rate_row(steps, times):
    """Steps/s (median), its range over the repeats, and ms per step, from the timings of `steps` steps."""
    rates = sorted(steps / t for t in times)
    median = statistics.median(rates)
    return [f"{median:.1f}", f"{rates[0]:.1f}-{rates[-1]:.1f}", f"{1000 / median:.2f}"]


def fit_timings(name, batch, length):
    """(seconds to the first step, [seconds of --steps steps] x --repeats) of model.fit on arrays."""
    model = compiled(build_model(TASK, CELLS[name], FLAGS.units))
    pairs = host_batches(batch, length)
    count = max(FLAGS.steps, FLAGS.warmup, 1)
    inputs = np.concatenate([pairs[i % POOL][0] for i in range(count)])
    targets = np.concatenate([pairs[i % POOL][1] for i in range(count)])

    def fit(steps):
        model.fit(inputs[:steps * batch], targets[:steps * batch], batch_size=batch, epochs=1, shuffle=False,
                  verbose=0)
        jax.block_until_ready([variable.value for variable in model.trainable_variables])

    first = seconds(lambda: fit(1))
    if FLAGS.warmup:
        fit(FLAGS.warmup)
    return first, [seconds(lambda: fit(FLAGS.steps)) for _ in range(FLAGS.repeats)]


def stateless_step(model):
    """One training step of one model as a pure function, for jax.vmap:
    (state, inputs int32 [B, T], targets int32 [B, T]) -> (new state, loss []), where state is
    (trainable, non-trainable, optimizer variables), lists of arrays as model.stateless_call and
    model.optimizer.stateless_apply take them (the Keras 3 JAX training-step pattern)."""
    loss_fn = TASK.objective.loss()

    def loss_and_updates(trainable, non_trainable, inputs, targets):
        outputs, non_trainable = model.stateless_call(trainable, non_trainable, inputs, training=True)
        return loss_fn(targets, outputs), non_trainable

    gradients = jax.value_and_grad(loss_and_updates, has_aux=True)

    def step(state, inputs, targets):
        trainable, non_trainable, optimizer = state
        (loss, non_trainable), grads = gradients(trainable, non_trainable, inputs, targets)
        trainable, optimizer = model.optimizer.stateless_apply(optimizer, grads, trainable)
        return (trainable, non_trainable, optimizer), loss

    return step


def seed_states(name, copies):
    """(the compiled model of seed 0, state with a leading axis [copies, ...] on every array):
    the variables of `copies` models of cell `name` built from seeds 0..copies-1, and a fresh
    optimizer state for each."""
    models = []
    for seed in range(copies):
        keras.utils.set_random_seed(seed)
        models.append(build_model(TASK, CELLS[name], FLAGS.units))
    model = compiled(models[0])
    model.optimizer.build(model.trainable_variables)

    def stacked(variables_of):
        return [jnp.stack(values) for values in zip(*([v.value for v in variables_of(m)] for m in models))]

    optimizer = [jnp.broadcast_to(v.value, (copies, *v.shape)) for v in model.optimizer.variables]
    return model, (stacked(lambda m: m.trainable_variables), stacked(lambda m: m.non_trainable_variables), optimizer)


def vmapped_timings(model, state, copies, batch, length):
    """(seconds to lower and compile, [seconds of --steps steps] x --repeats) of the jitted
    program that trains `copies` models at once: state arrays [copies, ...], batches [copies, B, T]."""
    program = jax.jit(jax.vmap(stateless_step(model)), donate_argnums=0)
    pairs = host_batches(batch, length, copies)
    start = time.perf_counter()
    executable = program.lower(state, *pairs[0]).compile()
    compile_seconds = time.perf_counter() - start
    state = jax.tree_util.tree_map(jnp.copy, state)  # the program donates (consumes) the state it is given

    def run(steps):
        nonlocal state
        loss = None
        for index in range(steps):
            state, loss = executable(state, *pairs[index % POOL])
        jax.block_until_ready((state, loss))

    run(FLAGS.warmup)
    return compile_seconds, [seconds(lambda: run(FLAGS.steps)) for _ in range(FLAGS.repeats)]


def torch_timings(kind, batch, length, device):
    """(seconds to the first step, [seconds of --steps steps] x --repeats) of PyTorch's
    Embedding 16 -> nn.LSTM/nn.GRU -> Linear at every step on `device`, inputs copied in from
    NumPy arrays [B, T] at every step."""
    import torch

    from tools.torch_twin import Twin

    torch.manual_seed(0)
    model = Twin(kind, FLAGS.units, inputs=TASK.inputs.vocab_size, classes=TASK.objective.num_classes).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()
    pairs = host_batches(batch, length)

    def step(inputs, targets):
        inputs = torch.from_numpy(inputs).to(device)
        targets = torch.from_numpy(targets).to(device).long()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(inputs).reshape(-1, TASK.objective.num_classes), targets.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIPNORM)
        optimizer.step()

    def run(steps):
        for index in range(steps):
            step(*pairs[index % POOL])
        if device.type == "cuda":
            torch.cuda.synchronize()

    first = seconds(lambda: run(1))
    run(FLAGS.warmup)
    return first, [seconds(lambda: run(FLAGS.steps)) for _ in range(FLAGS.repeats)]


def print_table(title, header, rows):
    """Prints a Markdown table a row at a time, as `rows` yields them: (first cells, measure), where
    measure() returns the row's other cells. A measurement that raises gets a row with its error in
    one line (its traceback goes to stderr), so that one failure on a new machine leaves the other
    rows. Returns how many failed."""
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header), flush=True)
    failures = 0
    for key, measure in rows:
        try:
            cells = measure()
        except Exception as error:  # noqa: BLE001 (reported in the row and on stderr)
            traceback.print_exc()
            failures += 1
            line = ((str(error).strip().splitlines() or [""])[0]).replace("|", "/")
            cells = [f"failed: {type(error).__name__}: {line}", *["-"] * (len(header) - len(key) - 1)]
        print("| " + " | ".join([*key, *cells]) + " |", flush=True)
    return failures


def fit_rows(shapes, cells):
    def measure(name, batch, length):
        first, times = fit_timings(name, batch, length)
        return [*rate_row(FLAGS.steps, times), f"{first:.1f}"]

    for batch, length in shapes:
        for name in cells:
            yield [f"{batch}x{length}", name], functools.partial(measure, name, batch, length)


def torch_rows(shapes, device):
    def measure(kind, batch, length):
        first, times = torch_timings(kind, batch, length, device)
        return [*rate_row(FLAGS.steps, times), f"{first:.2f}"]

    for batch, length in shapes:
        for kind in TORCH_KINDS:
            yield [f"{batch}x{length}", f"nn.{kind.upper()}"], functools.partial(measure, kind, batch, length)


def vmapped_rows(shapes, cells, seeds_per_program):
    def measure(seeds, copies, batch, length):
        model, state = seeds()
        copy_state = jax.tree_util.tree_map(lambda a: a[:copies], state)
        compile_seconds, times = vmapped_timings(model, copy_state, copies, batch, length)
        rate = statistics.median(FLAGS.steps / t for t in times)
        return [f"{rate:.1f}", f"{copies * rate:.1f}", f"{compile_seconds:.1f}"]

    for name in cells:
        seeds = functools.cache(functools.partial(seed_states, name, max(seeds_per_program)))
        for batch, length in shapes:
            for copies in seeds_per_program:
                yield [f"{batch}x{length}", name, str(copies)], functools.partial(measure, seeds, copies, batch, length)


def torch_device():
    """The torch.device to time PyTorch on (CUDA if there is one), or None when PyTorch is left
    out; a ValueError when --torch was given and PyTorch cannot be imported."""
    if not FLAGS.torch:
        return None
    if importlib.util.find_spec("torch") is None:
        if FLAGS["torch"].present:
            raise ValueError("--torch needs PyTorch, which this Python cannot import (or give --notorch)")
        return None
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def describe_machine(device):
    """The header lines: date, devices and versions."""
    import jaxlib

    if gpu_visible():
        loop, where = "a while-loop over time (min_gru, min_lstm and lru: a parallel scan)", "a GPU is"
    else:
        loop, where = f"an unrolled training loop (T <= {UNROLL_TRAINING_STEPS})", "no GPU is"
    lines = [f"# tools.gpu_bench, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"- JAX {jax.__version__} (jaxlib {jaxlib.__version__}), backend {jax.default_backend()}: "
             + ", ".join(f"{d} ({d.device_kind})" for d in jax.devices()),
             f"- Keras {keras.__version__} on {keras.backend.backend()}, NumPy {np.__version__}, "
             f"Python {platform.python_version()}, {os.cpu_count()} CPUs",
             f"- The project's cells run {loop}: their default where {where} visible (trainer.cells.layer)"]
    if device is None:
        lines.append("- PyTorch: left out (--notorch, or not installed)")
    else:
        import torch

        if device.type == "cuda":
            where = f"{torch.cuda.get_device_name(device)}, cuDNN {torch.backends.cudnn.version()}"
        else:
            where = f"CPU, {torch.get_num_threads()} threads"
        lines.append(f"- PyTorch {torch.__version__}: {where}")
    return lines


def apply_tiny():
    """--tiny: CPU-sized settings for the flags not given on the command line."""
    for name, value in TINY.items():
        if not FLAGS[name].present:
            FLAGS[name].parse(value)


def check_flags():
    """The parsed flags, checked: (shapes [(B, T)], cells, vmapped cells, seeds per program)."""
    if keras.backend.backend() != "jax":
        raise ValueError(f"tools.gpu_bench runs on Keras's JAX backend, but Keras was loaded with "
                         f"{keras.backend.backend()!r}; run it as python -m tools.gpu_bench")
    for name, low in (("units", 1), ("steps", 1), ("warmup", 0), ("repeats", 1)):
        if getattr(FLAGS, name) < low:
            raise ValueError(f"--{name} must be at least {low}, got {getattr(FLAGS, name)}")
    shapes = [parse_shape(text) for text in FLAGS.shapes]
    cells = [get_cell(name).name for name in FLAGS.cells]
    vmap_cells = [get_cell(name).name for name in FLAGS.vmap_cells]
    seeds = cli.parse_positive_integers("seeds_per_program", FLAGS.seeds_per_program)
    return shapes, cells, vmap_cells, seeds


def main():
    if FLAGS.tiny:
        apply_tiny()
    shapes, cells, vmap_cells, seeds = check_flags()
    device = torch_device()
    print("\n".join(describe_machine(device)))
    print(f"\nA step: one Adam update (learning rate {LEARNING_RATE}, gradients clipped to norm {CLIPNORM}) on one "
          f"batch of B copy-task sequences of T time steps (distance T - {EXTRA_STEPS}), cross-entropy at every time "
          f"step, {FLAGS.units} units, embedding 16. Rates: median of {FLAGS.repeats} timings of {FLAGS.steps} steps "
          f"after {FLAGS.warmup} warm-up steps (range: slowest-fastest timing).")
    timed = ["steps/s", "range", "ms/step"]
    failures = print_table(
        "Keras on JAX: the project's model, model.fit on NumPy arrays, jit_compile (first step: trace, compile "
        "and one step)", ["B x T", "cell", *timed, "first step s"], fit_rows(shapes, cells))
    if device is not None:
        failures += print_table(
            f"PyTorch on {device.type}: Embedding -> nn.LSTM / nn.GRU -> Linear at every step",
            ["B x T", "model", *timed, "first step s"], torch_rows(shapes, device))
    failures += print_table(
        "P seeds as one program: Keras stateless training step, jax.vmap over P copies of the variables and "
        "optimizer state (each with its own batch), jit (compile: lower and compile, no step)",
        ["B x T", "cell", "P", "steps/s", "model-steps/s", "compile s"], vmapped_rows(shapes, vmap_cells, seeds))
    if failures:
        raise cli.Stop(f"{failures} measurement(s) failed: their rows say why, and stderr has the tracebacks", 1)


def define_flags():
    """The command line's flags (only when run as a program)."""
    flags.DEFINE_list("shapes", ["64x30", "128x120"], "Batch x time steps to time, each BATCHxT (T >= 21: the copy "
                                                      "task at distance T - 20).")
    flags.DEFINE_integer("units", 128, "Units of every cell.")
    flags.DEFINE_list("cells", list(CELLS), "Cells of the Keras table (trainer.cells.CELLS).")
    flags.DEFINE_list("vmap_cells", ["lstm", "gru"], "Cells of the P-seeds table.")
    flags.DEFINE_list("seeds_per_program", ["1", "8", "32"], "P: the models trained as one vmapped program.")
    flags.DEFINE_integer("steps", 50, "Timed steps per timing.")
    flags.DEFINE_integer("warmup", 5, "Untimed steps before the timings (after the first step).")
    flags.DEFINE_integer("repeats", 3, "Timings per measurement; the median is reported.")
    flags.DEFINE_bool("torch", True, "Time PyTorch's nn.LSTM and nn.GRU too (left out if PyTorch is not installed, "
                                     "unless --torch is given).")
    tiny = ", ".join(f"--{name}={value}" for name, value in TINY.items())
    flags.DEFINE_bool("tiny", False, f"A CPU-sized run, as the tests make ({tiny}, where not given).")


if __name__ == "__main__":
    define_flags()
    cli.run(main)
