import numpy as np
import pytest
import tensorflow_datasets as tfds

from data import TASKS, tfds_builders


def as_numpy(dataset):
    return list(tfds.as_numpy(dataset))


def test_agreement_split_prepares_locally_and_equals_the_seeded_generator(tmp_path):
    dataset = tfds_builders.load_eval_split("agreement", 6, "validation", data_dir=str(tmp_path))
    examples = as_numpy(dataset)
    assert len(examples) == tfds_builders.SPLIT_SIZES["validation"]
    assert (tmp_path / "agreement_eval" / "d6" / "1.0.0").is_dir()
    rng = np.random.default_rng(tfds_builders.split_seed("agreement", "validation", 6))
    expected = TASKS["agreement"].batch(rng, 256, 6)
    first = {tuple(e["inputs"]) for e in examples}
    assert all(tuple(row) in first for row in expected["inputs"])
    for example in examples[:50]:
        assert example["inputs"].shape == (7,) and example["distance"] == 6
        assert example["targets"] in (0, 1) and 0 <= example["attractors"] <= 1


def test_any_distance_is_a_config_on_demand_and_loads_by_name(tmp_path):
    builder = tfds.builder("copy_eval/d37", data_dir=str(tmp_path))
    assert builder.builder_config.distance == 37
    builder.download_and_prepare()
    inputs, targets = next(iter(tfds.as_numpy(builder.as_dataset(split="test", as_supervised=True, batch_size=2048))))
    assert inputs.shape == (2048, 57) and targets.shape == (2048, 57)
    np.testing.assert_array_equal(targets[:, -10:], inputs[:, :10])
    assert "d10" in tfds_builders.AgreementEval.builder_configs


def test_sets_are_the_same_on_every_preparation(tmp_path):
    first = as_numpy(tfds_builders.load_eval_split("copy", 3, "validation", data_dir=str(tmp_path / "a")))
    again = as_numpy(tfds_builders.load_eval_split("copy", 3, "validation", data_dir=str(tmp_path / "b")))
    np.testing.assert_array_equal([e["inputs"] for e in first], [e["inputs"] for e in again])
    test_split = as_numpy(tfds_builders.load_eval_split("copy", 3, "test", data_dir=str(tmp_path / "a")))
    assert {tuple(e["inputs"]) for e in first}.isdisjoint(tuple(e["inputs"]) for e in test_split), "splits differ"


@pytest.mark.parametrize(
    "args,message",
    [
        (("maze", 5), r"^unknown task 'maze'; valid tasks: agreement, copy$"),
        (("copy", 0), r"^distance must be an integer >= 1, got 0$"),
        (("copy", 5, "train"), r"^unknown split 'train'; valid splits: validation, test$"),
    ],
)
def test_bad_arguments_are_clear_errors(tmp_path, args, message):
    with pytest.raises(ValueError, match=message):
        tfds_builders.load_eval_split(*args, data_dir=str(tmp_path))
