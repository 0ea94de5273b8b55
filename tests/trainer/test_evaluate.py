import numpy as np
import pytest

from data import TASKS, agreement
from trainer import evaluate


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
    plural = {agreement.WORD_ID[p] for _, p in agreement.NOUNS}
    singular = {agreement.WORD_ID[s] for s, _ in agreement.NOUNS}

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


class LadderOfAccuracies:
    """Stands in for evaluate_examples: the accuracy at each distance from a table (2048 trials,
    chance 0.5), and a record of the distances evaluated."""

    def __init__(self, accuracy_by_distance):
        self.accuracy_by_distance, self.evaluated = accuracy_by_distance, []

    def __call__(self, model, task, distance, examples):
        self.evaluated.append(distance)
        correct = round(self.accuracy_by_distance[distance] * 2048)
        return evaluate.DistanceResult(distance, evaluate.Accuracy.from_counts(correct, 2048), 0.5)


LADDER = (1, 2, 5, 10, 20, 50, 100, 200)


@pytest.mark.parametrize("accuracies, evaluated, horizon", [
    # memory ends at 50: two rungs at chance after it, and the climb stops there
    ({1: 1.0, 2: 1.0, 5: 1.0, 10: 1.0, 20: 0.995, 50: 0.8, 100: 0.51, 200: 0.49}, LADDER, 20),
    ({1: 1.0, 2: 1.0, 5: 1.0, 10: 0.99, 20: 0.5, 50: 0.49, 100: 1.0, 200: 1.0}, (1, 2, 5, 10, 20, 50), 10),
    # one rung at chance, then above chance again: the count starts over
    ({1: 1.0, 2: 1.0, 5: 1.0, 10: 1.0, 20: 0.5, 50: 0.7, 100: 0.5, 200: 0.5}, LADDER, 10),
    # at chance at or below the training distance (10) never stops the climb
    ({1: 0.5, 2: 0.5, 5: 0.5, 10: 1.0, 20: 0.5, 50: 0.5, 100: 1.0, 200: 1.0}, (1, 2, 5, 10, 20, 50), 10),
    # nothing reaches the threshold: horizon 0
    ({1: 0.6, 2: 0.5, 5: 0.5, 10: 0.5, 20: 0.5, 50: 0.5, 100: 0.5, 200: 0.5}, (1, 2, 5, 10, 20, 50), 0),
])
def test_the_climb_stops_after_two_rungs_at_chance_beyond_the_training_distance(monkeypatch, accuracies, evaluated,
                                                                                horizon):
    ladder = LadderOfAccuracies(accuracies)
    monkeypatch.setattr(evaluate, "evaluate_examples", ladder)
    results = evaluate.climb(None, None, reversed(LADDER), {d: None for d in LADDER}, trained_up_to=10)
    assert tuple(ladder.evaluated) == evaluated == tuple(r.distance for r in results)
    assert evaluate.generalisation_horizon(results, 0.99) == horizon


def test_at_chance_means_the_interval_reaches_chance():
    result = lambda correct: evaluate.DistanceResult(1, evaluate.Accuracy.from_counts(correct, 2048), 0.5)
    assert evaluate.at_chance(result(1024)) and evaluate.at_chance(result(900))
    assert evaluate.at_chance(result(1060))  # 0.518: its interval [0.496, 0.539] still holds 0.5
    assert not evaluate.at_chance(result(1100))  # 0.537: [0.515, 0.559]
