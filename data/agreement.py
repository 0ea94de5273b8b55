"""The subject-verb agreement task (the number-prediction setting of Linzen, Dupoux &
Goldberg, 2016), generated from a small English grammar.

This module owns the lexicon, the grammar, the batch generator, decode(), the task's
shortcut heuristics and its Task (TASK).

A sentence is "[PREAMBLE] the SUBJECT <d - 1 words> VERB". The model reads the prefix up
to, not including, the main verb and predicts the verb's number: 0 singular, 1 plural. The
distance d = index(verb) - index(subject) is exact.

The preamble puts the subject at a varying position, after other nouns, so that neither
the first noun nor the word at any fixed position gives the label away. Its kinds:

    none                                          "the dog ..."
    a bare adverb and comma                       "yesterday , the dog ..."
    fronted prepositional phrase(s) and comma     "near the old horses , the dog ..."
    reported speech                               "the guards said that the dog ..."
    an adverbial clause and comma                 "while the cat slept , the dog ..."

The last three may hold a second noun in a prepositional phrase ("the guards near the king
said that") and may follow a bare adverb ("yesterday , near the kings ,"); reported speech
and clauses may hold an adverb ("the guards often said that", "while the cat slept quietly ,"). Preamble nouns
take either number with probability 1/2, independently of the subject; preamble verbs are
in the past tense, which English does not mark for number. Every noun, whatever its role
(subject, preamble noun, intervening noun), is drawn from the one list NOUNS, so a noun's
identity says nothing about its role. A preamble has at most
MAX_PREAMBLE words, and every input row has d + 1 + MAX_PREAMBLE ids: the sentence from
id 0 on, then padding (id 0), which the model masks.

The d - 1 words between subject and verb are a sequence of constituents, each holding one
noun, followed by an optional adverb phrase:

    prepositional phrase        P the [ADJ] NOUN             "near the old wolves"
    object relative clause      that the [ADJ] NOUN VERB     "that the cats like"
    subject relative clause     that VERB-ed the [ADJ] NOUN  "that chased the dog"
    adverb phrase (last)        ADV | INTENSIFIER ADV        "quietly", "very often"

Inside an object relative clause the embedded verb is in the present tense and agrees
with its own subject (the embedded noun); subject relative clauses use the past tense,
so no embedded verb gives the answer away.

An attractor is a noun between subject and verb whose number differs from the subject's;
preamble nouns are not attractors (they are counted apart). With attractors=k exactly k
of the intervening nouns are attractors and the others agree with the subject; at most
(d - 1) // 3 nouns fit in d - 1 words, since the shortest constituent is three words.
With attractors=None each intervening noun takes either number with probability 1/2.
Labels are exactly balanced within a batch (the odd one out of an odd batch is a coin
flip) and drawn independently of distance, attractors and preamble.
"""

import numpy as np

from common.checks import check_batch_size, check_distance, check_in_range
from data.baselines import constant_class, first_informative_word, position_lookup
from data.model_io import Decision, Tokens
from data.task import Baseline, Breakdown, Task

# ----------------------------------------------------------------------------- lexicon
PAD = "<pad>"
DETERMINER = "the"
RELATIVISER = "that"

# Nouns, all of people or animals, so that each can fill every role (subject, preamble
# noun, relative-clause noun, object of a preposition) and every role draws from the same
# list: which role a noun plays cannot be read off the word itself.
NOUNS = (
    ("dog", "dogs"), ("cat", "cats"), ("teacher", "teachers"), ("doctor", "doctors"),
    ("farmer", "farmers"), ("author", "authors"), ("pilot", "pilots"), ("senator", "senators"),
    ("student", "students"), ("child", "children"), ("woman", "women"), ("man", "men"),
    ("girl", "girls"), ("boy", "boys"), ("baker", "bakers"), ("lawyer", "lawyers"),
    ("singer", "singers"), ("painter", "painters"), ("nurse", "nurses"), ("soldier", "soldiers"),
    ("king", "kings"), ("queen", "queens"), ("officer", "officers"), ("manager", "managers"),
    ("neighbour", "neighbours"), ("driver", "drivers"), ("dancer", "dancers"),
    ("customer", "customers"), ("guest", "guests"), ("mouse", "mice"), ("wolf", "wolves"),
    ("horse", "horses"), ("friend", "friends"), ("actor", "actors"), ("poet", "poets"),
    ("chef", "chefs"), ("uncle", "uncles"), ("aunt", "aunts"), ("sailor", "sailors"),
    ("tourist", "tourists"), ("scientist", "scientists"), ("player", "players"),
    ("writer", "writers"), ("judge", "judges"), ("prince", "princes"), ("bird", "birds"),
    ("rabbit", "rabbits"), ("guard", "guards"),
)
# Transitive verbs as (singular present, plural present, past) for relative clauses.
TRANSITIVE_VERBS = (
    ("likes", "like", "liked"), ("admires", "admire", "admired"), ("knows", "know", "knew"),
    ("sees", "see", "saw"), ("follows", "follow", "followed"), ("helps", "help", "helped"),
    ("watches", "watch", "watched"), ("loves", "love", "loved"), ("hates", "hate", "hated"),
    ("meets", "meet", "met"), ("calls", "call", "called"), ("thanks", "thank", "thanked"),
    ("avoids", "avoid", "avoided"), ("praises", "praise", "praised"),
    ("blames", "blame", "blamed"), ("greets", "greet", "greeted"),
    ("trusts", "trust", "trusted"), ("visits", "visit", "visited"),
    ("remembers", "remember", "remembered"), ("chases", "chase", "chased"),
)
# Intransitive main verbs as (singular, plural): the word the model must predict the number of.
MAIN_VERBS = (
    ("smiles", "smile"), ("sleeps", "sleep"), ("laughs", "laugh"), ("waits", "wait"),
    ("sings", "sing"), ("runs", "run"), ("works", "work"), ("arrives", "arrive"),
    ("leaves", "leave"), ("agrees", "agree"), ("speaks", "speak"), ("listens", "listen"),
    ("wins", "win"), ("falls", "fall"), ("shouts", "shout"), ("swims", "swim"),
    ("dances", "dance"), ("writes", "write"), ("cries", "cry"), ("rests", "rest"),
)
PREPOSITIONS = (
    "near", "behind", "beside", "with", "from", "under", "above", "below", "around",
    "past", "beyond", "without",
)
ADJECTIVES = (
    "old", "tall", "small", "quiet", "strange", "famous", "young", "happy", "angry", "clever",
    "tired", "brave", "shy", "busy", "lonely", "friendly",
)
INTENSIFIERS = ("very", "quite")
GRADABLE_ADVERBS = ("often", "rarely", "quietly", "quickly", "slowly", "happily")
OTHER_ADVERBS = ("never", "always", "usually", "sometimes", "probably", "certainly", "suddenly", "finally")
# Preamble words: sentence adverbs, verbs of saying and intransitive verbs in the past tense
# (no number marking), subordinating conjunctions, and the comma.
COMMA = ","
SENTENCE_ADVERBS = ("yesterday", "today", "meanwhile", "afterwards", "fortunately", "apparently")
SAY_VERBS = ("said", "thought", "believed", "claimed", "noticed", "heard")
SUBORDINATORS = ("while", "when", "after", "before", "because", "although")
PAST_INTRANSITIVE = ("slept", "laughed", "waited", "smiled", "arrived", "left", "shouted", "danced")

VOCAB = (
    (PAD, DETERMINER, RELATIVISER)
    + PREPOSITIONS + ADJECTIVES + INTENSIFIERS + GRADABLE_ADVERBS + OTHER_ADVERBS
    + tuple(w for pair in NOUNS for w in pair)
    + tuple(w for forms in TRANSITIVE_VERBS for w in forms)
    + tuple(w for pair in MAIN_VERBS for w in pair)
    + (COMMA,) + SENTENCE_ADVERBS + SAY_VERBS + SUBORDINATORS + PAST_INTRANSITIVE
)
WORD_ID = {word: i for i, word in enumerate(VOCAB)}
assert len(WORD_ID) == len(VOCAB), "a word appears twice in the lexicon"
VOCAB_SIZE = len(VOCAB)
NUM_CLASSES = 2
CHANCE_ACCURACY = 0.5
SINGULAR, PLURAL = 0, 1
NUMBER_NAMES = ("singular", "plural")


def _ids(words):
    return np.array([WORD_ID[w] for w in words], dtype=np.int32)


# Lookup tables indexed [lexeme, number] (or [lexeme, form]) -> word id.
_NOUNS = _ids([w for pair in NOUNS for w in pair]).reshape(-1, 2)
_TRANSITIVE = _ids([w for forms in TRANSITIVE_VERBS for w in forms]).reshape(-1, 3)
_MAIN = _ids([w for pair in MAIN_VERBS for w in pair]).reshape(-1, 2)
_PREPOSITIONS = _ids(PREPOSITIONS)
_ADJECTIVES = _ids(ADJECTIVES)
_INTENSIFIERS = _ids(INTENSIFIERS)
_GRADABLE = _ids(GRADABLE_ADVERBS)
_ADVERBS = _ids(GRADABLE_ADVERBS + OTHER_ADVERBS)
_OTHER_ADVERBS = _ids(OTHER_ADVERBS)
_THE, _THAT, _COMMA = WORD_ID[DETERMINER], WORD_ID[RELATIVISER], WORD_ID[COMMA]
_SENTENCE_ADVERBS = _ids(SENTENCE_ADVERBS)
_SAY = _ids(SAY_VERBS)
_SUBORDINATORS = _ids(SUBORDINATORS)
_PAST_INTRANSITIVE = _ids(PAST_INTRANSITIVE)
# Number of each word id: 0 singular noun, 1 plural noun, -1 not a noun.
NOUN_NUMBER = np.full(VOCAB_SIZE, -1, dtype=np.int32)
NOUN_NUMBER[_NOUNS[:, 0]], NOUN_NUMBER[_NOUNS[:, 1]] = SINGULAR, PLURAL

SHORTEST_CONSTITUENT = 3  # "P the N"
LONGEST_CONSTITUENT = 5  # "that the ADJ N V" or "that V-ed the ADJ N"
LONGEST_ADVERB_PHRASE = 2


# ----------------------------------------------------------------------------- grammar
def max_attractors(distance):
    """The most intervening nouns (so attractors) that fit in distance - 1 words."""
    check_distance(distance)
    return (distance - 1) // SHORTEST_CONSTITUENT


def check_attractors(attractors, distance):
    """Raises ValueError unless attractors is None or an integer that fits at this distance."""
    if attractors is not None:
        check_in_range(
            "attractors", attractors, 0, max_attractors(distance),
            f"at most (distance - 1) // 3 nouns fit between subject and verb at distance {distance}",
        )


def _ranks(rng, valid):
    """Random ranks 0..n-1 over the true entries of each row of valid [B, N]; invalid entries rank last."""
    keys = rng.random(valid.shape)
    keys[~valid] = np.inf
    return np.argsort(np.argsort(keys, axis=1), axis=1)


def _uniform_integers(rng, low, high):
    """One integer uniform on [low, high] per entry of the equally shaped arrays low and high."""
    return low + np.floor(rng.random(np.shape(low)) * (high - low + 1)).astype(np.int64)


def _balanced_labels(rng, batch_size):
    labels = np.arange(batch_size) % 2
    if batch_size % 2:
        labels[-1] = rng.integers(2)
    return rng.permutation(labels).astype(np.int32)


def _plan_lengths(rng, batch_size, between, min_nouns):
    """Per example: adverb-phrase length a, constituent count n, relative clauses r, adjectives j.

    They satisfy 3n + r + j + a = between with 0 <= r, j <= n and n >= min_nouns.
    """
    feasible = []
    for a in range(min(between, LONGEST_ADVERB_PHRASE) + 1):
        rest = between - a
        n_low = max(min_nouns, -(-rest // LONGEST_CONSTITUENT))
        if n_low <= rest // SHORTEST_CONSTITUENT:
            feasible.append((a, n_low, rest // SHORTEST_CONSTITUENT))
    options = np.array(feasible, dtype=np.int64)[rng.integers(len(feasible), size=batch_size)]
    adverb_words, n_low, n_high = options.T
    nouns = _uniform_integers(rng, n_low, n_high)
    extra = between - adverb_words - SHORTEST_CONSTITUENT * nouns  # in [0, 2n]
    clauses = _uniform_integers(rng, np.maximum(0, extra - nouns), np.minimum(nouns, extra))
    return adverb_words, nouns, clauses, extra - clauses


def _core(rng, labels, distance, attractors):
    """"the SUBJECT <d - 1 words>" for each label: (ids [B, d + 1], attractors [B], nearest_is_attractor [B])."""
    batch_size = len(labels)
    between = distance - 1
    rows = np.arange(batch_size)[:, None]

    adverb_words, nouns, clauses, adjectives = _plan_lengths(rng, batch_size, between, attractors or 0)
    width = max(int(nouns.max()), 1)  # constituent slots [B, N]; slot c < n[b] is used
    used = np.arange(width)[None, :] < nouns[:, None]
    is_clause = used & (_ranks(rng, used) < clauses[:, None])
    has_adjective = (used & (_ranks(rng, used) < adjectives[:, None])).astype(np.int64)
    is_subject_clause = is_clause & (rng.random((batch_size, width)) < 0.5)
    is_object_clause = is_clause & ~is_subject_clause
    if attractors is None:
        is_attractor = used & (rng.random((batch_size, width)) < 0.5)
    else:
        is_attractor = used & (_ranks(rng, used) < attractors)
    noun_number = labels[:, None] ^ is_attractor

    # Word positions: 0 "the", 1 subject, constituents from 2, adverb phrase last, verb at d.
    lengths = np.where(used, SHORTEST_CONSTITUENT + is_clause + has_adjective, 0)
    start = 2 + np.cumsum(lengths, axis=1) - lengths
    noun_pos = start + 2 + is_subject_clause + has_adjective

    core = np.zeros((batch_size, distance + 1), dtype=np.int32)
    core[:, 0] = _THE
    core[:, 1] = _noun_phrases(rng, batch_size, labels).nouns

    def place(mask, positions, words):
        core[np.broadcast_to(rows, mask.shape)[mask], positions[mask]] = words[mask]

    shape = (batch_size, width)
    place(used & ~is_clause, start, _PREPOSITIONS[rng.integers(len(_PREPOSITIONS), size=shape)])
    place(is_clause, start, np.full(shape, _THAT))
    place(used, noun_pos - 1 - has_adjective, np.full(shape, _THE))
    phrases = _noun_phrases(rng, shape, noun_number)
    place(used, noun_pos, phrases.nouns)
    place(has_adjective.astype(bool), noun_pos - 1, phrases.adjectives)
    verbs = rng.integers(len(_TRANSITIVE), size=shape)
    place(is_object_clause, noun_pos + 1, _TRANSITIVE[verbs, noun_number])
    place(is_subject_clause, start + 1, _TRANSITIVE[verbs, 2])

    single = adverb_words == 1
    core[single, distance] = _ADVERBS[rng.integers(len(_ADVERBS), size=int(single.sum()))]
    double = adverb_words == 2
    core[double, distance - 1] = _INTENSIFIERS[rng.integers(len(_INTENSIFIERS), size=int(double.sum()))]
    core[double, distance] = _GRADABLE[rng.integers(len(_GRADABLE), size=int(double.sum()))]

    last_noun = np.maximum(nouns - 1, 0)
    nearest = (nouns > 0) & is_attractor[np.arange(batch_size), last_noun]
    return core, is_attractor.sum(axis=1).astype(np.int32), nearest


class _NounPhrases:
    """Nouns of the given numbers [shape], each with an adjective to put before it if wanted."""

    def __init__(self, nouns, adjectives):
        self.nouns, self.adjectives = nouns, adjectives


def _noun_phrases(rng, shape, numbers):
    """Every role draws its nouns here, uniformly from the one list NOUNS, so a noun's identity
    says nothing about its role."""
    nouns = _NOUNS[rng.integers(len(_NOUNS), size=shape), numbers]
    return _NounPhrases(nouns, _ADJECTIVES[rng.integers(len(_ADJECTIVES), size=shape)])


# Preamble kinds and how often each is drawn. The weights keep the share of sentences whose
# subject is the first noun at 0.15 and spread the subject's position over 1..14 (no position
# holds more than 16% of subjects), so that the first-noun heuristic and the best
# single-position lookup stay near 0.58 over distances 1..30 (make preview EXTRA=--shortcuts
# measures them; tests/test_agreement.py bounds them at 0.6).
NO_PREAMBLE, BARE_ADVERB, FRONTED_PP, REPORTED, CLAUSE = range(5)
PREAMBLE_KINDS = ("none", "bare adverb", "fronted prepositional phrase", "reported speech", "adverbial clause")
PREAMBLE_WEIGHTS = (0.08, 0.07, 0.29, 0.28, 0.28)
ADVERB_BEFORE = 0.4  # chance that a bare adverb and comma come first, before the other kinds
SECOND_NOUN = 0.3  # chance of a second noun in a prepositional phrase within the preamble
ADJECTIVE = 0.5  # chance of an adjective before each preamble noun
ADVERB_INSIDE = 0.4  # chance of an adverb in reported speech ("often said") or a clause ("slept quietly")
MAX_PREAMBLE = 13  # words: "yesterday , while the old cat near the tall dogs slept quietly ,"


def _preamble(rng, labels):
    """Sentence-initial material: (ids [B, MAX_PREAMBLE] padded with 0, length [B],
    nouns [B], any noun disagreeing with the label [B])."""
    batch_size = len(labels)
    kind = rng.choice(len(PREAMBLE_WEIGHTS), size=batch_size, p=PREAMBLE_WEIGHTS)
    has_noun = kind >= FRONTED_PP
    prefix = (kind == BARE_ADVERB) | (has_noun & (rng.random(batch_size) < ADVERB_BEFORE))
    second = has_noun & (rng.random(batch_size) < SECOND_NOUN)
    numbers = (rng.random((batch_size, 2)) < 0.5).astype(np.int64)
    first = _noun_phrases(rng, batch_size, numbers[:, 0])
    other = _noun_phrases(rng, batch_size, numbers[:, 1])
    the = np.full(batch_size, _THE)

    def pick(words):
        return words[rng.integers(len(words), size=batch_size)]

    # Every slot a preamble can use, in sentence order, and which sentences use it.
    slots = [
        (pick(_SENTENCE_ADVERBS), prefix),
        (np.full(batch_size, _COMMA), prefix),
        (pick(_PREPOSITIONS), kind == FRONTED_PP),
        (pick(_SUBORDINATORS), kind == CLAUSE),
        (the, has_noun),
        (first.adjectives, has_noun & (rng.random(batch_size) < ADJECTIVE)),
        (first.nouns, has_noun),
        (pick(_PREPOSITIONS), second),
        (the, second),
        (other.adjectives, second & (rng.random(batch_size) < ADJECTIVE)),
        (other.nouns, second),
        (pick(_OTHER_ADVERBS), (kind == REPORTED) & (rng.random(batch_size) < ADVERB_INSIDE)),
        (pick(_SAY), kind == REPORTED),
        (np.full(batch_size, _THAT), kind == REPORTED),
        (pick(_PAST_INTRANSITIVE), kind == CLAUSE),
        (pick(_GRADABLE), (kind == CLAUSE) & (rng.random(batch_size) < ADVERB_INSIDE)),
        (np.full(batch_size, _COMMA), (kind == FRONTED_PP) | (kind == CLAUSE)),
    ]
    words = np.stack([w for w, _ in slots], axis=1)
    used = np.stack([u for _, u in slots], axis=1)
    order = np.argsort(~used, axis=1, kind="stable")  # used slots first, in sentence order
    length = used.sum(axis=1)
    compact = np.take_along_axis(words, order, axis=1)[:, :MAX_PREAMBLE]
    compact = np.where(np.arange(MAX_PREAMBLE)[None, :] < length[:, None], compact, 0).astype(np.int32)
    noun_count = has_noun.astype(np.int32) + second
    disagrees = (has_noun & (numbers[:, 0] != labels)) | (second & (numbers[:, 1] != labels))
    return compact, length, noun_count.astype(np.int32), disagrees


def generate(rng, batch_size, distance, attractors=None):
    """A batch of agreement prefixes, all at one distance.

    Args:
      rng: np.random.Generator, the only source of randomness.
      batch_size: number of sentences B >= 1.
      distance: d >= 1, index(main verb) - index(subject noun).
      attractors: None (each intervening noun's number is a coin flip) or the exact number
        of intervening nouns whose number differs from the subject's, 0..(d - 1) // 3.

    Returns:
      dict with
        inputs:   int32 [B, d + 1 + MAX_PREAMBLE], word ids of "[preamble] the SUBJECT
                  <d - 1 words>", then padding (0);
        targets:  int32 [B], the main verb's number (0 singular, 1 plural);
        distance: int32 [B], d for every row;
        attractors: int32 [B], how many intervening nouns differ in number from the subject;
        nearest_is_attractor: bool [B], whether the last noun before the verb is an attractor;
        preamble_nouns: int32 [B], nouns in the preamble (0, 1 or 2);
        preamble_disagrees: bool [B], whether a preamble noun differs in number from the subject;
        subject_position: int32 [B], index of the subject noun (the preamble's length + 1);
        verb:     int32 [B], the main verb in its correct form, to print whole sentences.
    """
    check_batch_size(batch_size)
    check_distance(distance)
    check_attractors(attractors, distance)
    labels = _balanced_labels(rng, batch_size)
    core, attractor_counts, nearest = _core(rng, labels, distance, attractors)
    preamble, preamble_length, preamble_nouns, preamble_disagrees = _preamble(rng, labels)

    inputs = np.zeros((batch_size, MAX_PREAMBLE + distance + 1), dtype=np.int32)
    inputs[:, :MAX_PREAMBLE] = preamble
    columns = preamble_length[:, None] + np.arange(distance + 1)[None, :]
    inputs[np.arange(batch_size)[:, None], columns] = core
    return {
        "inputs": inputs,
        "targets": labels,
        "distance": np.full(batch_size, distance, dtype=np.int32),
        "attractors": attractor_counts,
        "nearest_is_attractor": nearest,
        "preamble_nouns": preamble_nouns,
        "preamble_disagrees": preamble_disagrees,
        "subject_position": (preamble_length + 1).astype(np.int32),
        "verb": _MAIN[rng.integers(len(_MAIN), size=batch_size), labels],
    }


def sequence_length(distance):
    """Ids per input row at a distance: d + 1 words of the sentence proper, and room for a preamble."""
    check_distance(distance)
    return distance + 1 + MAX_PREAMBLE


# ----------------------------------------------------------------------------- reading
def decode(ids):
    """Word ids -> text: [T] -> one string; [B, T] -> a list of B strings. Padding is dropped."""
    ids = np.asarray(ids)
    if ids.ndim == 2:
        return [decode(row) for row in ids]
    return " ".join(VOCAB[i] for i in ids if i != 0)


def describe(batch, index):
    """A readable line for one example of a batch: the sentence, its label and metadata."""
    attractors = int(batch["attractors"][index])
    nearest = "an attractor" if batch["nearest_is_attractor"][index] else "not an attractor"
    nouns = int(batch["preamble_nouns"][index])
    preamble = "no preamble noun" if not nouns else (
        f"{nouns} preamble noun{'s' * (nouns > 1)}, " + ("one disagrees" if batch["preamble_disagrees"][index] else "agreeing"))
    return (
        f"{decode(batch['inputs'][index])} [{VOCAB[batch['verb'][index]]}]\n"
        f"  label {NUMBER_NAMES[batch['targets'][index]]}, distance {int(batch['distance'][index])}, "
        f"attractors {attractors}, nearest noun {nearest}, {preamble}"
    )


def phase_markers(batch, index):
    """The subject and the last word before the verb: [(subject position, "subject"), (last, "verb next")]."""
    subject = int(batch["subject_position"][index])
    return [(subject, "subject"), (subject + int(batch["distance"][index]) - 1, "verb next")]


# ----------------------------------------------------------------------------- shortcuts
def _noun_heuristic(choose):
    """A Baseline.measure from choose(numbers [B, T] with -1 for non-nouns) -> predicted labels [B]."""

    def measure(fit, batches):
        del fit
        return np.concatenate([choose(NOUN_NUMBER[b["inputs"]]) == b["targets"] for b in batches]), ""

    return measure


def _first_noun(numbers):
    return numbers[np.arange(len(numbers)), np.argmax(numbers >= 0, axis=1)]


def _last_noun(numbers):
    last = numbers.shape[1] - 1 - np.argmax((numbers >= 0)[:, ::-1], axis=1)
    return numbers[np.arange(len(numbers)), last]


def _majority_of_nouns(numbers):
    plural, singular = (numbers == PLURAL).sum(axis=1), (numbers == SINGULAR).sum(axis=1)
    return (plural > singular).astype(np.int32)  # a tie counts as singular


TASK = Task(
    name="agreement",
    summary="subject-verb agreement: the main verb's number, d words after its subject",
    generate=generate,
    describe=describe,
    inputs=Tokens(VOCAB_SIZE, pad_id=0),
    objective=Decision(),
    chance_accuracy=CHANCE_ACCURACY,
    solved_accuracy=0.99,
    baseline_loss=lambda distance: float(np.log(2)),
    baseline_loss_name="memoryless loss: log 2, the logistic loss of guessing",
    sequence_length=sequence_length,
    phase_markers=phase_markers,
    options=("attractors",),
    breakdowns=(
        Breakdown("attractors", "attractors between subject and verb", lambda e: e["attractors"]),
        Breakdown("nearest_noun", "the noun nearest the verb", lambda e: e["nearest_is_attractor"].astype(np.int32),
                  label=lambda c: ("agrees", "is an attractor")[c], ordered=False),
        Breakdown("preamble", "nouns in the preamble",
                  lambda e: np.where(e["preamble_nouns"] == 0, 0, 1 + e["preamble_disagrees"]).astype(np.int32),
                  label=lambda c: ("none", "all agree", "one disagrees")[c], ordered=False),
    ),
    baselines=(
        Baseline("word -> label lookup at the best single position", position_lookup),
        Baseline("label of the first informative word (any word)", first_informative_word),
        Baseline("number of the first noun", _noun_heuristic(_first_noun)),
        Baseline("number of the last noun", _noun_heuristic(_last_noun)),
        Baseline("number of most nouns (ties singular)", _noun_heuristic(_majority_of_nouns)),
        Baseline("always singular", lambda fit, batches: constant_class(SINGULAR, fit, batches)),
    ),
)
