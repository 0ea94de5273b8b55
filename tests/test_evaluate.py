import numpy as np
import pytest

from data import TASKS, agreement
from trainer import evaluate


@pytest.mark.parametrize(
    "correct,trials,expected",
    [(50, 100, (0.4038, 0.5962)), (8, 10, (0.4902, 0.9433)), (0, 20, (0.0, 0.1611)), (20, 20, (0.8389, 1.0))],
)
def test_wilson_interval_known_values(correct, trials, expected):
    low, high = evaluate.wilson_interval(correct, trials)
    assert low == pytest.approx(expected[0], abs=1e-4) and high == pytest.approx(expected[1], abs=1e-4)


def test_wilson_interval_of_no_trials_is_everything():
    assert evaluate.wilson_interval(0, 0) == (0.0, 1.0)


class FixedPredictions:
    """Stands in for a keras.Model: predict() returns logits made by a function of the inputs."""

    def __init__(self, logits_for):
        self.logits_for = logits_for

    def predict(self, inputs, batch_size=None, verbose=0):
        return self.logits_for(inputs)


def test_copy_accuracy_counts_recall_positions_only(tmp_path):
    examples = evaluate.load_split(TASKS["copy"], 4, "validation", str(tmp_path))

    def right_at_recall_wrong_elsewhere(inputs):
        logits = np.zeros(inputs.shape + (9,), "float32")
        logits[..., 5] = 1.0  # a wrong class at every blank step
        data = inputs[:, :10]
        logits[:, -10:] = np.eye(9)[data]  # the right symbol at the recall steps
        return logits

    result = evaluate.evaluate_examples(FixedPredictions(right_at_recall_wrong_elsewhere), TASKS["copy"], 4, examples)
    assert result.accuracy.accuracy == 1.0 and result.accuracy.trials == 10 * 512
    assert result.chance == 1 / 8 and result.baseline_loss == pytest.approx(10 * np.log(8) / 24)
    assert result.breakdowns == {}
    blank_everywhere = evaluate.evaluate_examples(FixedPredictions(lambda x: np.eye(9)[np.zeros_like(x)]), TASKS["copy"], 4,
                                                  examples)
    assert blank_everywhere.accuracy.accuracy == 0.0


def test_agreement_breakdowns_expose_the_nearest_noun_shortcut(tmp_path):
    examples = evaluate.load_split(TASKS["agreement"], 10, "validation", str(tmp_path))
    plural = {agreement.WORD_ID[p] for _, p in agreement.AGENT_NOUNS + agreement.THING_NOUNS}
    singular = {agreement.WORD_ID[s] for s, _ in agreement.AGENT_NOUNS + agreement.THING_NOUNS}

    def nearest_noun(inputs):
        logits = np.zeros((len(inputs), 1), "float32")
        for row, sentence in enumerate(inputs):
            nouns = [w for w in sentence if w in plural or w in singular]
            logits[row, 0] = 1.0 if nouns[-1] in plural else -1.0
        return logits

    result = evaluate.evaluate_examples(FixedPredictions(nearest_noun), TASKS["agreement"], 10, examples)
    assert result.breakdowns["nearest_noun"][1].accuracy == 0.0
    assert result.breakdowns["nearest_noun"][0].accuracy == 1.0
    assert result.breakdowns["attractors"][0].accuracy == 1.0
    assert sum(a.trials for a in result.breakdowns["attractors"].values()) == 512
    assert set(result.breakdowns["preamble"]) == {0, 1, 2}
    pooled = evaluate.pool_breakdowns([result, result])
    assert pooled["attractors"][0].trials == 2 * result.breakdowns["attractors"][0].trials
    assert pooled["attractors"][0].correct == 2 * result.breakdowns["attractors"][0].correct


def test_first_noun_heuristic_fails_when_a_preamble_noun_disagrees(tmp_path):
    """The preamble breakdown exposes a model that reads the first noun, not the subject."""
    examples = evaluate.load_split(TASKS["agreement"], 10, "validation", str(tmp_path))

    def first_noun(inputs):
        numbers = agreement.NOUN_NUMBER[inputs]
        first = numbers[np.arange(len(inputs)), np.argmax(numbers >= 0, axis=1)]
        return np.where(first == 1, 1.0, -1.0)[:, None].astype("float32")

    preamble = evaluate.evaluate_examples(FixedPredictions(first_noun), TASKS["agreement"], 10, examples).breakdowns["preamble"]
    assert preamble[0].accuracy == 1.0 and preamble[1].accuracy == 1.0
    assert preamble[2].accuracy < 0.3  # right only where the disagreeing noun is a second preamble noun


def test_adding_accuracy_counts_predictions_within_the_tolerance(tmp_path):
    examples = evaluate.load_split(TASKS["adding"], 5, "validation", str(tmp_path))
    near = evaluate.evaluate_examples(FixedPredictions(lambda x: (examples["targets"] + 0.039)[:, None]), TASKS["adding"], 5, examples)
    far = evaluate.evaluate_examples(FixedPredictions(lambda x: (examples["targets"] + 0.041)[:, None]), TASKS["adding"], 5, examples)
    assert near.accuracy.accuracy == 1.0 and far.accuracy.accuracy == 0.0
    assert near.baseline_loss == pytest.approx(1 / 6) and near.chance == pytest.approx(0.0784)
