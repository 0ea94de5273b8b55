"""Infinite, seeded tf.data streams of training batches.

Each element is one whole batch from a task generator at one distance, so sequences in a
batch share a length and nothing is padded, unless the stream is bucketed: then each batch is
padded (the task's own padding, masked) to its bucket length (data.model_io.bucket_length),
so that a backend that compiles per input shape meets a few lengths. Over a range of distances, the distance is
drawn uniformly from the range for each run of CHUNK_BATCHES consecutive batches: they are
generated in one NumPy call and split by tf.data, which amortises the per-call cost of
from_generator (about half a millisecond) over many batches.
"""

import numpy as np

from common.checks import check_batch_size, check_distance
from common.quiet_tensorflow import import_tensorflow
from data.model_io import bucket_length

tf = import_tensorflow()

CHUNK_BATCHES = 16  # batches generated per NumPy call, all at one distance


def _distance_list(distances):
    """An int or an iterable of ints -> a non-empty sorted tuple of valid distances."""
    values = (distances,) if isinstance(distances, (int, np.integer)) else tuple(distances)
    if not values:
        raise ValueError("distances must name at least one distance >= 1, got none")
    for value in values:
        check_distance(value)
    return tuple(sorted(set(int(v) for v in values)))


def training_stream(task, batch_size, distances, seed, as_supervised=True, bucketed=False, **options):
    """An endless tf.data.Dataset of batches, the same batches for the same seed.

    Args:
      task: a data.task.Task (an entry of data.TASKS).
      batch_size: B >= 1 sequences per batch.
      distances: one distance, or an iterable of them (e.g. range(1, 51)); each batch
        takes one, uniformly at random.
      seed: seeds the np.random.Generator behind the stream; each new iterator over the
        dataset starts the same stream again.
      as_supervised: True: (inputs, targets) pairs for keras fit(); False: the generator's
        whole dict, metadata included.
      bucketed: pad each batch's inputs and targets to the bucket of its length (as_supervised only).
      **options: task options such as attractors=2 (agreement); None means the default.

    Returns:
      A prefetched tf.data.Dataset whose elements are (inputs, targets) as the task's
      generator makes them (copy: int32 [B, T + 20] twice; agreement: int32
      [B, task.sequence_length(d)] and int32 [B]; adding: float32 [B, task.sequence_length(d), 2]
      and float32 [B]); the time axis has static shape None when more than one distance is possible.
    """
    check_batch_size(batch_size)
    distance_values = _distance_list(distances)
    # Checks the options (what fits at the shortest distance fits at every longer one) and
    # shows the element's keys, dtypes and ranks.
    example = task.batch(np.random.default_rng(0), 1, distance_values[0], **options)

    def chunks():
        """Endless arrays [CHUNK_BATCHES, B, ...], each chunk at one distance."""
        rng = np.random.default_rng(seed)
        while True:
            distance = distance_values[rng.integers(len(distance_values))]
            chunk = task.batch(rng, CHUNK_BATCHES * batch_size, distance, **options)
            if bucketed:
                chunk = task.pad(chunk, bucket_length(chunk["inputs"].shape[1]))
            chunk = {key: value.reshape((CHUNK_BATCHES, batch_size) + value.shape[1:]) for key, value in chunk.items()}
            yield (chunk["inputs"], chunk["targets"]) if as_supervised else chunk

    if bucketed:
        if not as_supervised:
            raise ValueError("a bucketed stream holds inputs and targets alone: use as_supervised=True")
        example = task.pad(example, bucket_length(example["inputs"].shape[1]))
    fixed_length = len(distance_values) == 1

    def spec(value):
        time_axes = tuple(d if fixed_length else None for d in value.shape[1:])
        return tf.TensorSpec(shape=(CHUNK_BATCHES, batch_size) + time_axes, dtype=tf.as_dtype(value.dtype))

    signature = {key: spec(value) for key, value in example.items()}
    if as_supervised:
        signature = (signature["inputs"], signature["targets"])
    dataset = tf.data.Dataset.from_generator(chunks, output_signature=signature)
    return dataset.unbatch().prefetch(tf.data.AUTOTUNE)
