"""How fast the memory-horizon search gets through its probes on this machine: the same
search with each Keras backend and each number of CPUs per probe, side by side in one run, in
probes per hour.

    python -m tools.search_speed [--backends=tensorflow,jax] [--cpus_per_probe=1,2]
                                 [--tasks=agreement] [--cells=rnn,lstm,gru] [--seeds=3]
                                 [--steps=500] [--longest=40] [--learning_rates=0.003,0.01]
                                 [--solved_accuracy=0.9]

Each way runs the same search (probes trained on a range of distances, as the headline's) from
an empty log directory of its own, on a Ray started on this machine, with probes started as
needed in reused worker processes (the search's own way); the table gives its probes, wall
time and probes per hour. The backend is the workers' (KERAS_BACKEND, which the trials inherit);
on JAX every way keeps its compiled steps in its own log directory, so each starts cold, as a
search does. The ways train nearly the same probes: the search's decisions depend only on the
probes' results, which differ a little between backends (their random initialisations differ).
"""

import os
import tempfile
import time

from absl import flags

from common import cli
from common.backend import BACKENDS
from trainer.study import cluster, engine, horizon
from trainer.study.presets import PRESETS
from trainer.study.progress import Progress, format_duration

FLAGS = flags.FLAGS


def timed_search(logdir, backend, cpus_per_probe):
    """(probes trained, wall seconds) of the search given by the flags, run one way."""
    search_plan = horizon.plan(FLAGS.tasks, FLAGS.cells, 0, FLAGS.seeds, horizon.Bounds(5, FLAGS.longest, 0.2),
                               PRESETS["quick"], logdir, steps=FLAGS.steps, solved_accuracy=FLAGS.solved_accuracy,
                               learning_rates=tuple(float(r) for r in FLAGS.learning_rates))
    source = horizon.ProbeSource(search_plan, say=lambda line: None)
    saved = os.environ.get("KERAS_BACKEND")
    os.environ["KERAS_BACKEND"] = backend  # the workers', through the runtime environment
    try:
        connected = cluster.connect(cpus_per_run=cpus_per_probe)
        started = time.time()
        try:
            engine.run(source, connected, logdir, Progress())
        finally:
            cluster.disconnect()
    finally:
        if saved is None:
            os.environ.pop("KERAS_BACKEND")
        else:
            os.environ["KERAS_BACKEND"] = saved
    return source.trained, time.time() - started


def main():
    for backend in FLAGS.backends:
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; valid backends: {', '.join(BACKENDS)}")
    cpus = [float(c) for c in FLAGS.cpus_per_probe]
    rows = []
    with tempfile.TemporaryDirectory(prefix="search-speed-") as scratch:
        for backend in FLAGS.backends:
            for cpus_per_probe in cpus:
                probes, seconds = timed_search(os.path.join(scratch, f"{backend}-{cpus_per_probe:g}"), backend,
                                               cpus_per_probe)
                rows.append((backend, f"{cpus_per_probe:g}", probes, format_duration(seconds),
                             f"{probes / seconds * 3600:.0f}"))
                print(f"{backend}, {cpus_per_probe:g} CPUs per probe: {probes} probes in {rows[-1][3]}", flush=True)
    print(f"\nThe search ({', '.join(FLAGS.tasks)}; {', '.join(FLAGS.cells)}; {FLAGS.seeds} seeds; {FLAGS.steps} steps; "
          f"grid 5..{FLAGS.longest}; rates {', '.join(FLAGS.learning_rates)}; solved at {FLAGS.solved_accuracy:g}) on "
          f"{os.cpu_count()} cores\n")
    print("| backend | CPUs per probe | probes | wall time | probes per hour |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(map(str, row)) + " |")


def define_flags():
    """The command line's flags (only when run as a program)."""
    flags.DEFINE_list("backends", ["tensorflow", "jax"], f"Keras backends to time, any of {', '.join(BACKENDS)}.")
    flags.DEFINE_list("cpus_per_probe", ["1", "2"], "CPUs of each probe, each timed (1 on 2 cores: two at a time).")
    flags.DEFINE_list("tasks", ["agreement"], "Tasks of the search.")
    flags.DEFINE_list("cells", ["rnn", "lstm", "gru"], "Cells of the search.")
    flags.DEFINE_integer("seeds", 3, "Seeds per cell.")
    flags.DEFINE_integer("steps", 500, "Budget of each probe.")
    flags.DEFINE_integer("longest", 40, "The grid's last distance.")
    flags.DEFINE_list("learning_rates", ["0.003", "0.01"], "Learning rates each cell chooses from.")
    flags.DEFINE_float("solved_accuracy", 0.9, "Solved threshold: low enough that the cells climb the grid in a short "
                                               "budget, so that the throughput, not the first round, is measured.")


if __name__ == "__main__":
    define_flags()
    cli.run(main)
