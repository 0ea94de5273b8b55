import math

import numpy as np
import pytest

from data import copy_memory


@pytest.mark.parametrize("distance", [1, 2, 10, 100])
def test_layout_is_exactly_data_blanks_delimiter_blanks(rng, distance):
    batch = copy_memory.generate(rng, 64, distance)
    inputs, targets = batch["inputs"], batch["targets"]
    data = inputs[:, :10]
    zeros = lambda n: np.zeros((64, n), dtype=np.int32)
    expected_inputs = np.concatenate([data, zeros(distance - 1), np.full((64, 1), 9), zeros(10)], axis=1)
    expected_targets = np.concatenate([zeros(distance + 10), data], axis=1)
    np.testing.assert_array_equal(inputs, expected_inputs)
    np.testing.assert_array_equal(targets, expected_targets)
    assert inputs.shape == (64, distance + 20) and inputs.dtype == np.int32
    assert data.min() >= 1 and data.max() <= 8
    assert set(np.unique(data)) == set(range(1, 9))
    np.testing.assert_array_equal(batch["distance"], np.full(64, distance))


@pytest.mark.parametrize("distance", [1, 2, 10, 100])
def test_targets_at_recall_positions_are_the_data_symbols(rng, distance):
    batch = copy_memory.generate(rng, 32, distance)
    mask = copy_memory.recall_mask(distance)
    assert mask.sum() == 10 and np.flatnonzero(mask)[0] == distance + 10
    np.testing.assert_array_equal(batch["targets"][:, mask], batch["inputs"][:, :10])
    assert not batch["targets"][:, ~mask].any()
    assert (np.flatnonzero(mask) - np.arange(10) == distance + 10).all(), "each recall is T + 10 steps after its symbol"


@pytest.mark.parametrize("distance", [1, 10, 100])
def test_memoryless_baseline_matches_generated_targets(rng, distance):
    """The best model that ignores the input predicts each step's marginal target distribution."""
    targets = copy_memory.generate(rng, 40000, distance)["targets"]
    counts = np.stack([np.bincount(column, minlength=9) for column in targets.T])  # [T + 20, 9]
    marginals = counts / counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy_per_step = -np.nansum(np.where(marginals > 0, marginals * np.log(marginals), 0.0), axis=1)
    assert entropy_per_step.mean() == pytest.approx(10 * math.log(8) / (distance + 20), rel=2e-3)
    assert copy_memory.memoryless_loss(distance) == pytest.approx(10 * math.log(8) / (distance + 20))
    accuracy = marginals.max(axis=1).mean()
    assert accuracy == pytest.approx(copy_memory.memoryless_accuracy(distance), abs=0.01)


def test_memoryless_accuracy_at_601_is_the_documented_098():
    assert copy_memory.memoryless_accuracy(601) == pytest.approx(0.986, abs=5e-4)


def test_same_seed_same_batches_different_seed_different_batches():
    first = copy_memory.generate(np.random.default_rng(7), 16, 30)
    again = copy_memory.generate(np.random.default_rng(7), 16, 30)
    other = copy_memory.generate(np.random.default_rng(8), 16, 30)
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    assert not np.array_equal(first["inputs"], other["inputs"])


@pytest.mark.parametrize("distance", [0, -3, 2.5, True, "5", None])
def test_bad_distance_is_a_clear_error(rng, distance):
    with pytest.raises(ValueError, match=r"^distance must be an integer >= 1, got"):
        copy_memory.generate(rng, 4, distance)


@pytest.mark.parametrize("batch_size", [0, -1, 1.0])
def test_bad_batch_size_is_a_clear_error(rng, batch_size):
    with pytest.raises(ValueError, match=r"^batch_size must be an integer >= 1, got"):
        copy_memory.generate(rng, batch_size, 5)
