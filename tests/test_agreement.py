"""The agreement generator, checked by parsing its decoded sentences with an independent
recogniser of the grammar written here from the lexicon's word lists."""

import collections

import numpy as np
import pytest

from data import agreement as A

NOUN_NUMBER = {w: n for pair in A.AGENT_NOUNS + A.THING_NOUNS for n, w in enumerate(pair)}
AGENTS = {w for pair in A.AGENT_NOUNS for w in pair}
PRESENT_NUMBER = {w: n for forms in A.TRANSITIVE_VERBS for n, w in enumerate(forms[:2])}
PAST = {forms[2] for forms in A.TRANSITIVE_VERBS}
MAIN_NUMBER = {w: n for pair in A.MAIN_VERBS for n, w in enumerate(pair)}
ADVERBS = set(A.GRADABLE_ADVERBS + A.OTHER_ADVERBS)

Parse = collections.namedtuple("Parse", "subject nouns embedded_agreement")


def parse(words):
    """Recognises 'the N (PP | ORC | SRC)* ADVP?' exactly; fails the test on anything else.

    Returns the subject's number, the intervening nouns' numbers in order, and, for each
    object relative clause, the pair (number of its subject, number of its verb).
    """
    assert words[:1] == ["the"] and words[1] in AGENTS, words
    subject, nouns, embedded, i = NOUN_NUMBER[words[1]], [], [], 2

    def noun_phrase(i):
        assert words[i] == "the", (words, i)
        i += 1
        adjective = words[i] if words[i] in A.ADJECTIVES + A.ANIMATE_ADJECTIVES else None
        i += adjective is not None
        assert words[i] in NOUN_NUMBER, (words, i)
        assert adjective not in A.ANIMATE_ADJECTIVES or words[i] in AGENTS, f"'{adjective} {words[i]}'"
        nouns.append(NOUN_NUMBER[words[i]])
        return i + 1

    while i < len(words):
        word = words[i]
        if word in A.PREPOSITIONS:
            i = noun_phrase(i + 1)
        elif word == "that" and words[i + 1] == "the":  # object relative: that the N V
            i = noun_phrase(i + 1)
            assert words[i - 1] in AGENTS and words[i] in PRESENT_NUMBER, words
            embedded.append((nouns[-1], PRESENT_NUMBER[words[i]]))
            i += 1
        elif word == "that" and words[i + 1] in PAST:  # subject relative: that V-ed the N
            i = noun_phrase(i + 2)
            assert words[i - 1] in AGENTS, words
        elif word in A.INTENSIFIERS:
            assert i == len(words) - 2 and words[i + 1] in A.GRADABLE_ADVERBS, words
            i += 2
        else:
            assert word in ADVERBS and i == len(words) - 1, words
            i += 1
    return Parse(subject, nouns, embedded)


def parsed(batch):
    return [parse(sentence.split()) for sentence in A.decode(batch["inputs"])]


SETTINGS = [(d, k) for d in (1, 2, 3, 4, 5, 6, 7, 10, 16, 31, 64, 200) for k in sorted({0, 1, A.max_attractors(d) // 2, A.max_attractors(d)}) if k <= A.max_attractors(d)]


@pytest.mark.parametrize("distance,attractors", SETTINGS)
def test_distance_and_attractors_are_exact_and_sentences_parse(rng, distance, attractors):
    for _ in range(5):
        batch = A.generate(rng, 64, distance, attractors)
        assert batch["inputs"].shape == (64, distance + 1) and (batch["inputs"] > 0).all()
        np.testing.assert_array_equal(batch["distance"], distance)
        np.testing.assert_array_equal(batch["attractors"], attractors)
        for i, p in enumerate(parsed(batch)):
            assert p.subject == batch["targets"][i]
            assert sum(n != p.subject for n in p.nouns) == attractors
            assert MAIN_NUMBER[A.VOCAB[batch["verb"][i]]] == p.subject


@pytest.mark.parametrize("distance", [2, 9, 40, 150])
def test_attractors_left_to_chance_are_counted_right(rng, distance):
    batch = A.generate(rng, 256, distance)
    counts = [sum(n != p.subject for n in p.nouns) for p in parsed(batch)]
    np.testing.assert_array_equal(batch["attractors"], counts)
    if distance >= 9:
        assert len(set(counts)) > 2, "attractor counts should vary when left to chance"


def test_embedded_verbs_agree_with_their_own_subjects(rng):
    pairs = [pair for _ in range(10) for p in parsed(A.generate(rng, 128, 30)) for pair in p.embedded_agreement]
    assert len(pairs) > 500
    assert all(noun == verb for noun, verb in pairs)
    assert {noun for noun, _ in pairs} == {0, 1}, "both numbers appear inside relative clauses"


@pytest.mark.parametrize("attractors", [None, 0, 2])
def test_nearest_noun_flag(rng, attractors):
    batch = A.generate(rng, 256, 12, attractors)
    expected = [bool(p.nouns) and p.nouns[-1] != p.subject for p in parsed(batch)]
    np.testing.assert_array_equal(batch["nearest_is_attractor"], expected)
    if attractors != 0:
        assert 0 < np.mean(expected) < 1
    else:
        assert not any(expected)


def test_labels_are_balanced_and_independent_of_attractors(rng):
    for batch_size in (2, 64, 128):
        assert A.generate(rng, batch_size, 10)["targets"].sum() == batch_size // 2
    labels, attractors = [], []
    for _ in range(200):
        batch = A.generate(rng, 33, 20)
        labels.append(batch["targets"])
        attractors.append(batch["attractors"])
    labels, attractors = np.concatenate(labels), np.concatenate(attractors)
    assert abs(labels.mean() - 0.5) < 0.01
    for count in np.unique(attractors):
        chosen = labels[attractors == count]
        if len(chosen) >= 400:
            assert abs(chosen.mean() - 0.5) < 0.08, (count, chosen.mean())


@pytest.mark.parametrize("distance", [7, 13, 25, 61])
def test_shortcut_heuristics_fail_when_every_intervening_noun_is_an_attractor(rng, distance):
    attractors = A.max_attractors(distance)
    batch = A.generate(rng, 512, distance, attractors)
    labels = batch["targets"]
    parses = parsed(batch)
    assert all(len(p.nouns) == attractors for p in parses), "every intervening noun is an attractor"
    nearest = np.array([p.nouns[-1] for p in parses])
    plural_share = np.array([(p.subject + sum(p.nouns)) / (1 + len(p.nouns)) for p in parses])
    majority = np.where(plural_share == 0.5, 1 - labels, plural_share > 0.5)  # ties count as wrong
    assert np.mean(nearest == labels) <= 0.5
    assert np.mean(majority == labels) <= 0.5
    subject = np.array([p.subject for p in parses])
    assert np.mean(subject == labels) == 1.0, "carrying the subject's number solves the task"


def test_lexicon_is_varied_and_decode_reads_words():
    assert len(A.AGENT_NOUNS) + len(A.THING_NOUNS) >= 36
    assert len(A.TRANSITIVE_VERBS) >= 12 and len(A.MAIN_VERBS) >= 12
    ids = [A.WORD_ID[w] for w in "the dogs near the old tree that the cat likes".split()]
    assert A.decode(ids) == "the dogs near the old tree that the cat likes"
    assert A.decode([ids + [0, 0], ids[:2] + [0] * 10]) == ["the dogs near the old tree that the cat likes", "the dogs"]


def test_subjects_are_varied(rng):
    batch = A.generate(rng, 512, 1)
    assert len(np.unique(batch["inputs"][:, 1])) >= 40


def test_same_seed_same_batches_different_seed_different_batches():
    first = A.generate(np.random.default_rng(5), 32, 20, None)
    again = A.generate(np.random.default_rng(5), 32, 20, None)
    other = A.generate(np.random.default_rng(6), 32, 20, None)
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    assert not np.array_equal(first["inputs"], other["inputs"])


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(distance=0), r"^distance must be an integer >= 1, got 0"),
        (dict(distance=-2), r"^distance must be an integer >= 1, got -2"),
        (dict(distance=10, attractors=4), r"^attractors must be an integer from 0 to 3 \(.*distance 10\), got 4"),
        (dict(distance=1, attractors=1), r"^attractors must be an integer from 0 to 0 .*, got 1"),
        (dict(distance=10, attractors=-1), r"^attractors must be an integer from 0 to 3 .*, got -1"),
        (dict(distance=10, attractors=1.5), r"^attractors must be an integer"),
        (dict(distance=10, batch_size=0), r"^batch_size must be an integer >= 1, got 0"),
    ],
)
def test_bad_arguments_are_clear_errors(rng, kwargs, message):
    kwargs = {"batch_size": 8, **kwargs}
    with pytest.raises(ValueError, match=message):
        A.generate(rng, **kwargs)
