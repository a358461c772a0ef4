"""Instruction tuning: toy-world facts as question/answer pairs, with the prompt masked out of the loss.

Backs 05 §9 (instruction tuning with prompt masking: build inputs and labels, fine-tune
the toy GPT, measure exact match on held-out questions before and after) and 05 §11
(the fixed GPT script's batches: :func:`pad_batch`, :func:`lm_inputs_and_targets`).

* :func:`fact_pairs` turns every country fact into questions, both ways round::

      Q: what is the capital of japan? A:          ->  tokyo
      Q: which country has the capital tokyo? A:   ->  japan

* :func:`split_by_fact` holds out whole facts: a test question's fact (relation,
  country) never appears in a training pair, in either direction. The model saw the
  fact in pre-training; tuning only teaches it to *answer* in this format.
* :func:`build_inputs_and_labels` encodes ``prompt + response + eos`` and sets the
  labels of the prompt positions to ``ignore_index``: the loss is the response's alone.
* :func:`exact_match` decodes greedily after each prompt and compares with the response.

A tokenizer here needs ``encode(text)`` (called with ``add_special_tokens=False`` when it
takes that argument), ``decode(ids)`` and an end token: ``eos_token_id``, else
``sep_token_id`` (the toy GPT's tokenizer ends every sentence and answer with [SEP]).
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
import torch.nn as nn

from lmkit import _validate
from lmkit.data.toyworld import World, make_world, tokenize_words
from lmkit.generation import generate
from lmkit.models._common import IGNORE_INDEX

__all__ = ["QUESTIONS", "InstructionPair", "fact_pairs", "split_by_fact", "instruction_words",
           "build_inputs_and_labels", "pad_examples", "instruction_batches", "instruction_tune", "answer",
           "exact_match", "pad_batch", "lm_inputs_and_targets"]

# relation -> (question about the country, question back from the object); "{x}" is filled in.
QUESTIONS = {
    "capital": ("what is the capital of {x}?", "which country has the capital {x}?"),
    "language": ("what language do people speak in {x}?", "in which country do people speak {x}?"),
    "currency": ("what is the currency of {x}?", "which country pays with the {x}?"),
}


@dataclass(frozen=True)
class InstructionPair:
    """One question and its answer. ``fact`` = (relation, country) names the fact asked about."""

    prompt: str     # "Q: what is the capital of japan? A:"
    response: str   # "tokyo"
    relation: str
    fact: tuple[str, str]


def fact_pairs(world: World | None = None) -> list[InstructionPair]:
    """Two pairs per country fact (object question, then subject question), in world order."""
    world = make_world(0) if world is None else world
    if not isinstance(world, World):
        raise TypeError(f"world must be a toyworld.World; got {type(world).__name__}")
    pairs = []
    for c in world.countries:
        for relation, (forward, backward) in QUESTIONS.items():
            obj = getattr(c, relation)
            for question, x, reply in ((forward, c.name, obj), (backward, obj, c.name)):
                pairs.append(InstructionPair(f"Q: {question.format(x=x)} A:", reply, relation, (relation, c.name)))
    return pairs


def instruction_words(world: World | None = None) -> list[str]:
    """Every word (token) the prompts and responses use, sorted: for a tokenizer's vocabulary."""
    return sorted({w for p in fact_pairs(world) for w in tokenize_words(f"{p.prompt} {p.response}")})


def split_by_fact(pairs: Sequence[InstructionPair], test_share: float = 0.25, *,
                  seed: int = 0) -> tuple[list[InstructionPair], list[InstructionPair]]:
    """(train, test) with no fact on both sides, ``test_share`` of each relation's facts held out.

    Every pair of a fact goes to the same side, so "which country has the capital
    tokyo?" in training cannot give away "what is the capital of japan?" in test.
    """
    pairs = list(_validate.word_sequence("pairs", pairs))
    if not pairs or not all(isinstance(p, InstructionPair) for p in pairs):
        raise TypeError("pairs must be a non-empty list of InstructionPair (from fact_pairs)")
    _validate.number("test_share", test_share, low=0.0, high=1.0, low_open=True, high_open=True,
                     what="a float in (0, 1)")
    rng = random.Random(seed)
    held: set[tuple[str, str]] = set()
    for relation in sorted({p.relation for p in pairs}):
        facts = sorted({p.fact for p in pairs if p.relation == relation})
        rng.shuffle(facts)
        held |= set(facts[:max(1, round(test_share * len(facts)))])
    return [p for p in pairs if p.fact not in held], [p for p in pairs if p.fact in held]


def _encode(tokenizer, text: str) -> list[int]:
    """Token ids of ``text`` without [CLS]/[SEP] framing."""
    if "add_special_tokens" in inspect.signature(tokenizer.encode).parameters:
        return list(tokenizer.encode(text, add_special_tokens=False))
    return list(tokenizer.encode(text))


def _eos_id(tokenizer) -> int:
    for name in ("eos_token_id", "sep_token_id"):
        value = getattr(tokenizer, name, None)
        if value is not None:
            return int(value)
    raise ValueError("tokenizer has neither eos_token_id nor sep_token_id; pass eos_token_id=")


def build_inputs_and_labels(tokenizer, prompt: str, response: str, ignore_index: int = IGNORE_INDEX, *,
                            eos_token_id: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Next-token training data for one pair, with the prompt masked out of the loss.

    The sequence is ``ids = encode(prompt) + encode(response) + [eos]`` (P prompt tokens,
    R response tokens). Returns (input_ids, labels), both (P + R,) int64:
    input_ids = ids[:-1] and labels = ids[1:] (already shifted, as lmkit's
    ``GPT(input_ids, targets)`` expects), with labels[t] = ``ignore_index`` for
    t < P - 1, the positions whose next token is still part of the prompt. So the
    loss covers exactly the R response tokens and the eos.
    """
    for name, text in (("prompt", prompt), ("response", response)):
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str; got {type(text).__name__}")
    _validate.integer("ignore_index", ignore_index)
    prompt_ids, response_ids = _encode(tokenizer, prompt), _encode(tokenizer, response)
    if not prompt_ids or not response_ids:
        raise ValueError(f"prompt and response must each encode to at least one token; got {len(prompt_ids)} "
                         f"and {len(response_ids)} for {prompt!r}, {response!r}")
    eos = _eos_id(tokenizer) if eos_token_id is None else _validate.non_negative_int("eos_token_id", eos_token_id)
    ids = torch.tensor(prompt_ids + response_ids + [eos], dtype=torch.long)
    labels = ids[1:].clone()
    labels[: len(prompt_ids) - 1] = ignore_index
    return ids[:-1], labels


def pad_examples(examples: Sequence[tuple[torch.Tensor, torch.Tensor]], pad_token_id: int,
                 ignore_index: int = IGNORE_INDEX) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad (input_ids, labels) pairs into (B, L) tensors: inputs with ``pad_token_id``,
    labels with ``ignore_index``. Padding after the text cannot change a causal model's
    earlier positions, so no attention mask is needed."""
    if not isinstance(examples, (list, tuple)) or not examples:
        raise ValueError("examples must be a non-empty list of (input_ids, labels) pairs")
    _validate.non_negative_int("pad_token_id", pad_token_id)
    length = max(x.numel() for x, _ in examples)
    inputs = torch.full((len(examples), length), pad_token_id, dtype=torch.long)
    labels = torch.full((len(examples), length), ignore_index, dtype=torch.long)
    for row, (x, y) in enumerate(examples):
        inputs[row, : x.numel()], labels[row, : y.numel()] = x, y
    return inputs, labels


def instruction_batches(tokenizer, pairs: Sequence[InstructionPair], batch_size: int, *,
                        generator: torch.Generator | None = None,
                        ignore_index: int = IGNORE_INDEX) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Endless random batches (inputs (B, L), labels (B, L)) of ``pairs``, for ``train_steps``."""
    _validate.positive_int("batch_size", batch_size)
    _validate.generator("generator", generator)
    examples = [build_inputs_and_labels(tokenizer, p.prompt, p.response, ignore_index) for p in pairs]
    if not examples:
        raise ValueError("pairs must not be empty")
    pad = getattr(tokenizer, "pad_token_id", None) or 0
    while True:
        rows = torch.randint(len(examples), (batch_size,), generator=generator).tolist()
        yield pad_examples([examples[i] for i in rows], pad, ignore_index)


def instruction_tune(model: nn.Module, tokenizer, pairs: Sequence[InstructionPair], *, steps: int = 300,
                     lr: float = 1e-3, batch_size: int = 16, seed: int = 0, progress: bool = False) -> list[float]:
    """Fine-tune every weight of ``model`` on ``pairs`` (AdamW, no weight decay, prompt masked);
    returns the loss per step. Deterministic in ``seed`` on a given machine."""
    from lmkit.training import train_steps  # the loop module pulls in tqdm: only when tuning

    _validate.positive_number("lr", lr)
    generator = torch.Generator().manual_seed(_validate.integer("seed", seed))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    batches = instruction_batches(tokenizer, pairs, batch_size, generator=generator)
    return train_steps(model, batches, optimizer, steps=steps, progress=progress, desc="instruction tuning")


@torch.no_grad()
def answer(model: nn.Module, tokenizer, prompts: Sequence[str], *, max_new_tokens: int = 4) -> list[str]:
    """Greedy answers: the decoded tokens after each prompt, up to the end token.

    Prompts of equal token length run as one batch (no padding, so positions are exact).
    """
    prompts = list(_validate.word_sequence("prompts", prompts))
    _validate.positive_int("max_new_tokens", max_new_tokens)
    eos = _eos_id(tokenizer)
    device = next(model.parameters()).device
    encoded = [_encode(tokenizer, p) for p in prompts]
    answers: list[str] = [""] * len(prompts)
    for length in sorted({len(ids) for ids in encoded}):
        rows = [i for i, ids in enumerate(encoded) if len(ids) == length]
        batch = torch.tensor([encoded[i] for i in rows], device=device)
        out = generate(model, batch, max_new_tokens, do_sample=False, eos_token_id=eos)[:, length:]
        for i, new in zip(rows, out.tolist()):
            answers[i] = tokenizer.decode(new[: new.index(eos)] if eos in new else new)
    return answers


def exact_match(model: nn.Module, tokenizer, pairs: Sequence[InstructionPair], *, max_new_tokens: int = 4) -> float:
    """Share of pairs whose greedy answer, as words, is exactly the response (case-insensitive)."""
    pairs = list(_validate.word_sequence("pairs", pairs))
    if not pairs or not all(isinstance(p, InstructionPair) for p in pairs):
        raise TypeError("pairs must be a non-empty list of InstructionPair (from fact_pairs)")
    got = answer(model, tokenizer, [p.prompt for p in pairs], max_new_tokens=max_new_tokens)
    return sum(tokenize_words(g) == tokenize_words(p.response) for g, p in zip(got, pairs)) / len(pairs)


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad token lists: (input_ids (B, L), attention_mask (B, L)), both int64, L the longest.
    The mask comes from the lengths (a real token equal to ``pad_id`` is still real)."""
    if not isinstance(sequences, (list, tuple)) or not sequences or any(len(s) == 0 for s in sequences):
        raise ValueError("sequences must be a non-empty list of non-empty token lists")
    _validate.integer("pad_id", pad_id)
    length = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), length), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)], mask[row, : len(seq)] = torch.as_tensor(list(seq), dtype=torch.long), 1
    return ids, mask


def lm_inputs_and_targets(input_ids: torch.Tensor, attention_mask: torch.Tensor,
                          ignore_index: int = IGNORE_INDEX) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, L) padded batch -> inputs (B, L-1) and next-token targets (B, L-1), ``ignore_index``
    where the target is padding (read from ``attention_mask``)."""
    if not isinstance(input_ids, torch.Tensor) or input_ids.dim() != 2 or input_ids.shape[1] < 2:
        raise ValueError(f"input_ids must be a (B, L) tensor with L >= 2; got {getattr(input_ids, 'shape', None)}")
    if not isinstance(attention_mask, torch.Tensor) or attention_mask.shape != input_ids.shape:
        raise ValueError("attention_mask must have the shape of input_ids")
    targets = input_ids[:, 1:].clone()
    targets[attention_mask[:, 1:] == 0] = ignore_index
    return input_ids[:, :-1], targets
