import numpy as np
import pytest
import tensorflow as tf

from data import TASKS, agreement, pipeline


def batches(dataset, count):
    return [tf.nest.map_structure(lambda t: t.numpy(), element) for element in dataset.take(count)]


def test_copy_stream_at_one_distance_has_static_shapes():
    dataset = pipeline.training_stream(TASKS["copy"], 8, 12, seed=1)
    inputs_spec, targets_spec = dataset.element_spec
    assert inputs_spec.shape == (8, 32) and inputs_spec.dtype == tf.int32
    assert targets_spec.shape == (8, 32) and targets_spec.dtype == tf.int32
    for inputs, targets in batches(dataset, 3):
        assert inputs.shape == targets.shape == (8, 32)
        np.testing.assert_array_equal(targets[:, -10:], inputs[:, :10])


def test_agreement_stream_over_a_range_gives_one_distance_per_batch():
    dataset = pipeline.training_stream(TASKS["agreement"], 16, range(1, 9), seed=2, as_supervised=False)
    assert dataset.element_spec["inputs"].shape.as_list() == [16, None]
    assert dataset.element_spec["targets"].shape == (16,)
    assert dataset.element_spec["nearest_is_attractor"].dtype == tf.bool
    stream, size = batches(dataset, 40 * pipeline.CHUNK_BATCHES), pipeline.CHUNK_BATCHES
    chunks = [stream[start:start + size] for start in range(0, len(stream), size)]
    seen = set()
    for chunk in chunks:
        distance = chunk[0]["inputs"].shape[1] - 1 - agreement.MAX_PREAMBLE
        for batch in chunk:
            np.testing.assert_array_equal(batch["distance"], distance)
            assert batch["inputs"].shape == (16, agreement.sequence_length(distance)) and batch["targets"].dtype == np.int32
        assert sum(batch["targets"].sum() for batch in chunk) == 8 * pipeline.CHUNK_BATCHES, "labels balanced"
        seen.add(distance)
    assert seen == set(range(1, 9))


def test_stream_is_endless_and_the_same_for_the_same_seed():
    first = batches(pipeline.training_stream(TASKS["agreement"], 4, [3, 30], seed=9), 20)
    again = batches(pipeline.training_stream(TASKS["agreement"], 4, [3, 30], seed=9), 20)
    other = batches(pipeline.training_stream(TASKS["agreement"], 4, [3, 30], seed=10), 20)
    for (x1, y1), (x2, y2) in zip(first, again):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
    assert any(a[0].shape != b[0].shape or not np.array_equal(a[0], b[0]) for a, b in zip(first, other))
    assert len(batches(pipeline.training_stream(TASKS["copy"], 2, 1, seed=0), 500)) == 500


def test_stream_passes_task_options():
    dataset = pipeline.training_stream(TASKS["agreement"], 32, 10, seed=0, as_supervised=False, attractors=3)
    for batch in batches(dataset, 3):
        np.testing.assert_array_equal(batch["attractors"], 3)


@pytest.mark.parametrize(
    "args,kwargs,message",
    [
        (("copy", 8, 0), {}, r"^distance must be an integer >= 1, got 0"),
        (("copy", 8, []), {}, r"^distances must name at least one distance >= 1"),
        (("copy", 8, [5, -1]), {}, r"^distance must be an integer >= 1, got -1"),
        (("copy", 0, 5), {}, r"^batch_size must be an integer >= 1, got 0"),
        (("agreement", 8, range(4, 40)), {"attractors": 2}, r"^attractors must be an integer from 0 to 1 .*distance 4"),
        (("copy", 8, 5), {"attractors": 2}, r"^task 'copy' has no option 'attractors'; its options: none$"),
    ],
)
def test_bad_arguments_fail_before_any_batch(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        pipeline.training_stream(TASKS[args[0]], *args[1:], seed=0, **kwargs)


def test_adding_stream_has_real_valued_inputs_and_targets():
    dataset = pipeline.training_stream(TASKS["adding"], 4, 6, seed=0)
    inputs_spec, targets_spec = dataset.element_spec
    assert inputs_spec.shape == (4, 17, 2) and inputs_spec.dtype == tf.float32
    assert targets_spec.shape == (4,) and targets_spec.dtype == tf.float32
