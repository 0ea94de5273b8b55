"""The adding problem: exact layout, the constant-1 baseline, determinism and bad arguments."""

import numpy as np
import pytest

from data import adding


@pytest.mark.parametrize("distance", [1, 2, 10, 100, 400])
def test_layout_is_exact(rng, distance):
    batch = adding.generate(rng, 256, distance)
    inputs, targets = batch["inputs"], batch["targets"]
    assert inputs.shape == (256, distance + 1 + adding.MAX_LEAD_IN, 2) and inputs.dtype == np.float32
    assert targets.shape == (256,) and targets.dtype == np.float32
    np.testing.assert_array_equal(batch["distance"], distance)
    for row, lead_in in zip(inputs, batch["lead_in"]):
        last = lead_in + distance  # the sequence's last step
        real, padding = row[: last + 1], row[last + 1:]
        assert (padding == adding.PAD).all()
        assert ((real[:, 0] >= 0) & (real[:, 0] < 1)).all(), "values in [0, 1)"
        assert set(np.unique(real[:, 1])) <= {0.0, 1.0}
        marked = np.flatnonzero(real[:, 1] == 1)
        assert len(marked) == 2, "exactly two marked steps"
        assert marked[0] == lead_in and last - marked[0] == distance, "the first marked step is distance steps before the last"
        assert lead_in < marked[1] <= last, "the second marked step is one of the d steps after the first"
    rows = np.arange(256)
    second = batch["lead_in"] + distance - batch["second_lag"]
    np.testing.assert_allclose(targets, inputs[rows, batch["lead_in"], 0] + inputs[rows, second, 0], rtol=1e-6)
    assert 0 <= batch["lead_in"].min() and batch["lead_in"].max() <= adding.MAX_LEAD_IN


def test_lead_in_and_second_marker_vary(rng):
    batch = adding.generate(rng, 2000, 20)
    assert set(batch["lead_in"]) == set(range(adding.MAX_LEAD_IN + 1)), "the first marker's position varies"
    assert set(batch["second_lag"]) == set(range(20)), "the second marker may be any of the 20 later steps"
    assert (batch["second_lag"] == 0).any(), "including the last step"


def test_constant_one_has_mse_one_sixth_and_chance_accuracy(rng):
    targets = adding.generate(rng, 10000, 30)["targets"]
    assert np.mean((targets - 1.0) ** 2) == pytest.approx(1 / 6, abs=0.01)
    assert adding.CONSTANT_MSE == pytest.approx(1 / 6)
    assert np.mean(np.abs(targets - 1.0) < adding.TOLERANCE) == pytest.approx(adding.CHANCE_ACCURACY, abs=0.01)
    assert adding.TASK.baseline_loss(30) == adding.CONSTANT_MSE


def test_masking_lengths_follow_the_padding(rng):
    batch = adding.generate(rng, 32, 7)
    np.testing.assert_array_equal(adding.TASK.inputs.lengths(batch["inputs"]), batch["lead_in"] + 8)


def test_same_seed_same_batches():
    first = adding.generate(np.random.default_rng(4), 16, 12)
    again = adding.generate(np.random.default_rng(4), 16, 12)
    other = adding.generate(np.random.default_rng(5), 16, 12)
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    assert not np.array_equal(first["inputs"], other["inputs"])


def test_describe_shows_the_marked_steps_and_the_sum(rng):
    batch = adding.generate(rng, 1, 3)
    text = adding.describe(batch, 0)
    assert text.startswith("distance 3,") and text.count("*") == 2 and f"= {batch['targets'][0]:.3f}" in text


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(distance=0), r"^distance must be an integer >= 1, got 0$"),
        (dict(distance=2.5), r"^distance must be an integer >= 1, got 2.5$"),
        (dict(distance=5, batch_size=0), r"^batch_size must be an integer >= 1, got 0$"),
    ],
)
def test_bad_arguments_are_clear_errors(rng, kwargs, message):
    with pytest.raises(ValueError, match=message):
        adding.generate(rng, **{"batch_size": 4, **kwargs})


def test_unknown_option_names_the_task_options(rng):
    with pytest.raises(ValueError, match=r"^task 'adding' has no option 'attractors'; its options: none$"):
        adding.TASK.batch(rng, 4, 5, attractors=1)


def test_errors_separate_an_offset_from_a_lost_value(rng):
    batch = adding.generate(rng, 4096, 5)
    targets = batch["targets"]
    offset = adding.TASK.objective.errors((targets + 0.05)[:, None], targets)  # every sum 0.05 too high
    assert offset == pytest.approx({"rmse": 0.05, "bias": 0.05, "within": 0.0, "within_twice": 1.0}, abs=1e-6)
    first_value_lost = targets - batch["inputs"][np.arange(4096), batch["lead_in"], adding.VALUE] + 0.5
    lost = adding.TASK.objective.errors(first_value_lost[:, None], targets)
    assert lost["rmse"] == pytest.approx(np.sqrt(1 / 12), abs=0.01) and abs(lost["bias"]) < 0.02  # uniform's spread
    assert lost["within"] == pytest.approx(0.08, abs=0.02)
