"""Benchmarks: throughput tables printed to stdout (python -m trainer.bench, or make bench).

Data generation: for each task at distances 10, 100 and 1000 with batch 128, batches per
second from the NumPy generator and from the tf.data training stream, beside the training
steps per second of a 128-unit Keras LSTM on batches of the same shape. The goal is a
generator at least 20 times faster than that training step, so training never waits for
data; the last column is the slower of the two generators divided by the LSTM's rate.
"""

import time

import keras
import numpy as np

from data import TASKS, pipeline

BATCH_SIZE = 128
DISTANCES = (10, 100, 1000)
UNITS = 128
EMBEDDING = 16


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
    """Embedding(16) -> keras LSTM(128) -> Dense head (per step for copy, last step for agreement)."""
    model = keras.Sequential([
        keras.layers.Embedding(task.vocab_size, EMBEDDING),
        keras.layers.LSTM(UNITS, return_sequences=task.per_step_targets),
        keras.layers.Dense(task.num_classes),
    ])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def data_throughput_rows():
    """One row per (task, distance): generator, stream and LSTM rates, and the ratio."""
    rows = []
    for name, task in TASKS.items():
        model = reference_lstm(task)
        for distance in DISTANCES:
            rng = np.random.default_rng(0)
            numpy_rate = calls_per_second(lambda: task.batch(rng, BATCH_SIZE, distance))
            iterator = iter(pipeline.training_stream(name, BATCH_SIZE, distance, seed=0))
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


def main():
    print_table(
        f"Data generation, batch {BATCH_SIZE} (batches/s) vs training a {UNITS}-unit Keras LSTM (steps/s)",
        ["task", "distance", "NumPy batches/s", "tf.data batches/s", "LSTM train steps/s", "slower generator / LSTM"],
        data_throughput_rows(),
        ["{}", "{}", "{:.0f}", "{:.0f}", "{:.2f}", "{:.0f}x"],
    )


if __name__ == "__main__":
    main()
