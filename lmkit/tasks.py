"""Small supervised tasks built on the toy world, encoded as tensors for a model.

Backs 03 §7 (train a tiny model on subject-verb agreement and look inside its heads)
and 05 §2 (an honest true/false task: statements never seen in pre-training).

Subject-verb agreement ("the cat near the dogs walks ."): a causal model reads the
sentence and must give the verb the number of the subject, not of the nouns in
between. The toy world's :func:`~lmkit.data.toyworld.agreement_examples` always
makes the distractors the *opposite* number of the subject, which leaves a
shortcut (the verb disagrees with the last noun); :func:`mix_distractors`
removes it by drawing each distractor's number at random.

Typical use::

    world = make_world(0)
    train = mix_distractors(agreement_examples(world, 4000, seed=1), world, seed=2)
    vocab = agreement_vocabulary(world, train)
    task = encode_agreement(train, vocab)          # task.input_ids, task.targets, ...
    ...
    agreement_accuracy(model(task.input_ids).logits, task)
    attention_share(out.attentions, task.query_index, task.subject_index)   # (layers, heads)

True/false facts: :func:`lmkit.data.toyworld.true_false_statements` uses two
templates that occur word for word in the pre-training corpus (about 65% of its
true statements are sentences the model was trained on; false ones never are), so
a model can score by asking "have I seen this sentence?". :func:`unseen_true_false_statements`
phrases every relation with :data:`UNSEEN_FACT_TEMPLATES`, which the corpus never
contains; :func:`seen_in_corpus` shows the difference and :func:`accuracy_per_relation`
scores each relation on its own::

    statements = unseen_true_false_statements(world, 3200, seed=5)   # (text, is_true, relation)
    seen_in_corpus([s for s, _, _ in statements], corpus)            # all False
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, Sequence

import torch

from lmkit import _validate
from lmkit.data.toyworld import VERB_PAIRS, AgreementExample, World
from lmkit.models._common import IGNORE_INDEX  # the target value the cross-entropy skips, defined once
from lmkit.training.data import seen_in_corpus

__all__ = ["PAD", "AgreementTask", "mix_distractors", "agreement_vocabulary", "encode_agreement",
           "agreement_accuracy", "attention_share", "UNSEEN_FACT_TEMPLATES", "unseen_true_false_statements",
           "seen_in_corpus", "accuracy_per_relation"]

PAD = "[PAD]"


@dataclass(frozen=True)
class AgreementTask:
    """Agreement sentences as right-padded tensors (N sentences, longest L tokens).

    input_ids: (N, L) token ids, padded with the id of ``[PAD]`` (0).
    targets: (N, L) the verb's id at ``query_index``, IGNORE_INDEX (-100) elsewhere:
        only the verb is predicted, from the token just before it.
    subject_index, verb_index, query_index: (N,) positions; query = verb - 1.
    correct_ids, wrong_ids: (N,) the verb in the subject's number and in the other one.
    lengths: (N,) real lengths. tokens: the N token tuples. vocab: id -> token.
    """

    input_ids: torch.Tensor
    targets: torch.Tensor
    subject_index: torch.Tensor
    verb_index: torch.Tensor
    query_index: torch.Tensor
    correct_ids: torch.Tensor
    wrong_ids: torch.Tensor
    lengths: torch.Tensor
    tokens: tuple[tuple[str, ...], ...]
    vocab: tuple[str, ...]

    def __len__(self) -> int:
        return self.input_ids.shape[0]

    def subset(self, index: torch.Tensor | slice) -> "AgreementTask":
        """The sentences selected by ``index`` (a slice, or a 1-D index/bool tensor)."""
        picked = range(len(self))[index] if isinstance(index, slice) else torch.arange(len(self))[index].tolist()
        rows = torch.as_tensor(list(picked), dtype=torch.long)
        return AgreementTask(self.input_ids[rows], self.targets[rows], self.subject_index[rows],
                             self.verb_index[rows], self.query_index[rows], self.correct_ids[rows],
                             self.wrong_ids[rows], self.lengths[rows],
                             tuple(self.tokens[i] for i in rows.tolist()), self.vocab)


def _check_examples(examples: object) -> list[AgreementExample]:
    if not isinstance(examples, (list, tuple)) or not examples:
        raise ValueError(f"examples must be a non-empty list of AgreementExample; got {type(examples).__name__}")
    for e in examples:
        if not isinstance(e, AgreementExample):
            raise TypeError(f"examples must hold AgreementExample items; got {type(e).__name__}")
    return list(examples)


def _other_number(world: World) -> dict[str, str]:
    """noun -> the same noun in the other number ('cat' <-> 'cats')."""
    pairs = world.plural_pairs
    return {**{s: p for s, p in pairs}, **{p: s for s, p in pairs}}


def mix_distractors(examples: Sequence[AgreementExample], world: World, *, seed: int = 0) -> list[AgreementExample]:
    """Give every distractor noun a random number (each flipped with probability 1/2).

    The subject, the verb and all positions stay as they are; only nouns after the
    subject and before the verb change. Then no rule about the distractors predicts
    the verb: the model has to find the subject.
    """
    examples = _check_examples(examples)
    if not isinstance(world, World):
        raise TypeError(f"world must be a toyworld.World; got {type(world).__name__}")
    other = _other_number(world)
    rng = random.Random(seed)
    mixed = []
    for e in examples:
        tokens = list(e.tokens)
        for i in range(e.subject_index + 1, e.verb_index):
            if tokens[i] in other and rng.random() < 0.5:
                tokens[i] = other[tokens[i]]
        mixed.append(AgreementExample(tuple(tokens), e.subject_index, e.verb_index, e.plural))
    return mixed


def agreement_vocabulary(world: World, examples: Iterable[AgreementExample] = ()) -> tuple[str, ...]:
    """``[PAD]`` (id 0), then every noun and verb form of the world and every token of ``examples``, sorted."""
    if not isinstance(world, World):
        raise TypeError(f"world must be a toyworld.World; got {type(world).__name__}")
    words = {w for pair in world.plural_pairs for w in pair} | {w for pair in VERB_PAIRS for w in pair}
    words |= {tok for e in examples for tok in e.tokens}
    words.discard(PAD)
    return (PAD, *sorted(words))


def encode_agreement(examples: Sequence[AgreementExample], vocab: Sequence[str]) -> AgreementTask:
    """Encode ``examples`` with ``vocab`` (from :func:`agreement_vocabulary`) into an AgreementTask."""
    examples = _check_examples(examples)
    if not vocab or vocab[0] != PAD:
        raise ValueError(f"vocab must start with {PAD!r} (id 0); got {list(vocab[:3])!r}")
    ids = {tok: i for i, tok in enumerate(vocab)}
    other_verb = {**{s: p for s, p in VERB_PAIRS}, **{p: s for s, p in VERB_PAIRS}}
    length = max(len(e.tokens) for e in examples)
    input_ids = torch.zeros(len(examples), length, dtype=torch.long)
    targets = torch.full((len(examples), length), IGNORE_INDEX, dtype=torch.long)
    correct, wrong = [], []
    for row, e in enumerate(examples):
        unknown = [tok for tok in e.tokens if tok not in ids]
        if unknown:
            raise ValueError(f"token {unknown[0]!r} of {' '.join(e.tokens)!r} is not in the vocabulary")
        verb = e.tokens[e.verb_index]
        if verb not in other_verb or not 0 <= e.subject_index < e.verb_index:
            raise ValueError(f"example {' '.join(e.tokens)!r} has no verb after the subject at the given indices")
        input_ids[row, :len(e.tokens)] = torch.tensor([ids[tok] for tok in e.tokens])
        targets[row, e.verb_index - 1] = ids[verb]
        correct.append(ids[verb])
        wrong.append(ids[other_verb[verb]])
    verb_index = torch.tensor([e.verb_index for e in examples])
    return AgreementTask(
        input_ids=input_ids, targets=targets,
        subject_index=torch.tensor([e.subject_index for e in examples]),
        verb_index=verb_index, query_index=verb_index - 1,
        correct_ids=torch.tensor(correct), wrong_ids=torch.tensor(wrong),
        lengths=torch.tensor([len(e.tokens) for e in examples]),
        tokens=tuple(e.tokens for e in examples), vocab=tuple(vocab))


def agreement_accuracy(logits: torch.Tensor, task: AgreementTask) -> float:
    """Share of sentences where, at ``query_index``, the right verb form outscores the wrong one.

    logits: (N, L, vocab) next-token scores for ``task.input_ids``.
    """
    if not isinstance(task, AgreementTask):
        raise TypeError(f"task must be an AgreementTask (from encode_agreement); got {type(task).__name__}")
    if not isinstance(logits, torch.Tensor) or logits.dim() != 3 or logits.shape[:2] != task.input_ids.shape:
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise ValueError(f"logits must have shape ({len(task)}, {task.input_ids.shape[1]}, vocab); got {shape}")
    rows = torch.arange(len(task))
    at_query = logits[rows, task.query_index]                      # (N, vocab)
    right = at_query.gather(1, task.correct_ids[:, None].to(logits.device))
    wrong = at_query.gather(1, task.wrong_ids[:, None].to(logits.device))
    return float((right > wrong).float().mean())


def attention_share(attentions: torch.Tensor, query_index: torch.Tensor, key_index: torch.Tensor) -> torch.Tensor:
    """Mean attention weight from query position q_n to key position k_n, per layer and head.

    attentions: (layers, N, heads, L, Lk) as returned by lmkit's models with
    ``need_weights=True`` (or (N, heads, L, Lk) for one layer); query_index,
    key_index: (N,) positions, one pair per sequence. Returns (layers, heads)
    (or (heads,)): the average over the N sequences of weight[q_n -> k_n].
    """
    if not isinstance(attentions, torch.Tensor) or attentions.dim() not in (4, 5):
        shape = tuple(attentions.shape) if isinstance(attentions, torch.Tensor) else type(attentions).__name__
        raise ValueError(f"attentions must have shape (layers, N, heads, L, Lk) or (N, heads, L, Lk); got {shape}")
    if not attentions.is_floating_point():
        raise TypeError(f"attentions must be floating-point attention weights; got dtype {attentions.dtype}")
    single_layer = attentions.dim() == 4
    weights = attentions[None] if single_layer else attentions
    n, length, key_length = weights.shape[1], weights.shape[3], weights.shape[4]
    for name, index, size in (("query_index", query_index, length), ("key_index", key_index, key_length)):
        if not isinstance(index, torch.Tensor) or index.shape != (n,):
            shape = tuple(index.shape) if isinstance(index, torch.Tensor) else type(index).__name__
            raise ValueError(f"{name} must be a tensor of shape ({n},), one position per sequence; got {shape}")
        if n and (int(index.min()) < 0 or int(index.max()) >= size):
            raise ValueError(f"{name} must hold positions in [0, {size}); got {index.min()}..{index.max()}")
    rows = torch.arange(n, device=weights.device)
    by_sequence = weights.permute(1, 3, 4, 0, 2)                   # (N, L, Lk, layers, heads)
    picked = by_sequence[rows, query_index.to(weights.device), key_index.to(weights.device)]  # (N, layers, heads)
    share = picked.mean(dim=0)
    return share[0] if single_layer else share


# ----------------------------------------------------------------------------- true/false facts (05 §2)
# Phrasings that generate_corpus never writes (tests check every one against the corpus):
# the model must know the fact, not recognise the sentence. Every word is in the toy vocabulary.
UNSEEN_FACT_TEMPLATES = {
    "capital": ("the capital city of {a} is {b} .", "{b} is the capital of {a} ."),
    "language": ("people in {a} speak {b} .", "{b} is the language of {a} ."),
    "currency": ("people in {a} pay with the {b} .", "the {b} is the currency of {a} ."),
}


def unseen_true_false_statements(world: World, n: int, *, seed: int = 0) -> list[tuple[str, bool, str]]:
    """``n`` (sentence, is_true, relation) triples in phrasings the corpus never uses.

    Relations take turns and each is half true, half false (exactly, when n is a
    multiple of 6); a false statement swaps in a wrong object of the same relation.
    The order is shuffled (``seed``).
    """
    if not isinstance(world, World):
        raise TypeError(f"world must be a toyworld.World; got {type(world).__name__}")
    _validate.positive_int("n", n)
    rng = random.Random(seed)
    table = world.relations()
    relations = sorted(UNSEEN_FACT_TEMPLATES)
    out = []
    for i in range(n):
        relation = relations[(i // 2) % len(relations)]
        a, b = rng.choice(table[relation])
        truth = i % 2 == 0
        if not truth:
            b = rng.choice([y for _, y in table[relation] if y != b])
        out.append((rng.choice(UNSEEN_FACT_TEMPLATES[relation]).format(a=a, b=b), truth, relation))
    rng.shuffle(out)
    return out


def accuracy_per_relation(predictions: Sequence, labels: Sequence, relations: Sequence[str]) -> dict[str, float]:
    """Accuracy of ``predictions`` against ``labels`` for each relation, sorted by name.

    predictions, labels: N class ids or bools (lists or 1-D tensors); relations: N names.
    """
    predictions, labels = (x.tolist() if isinstance(x, torch.Tensor) else list(x) for x in (predictions, labels))
    relations = list(_validate.word_sequence("relations", relations))
    if not len(predictions) == len(labels) == len(relations):
        raise ValueError(f"predictions, labels and relations must have the same length; "
                         f"got {len(predictions)}, {len(labels)} and {len(relations)}")
    if not relations:
        raise ValueError("predictions must not be empty")
    right: dict[str, list[bool]] = {}
    for p, y, r in zip(predictions, labels, relations):
        right.setdefault(r, []).append(bool(p) == bool(y) if isinstance(y, bool) else p == y)
    return {r: sum(v) / len(v) for r, v in sorted(right.items())}
