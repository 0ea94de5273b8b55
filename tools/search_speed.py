"""How fast the memory-horizon search gets through its probes: started as needed (a probe
starts whenever the machine has room and some cell needs it, in worker processes that earlier
probes used) against in rounds (every probe the cells need now, then nothing until all of them
have ended, each in a new process: how the search ran before), on the same grid.

    python -m tools.search_speed [--tasks=agreement] [--cells=rnn,lstm,gru] [--seeds=3]
                                 [--steps=500] [--longest=40] [--learning_rates=0.003,0.01]
                                 [--solved_accuracy=0.9]

Each way runs the same search from an empty log directory of its own, on a Ray started on
this machine with one CPU per probe, and the table gives its probes, wall time and probes per
hour. Both ways train the same probes (the search's decisions depend only on their results).
"""

import os
import tempfile
import time

from absl import flags

from common import cli
from trainer.study import cluster, engine, horizon
from trainer.study.presets import PRESETS
from trainer.study.progress import Progress, format_duration

FLAGS = flags.FLAGS


class InRounds:
    """A source (trainer.study.engine's protocol) that gives out another source's runs in rounds:
    everything it wants now, then nothing until every run of the round has ended."""

    def __init__(self, source):
        self.source, self.pending, self.running = source, [], 0

    def next(self):
        if self.pending:
            return self.pending.pop(0)
        if self.running:
            return None
        while (config := self.source.next()) not in (None, engine.DONE):
            self.pending.append(config)
        if not self.pending:
            return engine.DONE if self.source.done() else None
        self.running = len(self.pending)
        return self.pending.pop(0)

    def ended(self, config, outcome):
        self.running -= 1
        self.source.ended(config, outcome)

    def done(self):
        return self.source.done()

    def status(self):
        return self.source.status()


def timed_search(logdir, in_rounds, reuse_workers):
    """(probes trained, wall seconds) of the search given by the flags, run one way."""
    search_plan = horizon.plan(FLAGS.tasks, FLAGS.cells, 0, FLAGS.seeds, horizon.Bounds(5, FLAGS.longest, 0.2),
                               PRESETS["quick"], logdir, steps=FLAGS.steps, solved_accuracy=FLAGS.solved_accuracy,
                               learning_rates=tuple(float(r) for r in FLAGS.learning_rates))
    source = horizon.ProbeSource(search_plan, say=lambda line: None)
    engine.REUSE_WORKERS = reuse_workers
    connected = cluster.connect(cpus_per_run=1)
    started = time.time()
    try:
        engine.run(InRounds(source) if in_rounds else source, connected, logdir, Progress())
    finally:
        cluster.disconnect()
    return source.trained, time.time() - started


def main():
    ways = [("in rounds", "a new one per probe", True, False), ("as needed", "a new one per probe", False, False),
            ("as needed", "reused", False, True)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="search-speed-") as scratch:
        for index, (scheduling, workers, in_rounds, reuse) in enumerate(ways):
            probes, seconds = timed_search(os.path.join(scratch, str(index)), in_rounds, reuse)
            rows.append((scheduling, workers, probes, format_duration(seconds), f"{probes / seconds * 3600:.0f}"))
            print(f"{scheduling}, worker processes {workers}: {probes} probes in {rows[-1][3]}", flush=True)
    print(f"\nThe search ({', '.join(FLAGS.tasks)}; {', '.join(FLAGS.cells)}; {FLAGS.seeds} seeds; {FLAGS.steps} steps; "
          f"grid 5..{FLAGS.longest}; rates {', '.join(FLAGS.learning_rates)}; solved at {FLAGS.solved_accuracy:g}), one "
          f"CPU per probe on {os.cpu_count()} cores\n")
    print("| scheduling | worker processes | probes | wall time | probes per hour |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(map(str, row)) + " |")


def define_flags():
    """The command line's flags (only when run as a program)."""
    flags.DEFINE_list("tasks", ["agreement"], "Tasks of the search.")
    flags.DEFINE_list("cells", ["rnn", "lstm", "gru"], "Cells of the search.")
    flags.DEFINE_integer("seeds", 3, "Seeds per cell.")
    flags.DEFINE_integer("steps", 500, "Budget of each probe.")
    flags.DEFINE_integer("longest", 40, "The grid's last distance.")
    flags.DEFINE_list("learning_rates", ["0.003", "0.01"], "Learning rates each cell chooses from.")
    flags.DEFINE_float("solved_accuracy", 0.9, "Solved threshold: low enough that the cells climb the grid in a short "
                                               "budget, so that the scheduling, not the first round, is measured.")


if __name__ == "__main__":
    define_flags()
    cli.run(main)
