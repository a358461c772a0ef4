"""lmkit.tasks: agreement data builder, accuracy and attention share."""
from __future__ import annotations

import pytest
import torch

from lmkit.data.toyworld import AgreementExample, agreement_examples, make_world
from lmkit.tasks import (IGNORE_INDEX, PAD, agreement_accuracy, agreement_vocabulary, attention_share,
                         encode_agreement, mix_distractors)


@pytest.fixture(scope="module")
def world():
    return make_world(0)


@pytest.fixture(scope="module")
def examples(world):
    return agreement_examples(world, 400, seed=1)


def _number(world, noun):
    return noun in {p for _, p in world.plural_pairs}


def test_mix_distractors_keeps_subject_verb_and_positions(world, examples):
    mixed = mix_distractors(examples, world, seed=2)
    assert len(mixed) == len(examples)
    for before, after in zip(examples, mixed):
        assert (after.subject_index, after.verb_index, after.plural) == (before.subject_index, before.verb_index, before.plural)
        assert len(after.tokens) == len(before.tokens)
        for i, (a, b) in enumerate(zip(before.tokens, after.tokens)):
            if a != b:  # only distractor nouns change, into the same noun's other number
                assert before.subject_index < i < before.verb_index
                assert {a, b} in [set(pair) for pair in world.plural_pairs]


def test_mix_distractors_breaks_the_last_noun_shortcut(world, examples):
    def distractor_numbers(data):
        return [_number(world, e.tokens[e.verb_index - 1]) != e.plural
                for e in data if e.verb_index - 1 > e.subject_index]

    assert all(distractor_numbers(examples))           # toyworld: always the opposite number
    opposite = distractor_numbers(mix_distractors(examples, world, seed=2))
    assert 0.35 < sum(opposite) / len(opposite) < 0.65  # now a coin toss
    assert mix_distractors(examples, world, seed=2) == mix_distractors(examples, world, seed=2)


def test_encode_agreement_layout(world, examples):
    vocab = agreement_vocabulary(world, examples)
    assert vocab[0] == PAD and len(set(vocab)) == len(vocab)
    task = encode_agreement(examples[:5], vocab)
    longest = max(len(e.tokens) for e in examples[:5])
    assert task.input_ids.shape == task.targets.shape == (5, longest)
    for row, e in enumerate(examples[:5]):
        assert [vocab[i] for i in task.input_ids[row, :len(e.tokens)].tolist()] == list(e.tokens)
        assert (task.input_ids[row, len(e.tokens):] == 0).all()
        q = e.verb_index - 1
        assert int(task.query_index[row]) == q and vocab[int(task.targets[row, q])] == e.tokens[e.verb_index]
        assert int((task.targets[row] != IGNORE_INDEX).sum()) == 1
        right, wrong = vocab[int(task.correct_ids[row])], vocab[int(task.wrong_ids[row])]
        assert right == e.tokens[e.verb_index] and right != wrong
    assert len(task.subset(slice(1, 3))) == 2 and task.subset(torch.tensor([4])).tokens == (examples[4].tokens,)


def test_encode_agreement_rejects_bad_input(world, examples):
    vocab = agreement_vocabulary(world, examples)
    with pytest.raises(ValueError, match="vocabulary"):
        encode_agreement([AgreementExample(("the", "zebra", "walks", "."), 1, 2, False)], vocab)
    with pytest.raises(ValueError, match="PAD"):
        encode_agreement(examples[:2], vocab[1:])
    with pytest.raises(ValueError, match="non-empty"):
        encode_agreement([], vocab)
    with pytest.raises(TypeError, match="AgreementExample"):
        encode_agreement([("the", "cat")], vocab)


def test_agreement_accuracy_compares_right_and_wrong_verb(world, examples):
    task = encode_agreement(examples[:6], agreement_vocabulary(world, examples))
    logits = torch.zeros(6, task.input_ids.shape[1], len(task.vocab))
    rows = torch.arange(6)
    logits[rows, task.query_index, task.correct_ids] = 1.0
    assert agreement_accuracy(logits, task) == 1.0
    logits[rows[:3], task.query_index[:3], task.wrong_ids[:3]] = 2.0
    assert agreement_accuracy(logits, task) == 0.5
    with pytest.raises(ValueError, match="logits"):
        agreement_accuracy(logits[:, :2], task)


def test_attention_share_picks_query_key_pairs():
    weights = torch.zeros(2, 3, 4, 5, 5)  # (layers, N, heads, L, L)
    query, key = torch.tensor([4, 2, 3]), torch.tensor([1, 0, 1])
    for n in range(3):
        weights[0, n, 1, query[n], key[n]] = 1.0
        weights[1, n, :, query[n], key[n]] = 0.25 * (n + 1)
    share = attention_share(weights, query, key)
    assert share.shape == (2, 4)
    assert torch.allclose(share[0], torch.tensor([0.0, 1.0, 0.0, 0.0]))
    assert torch.allclose(share[1], torch.full((4,), 0.5))
    assert torch.allclose(attention_share(weights[0], query, key), share[0])  # one layer (N, heads, L, L)
    with pytest.raises(ValueError, match="query_index"):
        attention_share(weights, query[:2], key)
    with pytest.raises(ValueError, match="key_index"):
        attention_share(weights, query, torch.tensor([1, 0, 9]))
    with pytest.raises(ValueError, match="attentions"):
        attention_share(weights[0, 0], query, key)


def test_uniform_causal_attention_share():
    length = 6
    causal = torch.ones(length, length).tril()
    weights = (causal / causal.sum(-1, keepdim=True))[None, None, None].expand(1, 2, 1, length, length)
    share = attention_share(weights, torch.tensor([5, 3]), torch.tensor([1, 1]))
    assert torch.allclose(share, torch.tensor([[(1 / 6 + 1 / 4) / 2]]))
