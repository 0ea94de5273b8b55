import numpy as np
import pytest
import tensorflow_datasets as tfds

from data import TASKS, agreement, eval_sets


def as_numpy(dataset):
    return list(tfds.as_numpy(dataset))


def test_agreement_split_prepares_locally_and_equals_the_seeded_generator(tmp_path):
    dataset = eval_sets.load_eval_split(TASKS["agreement"], 6, "validation", data_dir=str(tmp_path))
    examples = as_numpy(dataset)
    assert len(examples) == eval_sets.SPLIT_SIZES["validation"]
    assert (tmp_path / "task_eval" / "agreement_d6" / str(eval_sets.TaskEval.VERSION)).is_dir()
    rng = np.random.default_rng(eval_sets.split_seed("agreement", "validation", 6))
    expected = TASKS["agreement"].batch(rng, 256, 6)
    first = {tuple(e["inputs"]) for e in examples}
    assert all(tuple(row) in first for row in expected["inputs"])
    assert set(examples[0]) == set(expected), "every metadata array of the generator is a feature"
    for example in examples[:50]:
        assert example["inputs"].shape == (agreement.sequence_length(6),) and example["distance"] == 6
        assert example["targets"] in (0, 1) and 0 <= example["attractors"] <= 1 and example["preamble_nouns"] <= 2


def test_any_distance_is_a_config_on_demand_and_loads_by_name(tmp_path):
    builder = tfds.builder("task_eval/copy_d37", data_dir=str(tmp_path))
    assert builder.builder_config.distance == 37
    builder.download_and_prepare()
    inputs, targets = next(iter(tfds.as_numpy(builder.as_dataset(split="test", as_supervised=True, batch_size=2048))))
    assert inputs.shape == (2048, 57) and targets.shape == (2048, 57)
    np.testing.assert_array_equal(targets[:, -10:], inputs[:, :10])
    assert {"copy_d10", "agreement_d10", "adding_d10"} <= set(eval_sets.TaskEval.builder_configs)


def test_adding_sets_hold_real_valued_sequences(tmp_path):
    examples = tfds.as_numpy(eval_sets.load_eval_split(TASKS["adding"], 4, "test", str(tmp_path), batch_size=-1))
    assert examples["inputs"].shape == (2048, 15, 2) and examples["inputs"].dtype == np.float32
    assert examples["targets"].dtype == np.float32 and set(examples["lead_in"]) == set(range(11))


def test_sets_are_the_same_on_every_preparation(tmp_path):
    first = as_numpy(eval_sets.load_eval_split(TASKS["copy"], 3, "validation", data_dir=str(tmp_path / "a")))
    again = as_numpy(eval_sets.load_eval_split(TASKS["copy"], 3, "validation", data_dir=str(tmp_path / "b")))
    np.testing.assert_array_equal([e["inputs"] for e in first], [e["inputs"] for e in again])
    test_split = as_numpy(eval_sets.load_eval_split(TASKS["copy"], 3, "test", data_dir=str(tmp_path / "a")))
    assert {tuple(e["inputs"]) for e in first}.isdisjoint(tuple(e["inputs"]) for e in test_split), "splits differ"


@pytest.mark.parametrize(
    "args,message",
    [
        (("copy", 0), r"^distance must be an integer >= 1, got 0$"),
        (("copy", 5, "train"), r"^unknown split 'train'; valid splits: validation, test$"),
    ],
)
def test_bad_arguments_are_clear_errors(tmp_path, args, message):
    with pytest.raises(ValueError, match=message):
        eval_sets.load_eval_split(TASKS[args[0]], *args[1:], data_dir=str(tmp_path))
