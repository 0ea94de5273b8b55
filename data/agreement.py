"""The subject-verb agreement task (the number-prediction setting of Linzen, Dupoux &
Goldberg, 2016), generated from a small English grammar.

This module owns the lexicon, the grammar, the batch generator and decode().

A sentence is "the SUBJECT <d - 1 words> VERB". The model reads the prefix up to, not
including, the main verb and predicts the verb's number: 0 singular, 1 plural. The
distance d = index(verb) - index(subject) is exact, so every prefix has d + 1 words.

The d - 1 intervening words are a sequence of constituents, each holding one noun,
followed by an optional adverb phrase:

    prepositional phrase        P the [ADJ] NOUN             "near the old trees"
    object relative clause      that the [ADJ] NOUN VERB     "that the cats like"
    subject relative clause     that VERB-ed the [ADJ] NOUN  "that chased the dog"
    adverb phrase (last)        ADV | INTENSIFIER ADV        "quietly", "very often"

Inside an object relative clause the embedded verb is in the present tense and agrees
with its own subject (the embedded noun); subject relative clauses use the past tense,
which English does not mark for number, so no embedded verb gives the answer away.

An attractor is an intervening noun whose number differs from the subject's. With
attractors=k exactly k of the intervening nouns are attractors and the others agree
with the subject; at most (d - 1) // 3 nouns fit in d - 1 words, since the shortest
constituent is three words. With attractors=None each intervening noun takes either
number with probability 1/2. Labels are exactly balanced within a batch (the odd one
out of an odd batch is a coin flip) and drawn independently of distance and attractors.
"""

import numpy as np

from data.checks import check_batch_size, check_distance, check_in_range

# ----------------------------------------------------------------------------- lexicon
PAD = "<pad>"
DETERMINER = "the"
RELATIVISER = "that"

# Animate nouns: subjects, relative-clause nouns and objects of prepositions.
AGENT_NOUNS = (
    ("dog", "dogs"), ("cat", "cats"), ("teacher", "teachers"), ("doctor", "doctors"),
    ("farmer", "farmers"), ("author", "authors"), ("pilot", "pilots"), ("senator", "senators"),
    ("student", "students"), ("child", "children"), ("woman", "women"), ("man", "men"),
    ("girl", "girls"), ("boy", "boys"), ("baker", "bakers"), ("lawyer", "lawyers"),
    ("singer", "singers"), ("painter", "painters"), ("nurse", "nurses"), ("soldier", "soldiers"),
    ("king", "kings"), ("queen", "queens"), ("officer", "officers"), ("manager", "managers"),
    ("neighbour", "neighbours"), ("driver", "drivers"), ("dancer", "dancers"),
    ("customer", "customers"), ("guest", "guests"), ("mouse", "mice"), ("wolf", "wolves"),
    ("horse", "horses"), ("friend", "friends"), ("actor", "actors"), ("poet", "poets"),
    ("chef", "chefs"),
)
# Inanimate nouns: only as objects of prepositions.
THING_NOUNS = (
    ("tree", "trees"), ("house", "houses"), ("table", "tables"), ("car", "cars"),
    ("window", "windows"), ("bridge", "bridges"), ("box", "boxes"), ("church", "churches"),
    ("lake", "lakes"), ("tower", "towers"), ("garden", "gardens"), ("wall", "walls"),
    ("door", "doors"), ("fence", "fences"), ("river", "rivers"), ("shop", "shops"),
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
# Adjectives for any noun, and those that only suit people and animals.
ADJECTIVES = ("old", "tall", "small", "quiet", "strange", "famous")
ANIMATE_ADJECTIVES = (
    "young", "happy", "angry", "clever", "tired", "brave", "shy", "busy", "lonely", "friendly",
)
INTENSIFIERS = ("very", "quite")
GRADABLE_ADVERBS = ("often", "rarely", "quietly", "quickly", "slowly", "happily")
OTHER_ADVERBS = ("never", "always", "usually", "sometimes", "probably", "certainly", "suddenly", "finally")

VOCAB = (
    (PAD, DETERMINER, RELATIVISER)
    + PREPOSITIONS + ADJECTIVES + ANIMATE_ADJECTIVES + INTENSIFIERS + GRADABLE_ADVERBS + OTHER_ADVERBS
    + tuple(w for pair in AGENT_NOUNS + THING_NOUNS for w in pair)
    + tuple(w for forms in TRANSITIVE_VERBS for w in forms)
    + tuple(w for pair in MAIN_VERBS for w in pair)
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
_AGENTS = _ids([w for pair in AGENT_NOUNS for w in pair]).reshape(-1, 2)
_ALL_NOUNS = _ids([w for pair in AGENT_NOUNS + THING_NOUNS for w in pair]).reshape(-1, 2)
_TRANSITIVE = _ids([w for forms in TRANSITIVE_VERBS for w in forms]).reshape(-1, 3)
_MAIN = _ids([w for pair in MAIN_VERBS for w in pair]).reshape(-1, 2)
_PREPOSITIONS = _ids(PREPOSITIONS)
_ADJECTIVES = _ids(ADJECTIVES)
_ANY_ADJECTIVES = _ids(ADJECTIVES + ANIMATE_ADJECTIVES)
_INTENSIFIERS = _ids(INTENSIFIERS)
_GRADABLE = _ids(GRADABLE_ADVERBS)
_ADVERBS = _ids(GRADABLE_ADVERBS + OTHER_ADVERBS)
_THE, _THAT = WORD_ID[DETERMINER], WORD_ID[RELATIVISER]

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
        inputs:   int32 [B, d + 1], word ids of "the SUBJECT <d - 1 words>";
        targets:  int32 [B], the main verb's number (0 singular, 1 plural);
        distance: int32 [B], d for every row;
        attractors: int32 [B], how many intervening nouns differ in number from the subject;
        nearest_is_attractor: bool [B], whether the last noun before the verb is an attractor;
        verb:     int32 [B], the main verb in its correct form, to print whole sentences.
    """
    check_batch_size(batch_size)
    check_distance(distance)
    check_attractors(attractors, distance)
    between = distance - 1
    rows = np.arange(batch_size)[:, None]
    labels = _balanced_labels(rng, batch_size)

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

    inputs = np.zeros((batch_size, distance + 1), dtype=np.int32)
    inputs[:, 0] = _THE
    inputs[:, 1] = _AGENTS[rng.integers(len(_AGENTS), size=batch_size), labels]

    def place(mask, positions, words):
        inputs[np.broadcast_to(rows, mask.shape)[mask], positions[mask]] = words[mask]

    shape = (batch_size, width)
    place(used & ~is_clause, start, _PREPOSITIONS[rng.integers(len(_PREPOSITIONS), size=shape)])
    place(is_clause, start, np.full(shape, _THAT))
    place(used, noun_pos - 1 - has_adjective, np.full(shape, _THE))
    agent_nouns = _AGENTS[rng.integers(len(_AGENTS), size=shape), noun_number]
    any_noun_index = rng.integers(len(_ALL_NOUNS), size=shape)
    place(used, noun_pos, np.where(is_clause, agent_nouns, _ALL_NOUNS[any_noun_index, noun_number]))
    is_animate = is_clause | (any_noun_index < len(_AGENTS))
    adjective = np.where(
        is_animate,
        _ANY_ADJECTIVES[rng.integers(len(_ANY_ADJECTIVES), size=shape)],
        _ADJECTIVES[rng.integers(len(_ADJECTIVES), size=shape)],
    )
    place(has_adjective.astype(bool), noun_pos - 1, adjective)
    verbs = rng.integers(len(_TRANSITIVE), size=shape)
    place(is_object_clause, noun_pos + 1, _TRANSITIVE[verbs, noun_number])
    place(is_subject_clause, start + 1, _TRANSITIVE[verbs, 2])

    single = adverb_words == 1
    inputs[single, distance] = _ADVERBS[rng.integers(len(_ADVERBS), size=int(single.sum()))]
    double = adverb_words == 2
    inputs[double, distance - 1] = _INTENSIFIERS[rng.integers(len(_INTENSIFIERS), size=int(double.sum()))]
    inputs[double, distance] = _GRADABLE[rng.integers(len(_GRADABLE), size=int(double.sum()))]

    last_noun = np.maximum(nouns - 1, 0)
    return {
        "inputs": inputs,
        "targets": labels,
        "distance": np.full(batch_size, distance, dtype=np.int32),
        "attractors": is_attractor.sum(axis=1).astype(np.int32),
        "nearest_is_attractor": (nouns > 0) & is_attractor[np.arange(batch_size), last_noun],
        "verb": _MAIN[rng.integers(len(_MAIN), size=batch_size), labels],
    }


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
    return (
        f"{decode(batch['inputs'][index])} [{VOCAB[batch['verb'][index]]}]\n"
        f"  label {NUMBER_NAMES[batch['targets'][index]]}, distance {int(batch['distance'][index])}, "
        f"attractors {attractors}, nearest noun {nearest}"
    )
