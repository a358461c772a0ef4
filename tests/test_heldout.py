"""Honest held-out evaluation: split_heldout leaves no validation sentence in training,
split_probes tells seen cloze probes from unseen ones, and the unseen true/false
templates never occur in the pre-training corpus."""

import random

import pytest
import torch

from lmkit.data.toyworld import cloze_probes, generate_corpus, make_world, true_false_statements
from lmkit.tasks import UNSEEN_FACT_TEMPLATES, accuracy_per_relation, unseen_true_false_statements
from lmkit.training.data import cloze_sentence, overlap_share, seen_in_corpus, split_heldout, split_probes

WORLD = make_world(0)
CORPUS = generate_corpus(WORLD, n_sentences=4000, seed=0)
BIG = generate_corpus(WORLD, n_sentences=20000, seed=0) + generate_corpus(WORLD, n_sentences=20000, seed=1)


def test_seen_in_corpus_matches_words_inside_a_sentence_not_across():
    corpus = ["the capital of japan is tokyo .", "in japan people speak japanese ."]
    got = seen_in_corpus(["The capital of Japan is Tokyo.", "japan is tokyo .", "tokyo . in japan", "paris ."], corpus)
    assert got == [True, True, False, False]
    with pytest.raises(TypeError, match="sentences must be a list of words"):
        seen_in_corpus("the cat .", corpus)
    with pytest.raises(TypeError, match="corpus must be a list of str; got int at index 1"):
        seen_in_corpus(["a"], ["a", 3])


def test_a_random_split_leaks_and_split_heldout_does_not():
    rng = random.Random(0)
    shuffled = rng.sample(CORPUS, len(CORPUS))
    assert overlap_share(shuffled[400:], shuffled[:400]) > 0.95  # the old split: memorisation
    train, validation = split_heldout(CORPUS, 0.1, seed=0)
    assert overlap_share(train, validation) == 0.0
    assert not set(train) & set(validation)
    assert sorted(train + validation) == sorted(CORPUS)
    assert 0.09 * len(CORPUS) <= len(validation) <= 0.12 * len(CORPUS)
    assert len(set(validation)) >= 40  # many distinct held-out sentences, not one frequent one
    assert split_heldout(CORPUS, 0.1, seed=0) == (train, validation)
    assert split_heldout(CORPUS, 0.1, seed=1)[1] != validation


def test_split_heldout_by_a_key_and_with_forced_sentences():
    by_first_word = split_heldout(CORPUS, 0.2, seed=0, key=lambda s: s.split()[0])
    assert not {s.split()[0] for s in by_first_word[0]} & {s.split()[0] for s in by_first_word[1]}
    probes = cloze_probes(WORLD)
    held = [cloze_sentence(p) for p in probes[::2]]
    train, validation = split_heldout(CORPUS, 0.1, seed=0, hold_out=held)
    assert overlap_share(train, validation) == 0.0
    seen, unseen = split_probes(probes, train)
    assert len(seen) + len(unseen) == len(probes) and seen and unseen
    assert not any(seen_in_corpus([cloze_sentence(p) for p in unseen], train))
    assert all(seen_in_corpus([cloze_sentence(p) for p in seen], train))
    assert set(map(cloze_sentence, probes[::2])) <= set(map(cloze_sentence, unseen))


def test_split_heldout_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"validation_share must be a float in \(0, 1\); got 1.0"):
        split_heldout(CORPUS, 1.0)
    with pytest.raises(TypeError, match="sentences must be a list of words"):
        split_heldout("the cat .", 0.1)
    with pytest.raises(ValueError, match="sentences must not be empty"):
        split_heldout([], 0.1)
    with pytest.raises(TypeError, match="key must be a function"):
        split_heldout(CORPUS, 0.1, key="first")
    with pytest.raises(ValueError, match="every group went to validation"):
        split_heldout(["a .", "a ."], 0.5)
    with pytest.raises(ValueError, match="validation must not be empty"):
        overlap_share(CORPUS, [])
    with pytest.raises(TypeError, match="probe must be a ClozeProbe"):
        cloze_sentence("the [MASK] .")


def test_the_old_statements_leak_and_the_new_ones_never_occur_in_the_corpus():
    old = true_false_statements(WORLD, 3200, seed=5)
    seen = seen_in_corpus([s for s, _ in old], BIG)
    true_seen = sum(x for x, (_, y) in zip(seen, old) if y) / sum(y for _, y in old)
    assert 0.5 < true_seen < 0.8  # the leak this task fixes (65%)
    new = unseen_true_false_statements(WORLD, 3000, seed=5)
    assert not any(seen_in_corpus([s for s, _, _ in new], BIG))
    # every template with every true fact, not just the ones drawn
    every = [t.format(a=a, b=b) for rel, templates in UNSEEN_FACT_TEMPLATES.items()
             for t in templates for a, b in WORLD.relations()[rel]]
    assert not any(seen_in_corpus(every, BIG))


def test_unseen_statements_are_balanced_per_relation_and_deterministic():
    new = unseen_true_false_statements(WORLD, 600, seed=3)
    assert new == unseen_true_false_statements(WORLD, 600, seed=3)
    for relation in UNSEEN_FACT_TEMPLATES:
        labels = [y for _, y, r in new if r == relation]
        assert len(labels) == 200 and sum(labels) == 100
    truth = {(a, b) for pairs in WORLD.relations().values() for a, b in pairs}
    for sentence, label, relation in new[:60]:
        words = sentence.split()
        assert any((a in words and b in words) for a, b in truth) == label, sentence
    with pytest.raises(ValueError, match="n must be a positive int"):
        unseen_true_false_statements(WORLD, 0)
    with pytest.raises(TypeError, match="world must be"):
        unseen_true_false_statements("world", 4)


def test_accuracy_per_relation():
    got = accuracy_per_relation(torch.tensor([1, 0, 1, 1]), [1, 1, 1, 0], ["capital", "capital", "language", "language"])
    assert got == {"capital": 0.5, "language": 0.5}
    assert accuracy_per_relation([True, False], [True, False], ["a", "b"]) == {"a": 1.0, "b": 1.0}
    with pytest.raises(ValueError, match="same length; got 2, 1 and 2"):
        accuracy_per_relation([1, 0], [1], ["a", "b"])
    with pytest.raises(TypeError, match="relations must be a list"):
        accuracy_per_relation([1], [1], "a")
