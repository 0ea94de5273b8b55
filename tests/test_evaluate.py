import numpy as np
import pytest

from data import agreement
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
    examples = evaluate.load_split("copy", 4, "validation", str(tmp_path))

    def right_at_recall_wrong_elsewhere(inputs):
        logits = np.zeros(inputs.shape + (9,), "float32")
        logits[..., 5] = 1.0  # a wrong class at every blank step
        data = inputs[:, :10]
        logits[:, -10:] = np.eye(9)[data]  # the right symbol at the recall steps
        return logits

    result = evaluate.evaluate_examples(FixedPredictions(right_at_recall_wrong_elsewhere), "copy", 4, examples)
    assert result.accuracy.accuracy == 1.0 and result.accuracy.trials == 10 * 512
    assert result.chance == 1 / 8 and result.memoryless_loss == pytest.approx(10 * np.log(8) / 24)
    blank_everywhere = evaluate.evaluate_examples(FixedPredictions(lambda x: np.eye(9)[np.zeros_like(x)]), "copy", 4, examples)
    assert blank_everywhere.accuracy.accuracy == 0.0


def test_agreement_breakdowns_expose_the_nearest_noun_shortcut(tmp_path):
    examples = evaluate.load_split("agreement", 10, "validation", str(tmp_path))
    plural = {agreement.WORD_ID[p] for _, p in agreement.AGENT_NOUNS + agreement.THING_NOUNS}
    singular = {agreement.WORD_ID[s] for s, _ in agreement.AGENT_NOUNS + agreement.THING_NOUNS}

    def nearest_noun(inputs):
        logits = np.zeros((len(inputs), 1), "float32")
        for row, sentence in enumerate(inputs):
            nouns = [w for w in sentence if w in plural or w in singular]
            logits[row, 0] = 1.0 if nouns[-1] in plural else -1.0
        return logits

    result = evaluate.evaluate_examples(FixedPredictions(nearest_noun), "agreement", 10, examples)
    assert result.by_nearest_is_attractor[True].accuracy == 0.0
    assert result.by_nearest_is_attractor[False].accuracy == 1.0
    assert result.by_attractors[0].accuracy == 1.0
    assert sum(a.trials for a in result.by_attractors.values()) == 512
    pooled = evaluate.pool_by_attractors([result, result])
    assert pooled[0].trials == 2 * result.by_attractors[0].trials
    assert pooled[0].correct == 2 * result.by_attractors[0].correct
