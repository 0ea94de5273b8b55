"""Bucketed lengths leave the function unchanged: a batch padded to a longer length (the
task's own padding, masked) gives the same loss, gradients and predictions as the batch as
generated, for every task, on whichever Keras backend runs the tests."""

import keras
import numpy as np
import pytest
from keras import ops

from data import TASKS
from data.model_io import bucket_length
from trainer.cells import CELLS
from trainer.model import build_model, compile_model
from trainer.probes import gradient


def loss_and_gradients(model, inputs, targets):
    """(the compiled loss, its gradients [one per trainable weight]) on one batch, in inference mode."""
    non_trainable = [v.value for v in model.non_trainable_variables]

    def loss(trainable):
        outputs, _ = model.stateless_call(trainable, non_trainable, inputs, training=True)
        return model.compute_loss(x=inputs, y=targets, y_pred=outputs)

    trainable = [ops.convert_to_tensor(v.value) for v in model.trainable_variables]
    return ops.convert_to_numpy(loss(trainable)), [ops.convert_to_numpy(g) for g in gradient(loss, trainable)]


@pytest.mark.parametrize("task_name", sorted(TASKS))
@pytest.mark.parametrize("cell", ["gru", "min_gru", "lru"])  # lru: its output is not its first state
def test_a_padded_batch_gives_the_same_loss_gradients_and_hits(task_name, cell):
    task = TASKS[task_name]
    keras.utils.set_random_seed(0)
    model = compile_model(build_model(task, CELLS[cell], 4, embedding=4), task)
    batch = task.batch(np.random.default_rng(1), 6, 5)
    length = batch["inputs"].shape[1]
    padded = task.pad(batch, bucket_length(length) + 7)
    assert padded["inputs"].shape[1] == bucket_length(length) + 7
    loss, grads = loss_and_gradients(model, batch["inputs"], batch["targets"])
    padded_loss, padded_grads = loss_and_gradients(model, padded["inputs"], padded["targets"])
    assert padded_loss == pytest.approx(loss, rel=1e-5)
    for plain, longer in zip(grads, padded_grads):
        np.testing.assert_allclose(longer, plain, rtol=1e-4, atol=1e-6)
    # Inference runs the loop that is not unrolled (on JAX a while-loop that held the LRU's
    # first state, not its output, over padded steps): the outputs themselves, not only the hits.
    predicted, padded_predicted = (model.predict(inputs, verbose=0) for inputs in (batch["inputs"], padded["inputs"]))
    steps = predicted.shape[1] if task.objective.per_step else None  # scored per step: the steps not padded
    kept = padded_predicted if steps is None else (
        padded_predicted[:, -steps:] if task.inputs.pad_at == "start" else padded_predicted[:, :steps])
    np.testing.assert_allclose(kept, predicted, rtol=1e-5, atol=1e-6)
    assert np.array_equal(task.objective.hits(padded_predicted, batch["targets"]),
                          task.objective.hits(predicted, batch["targets"]))


def test_buckets_are_four_lengths_per_doubling():
    assert [bucket_length(n) for n in (1, 3, 4, 5, 21, 24, 25, 33, 129, 180)] == [1, 3, 4, 5, 24, 24, 28, 40, 160, 192]
    lengths = {bucket_length(n) for n in range(21, 181)}  # a copy probe trained on 1..160
    assert len(lengths) <= 14 and all(bucket_length(n) < 1.25 * n + 1 for n in range(1, 2000))
