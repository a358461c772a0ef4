"""Causal-LM data: a token stream cut into (inputs, targets) blocks, shifted by one.

Backs 04 §2, Exercise 3 (next-token blocks, :func:`token_blocks`) and the random
batches every GPT training loop of 03 §7 and 04 §6-7 draws (:func:`batch_blocks`,
nanoGPT's ``get_batch``). Every position predicts the token after it.

Also backs 04's honest held-out evaluation: :func:`split_heldout` keeps every
validation sentence out of training (:func:`overlap_share` measures it: 0), and
:func:`split_probes` separates cloze probes whose sentence was trained on from those
whose sentence was not (seen vs unseen).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch

from lmkit import _validate
from lmkit.data.toyworld import tokenize_words


def _as_id_tensor(name: str, ids: object) -> torch.Tensor:
    """A 1-D int64 tensor of token ids (>= 0) from a list of ints or an integer tensor.

    Float ids are refused, not truncated: ``[1.7, 2.2]`` is not a token stream.
    """
    if isinstance(ids, torch.Tensor):
        _validate.int_tensor(name, ids)
        tensor = ids.long()
    elif isinstance(ids, np.ndarray):
        if not np.issubdtype(ids.dtype, np.integer):
            raise _validate.ArgumentTypeError(f"{name} must hold integer token ids; got NumPy dtype {ids.dtype}")
        tensor = torch.as_tensor(ids.astype(np.int64))
    elif isinstance(ids, (list, tuple)):
        tensor = torch.tensor(_validate.int_list(name, ids), dtype=torch.long)
    else:
        raise _validate.ArgumentTypeError(f"{name} must be a 1-D tensor or list of token ids; got {type(ids).__name__}")
    if tensor.dim() != 1:
        raise ValueError(f"{name} must be 1-D (one token stream); got shape {tuple(tensor.shape)}")
    if tensor.numel() and int(tensor.min()) < 0:
        raise ValueError(f"{name} must be token ids >= 0; got {int(tensor.min())}")
    return tensor


def token_blocks(ids: Sequence[int] | torch.Tensor, block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Cut a token stream into non-overlapping next-token-prediction blocks.

    ids: a 1-D stream of N token ids. Block i covers ids[i*T : i*T + T + 1]; its
    inputs are the first T ids and its targets the last T (shifted by one), so
    ``targets[i, t]`` is the token that follows ``inputs[i, t]``.
    Returns (inputs, targets), both (n_blocks, T) int64 with n_blocks = (N - 1) // T;
    a tail too short for a whole block is dropped.
    """
    stream = _as_id_tensor("ids", ids)
    _validate.positive_int("block_size", block_size)
    n_blocks = (stream.numel() - 1) // block_size
    if n_blocks < 1:
        raise ValueError(
            f"need at least block_size + 1 = {block_size + 1} tokens for one block; got {stream.numel()}"
        )
    used = stream[: n_blocks * block_size + 1]
    inputs = used[:-1].reshape(n_blocks, block_size)
    targets = used[1:].reshape(n_blocks, block_size)
    return inputs, targets


def batch_blocks(
    ids: Sequence[int] | torch.Tensor,
    block_size: int,
    batch_size: int,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    n_batches: int | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Random batches of next-token blocks, as nanoGPT's ``get_batch``.

    The stream is endless unless ``n_batches`` is given: take batches with
    ``next()``, ``zip`` or :func:`lmkit.training.train_steps` (which stops after
    ``steps``); ``list(batch_blocks(...))`` without ``n_batches`` never returns.

    Each row is a window of block_size + 1 consecutive tokens starting at a random
    offset: inputs = window[:-1], targets = window[1:]. Yields (inputs, targets),
    each (batch_size, block_size) int64 on ``device``.
    The only state is ``generator``: restore its state (see :func:`save_checkpoint`)
    and a new iterator continues with exactly the batches the old one would have given.
    """
    stream = _as_id_tensor("ids", ids)
    _validate.positive_int("block_size", block_size)
    _validate.positive_int("batch_size", batch_size)
    _validate.generator("generator", generator)
    if n_batches is not None:
        _validate.positive_int("n_batches", n_batches)
    n_starts = stream.numel() - block_size  # last valid start leaves room for the shifted target
    if n_starts < 1:
        raise ValueError(f"need more than block_size = {block_size} tokens; got {stream.numel()}")
    offsets = torch.arange(block_size + 1)
    drawn = 0
    while n_batches is None or drawn < n_batches:
        drawn += 1
        starts = torch.randint(n_starts, (batch_size,), generator=generator)
        windows = stream[starts[:, None] + offsets]  # (B, T + 1)
        yield windows[:, :-1].to(device), windows[:, 1:].to(device)


# ----------------------------------------------------------------------------
# Honest held-out text: no validation sentence is ever trained on (04 §2, §4)
# ----------------------------------------------------------------------------


def _sentence_list(name: str, sentences: object) -> list[str]:
    _validate.word_sequence(name, sentences)
    if not isinstance(sentences, (list, tuple)):
        raise _validate.ArgumentTypeError(f"{name} must be a list of str; got {type(sentences).__name__}")
    for i, s in enumerate(sentences):
        if not isinstance(s, str):
            raise _validate.ArgumentTypeError(f"{name} must be a list of str; got {type(s).__name__} at index {i}")
    return list(sentences)


def _words(sentence: str) -> str:
    return " ".join(tokenize_words(sentence))


def seen_in_corpus(sentences: Sequence[str], corpus: Sequence[str]) -> list[bool]:
    """For each sentence: does it occur word for word in ``corpus``, as a whole sentence or
    inside one? (Compared as words: case and spacing around punctuation do not matter.)"""
    sentences, corpus = _sentence_list("sentences", sentences), _sentence_list("corpus", corpus)
    text = " " + " \n ".join(sorted({_words(s) for s in corpus})) + " "  # \n: no match across sentences
    return [f" {_words(s)} " in text for s in sentences]


def overlap_share(train: Sequence[str], validation: Sequence[str]) -> float:
    """Share of validation sentences (counted with repeats) that occur word for word in
    ``train``: 0 for an honest split; the old random split of 04 gave about 1."""
    validation = _sentence_list("validation", validation)
    if not validation:
        raise ValueError("validation must not be empty; got 0 sentences")
    seen = seen_in_corpus(validation, train)
    return sum(seen) / len(seen)


def split_heldout(
    sentences: Sequence[str],
    validation_share: float = 0.1,
    *,
    seed: int = 0,
    key: Callable[[str], object] | None = None,
    hold_out: Sequence[str] = (),
) -> tuple[list[str], list[str]]:
    """Split a corpus so that nothing in validation was trained on.

    The toy corpus repeats each of its ~550 distinct sentences many times (4,000
    sentences hold ~550), so a random split puts copies of every validation sentence
    in training and the validation loss measures memorisation. Here whole *groups*
    go to one side: by default a group is one distinct sentence, i.e. one (entity,
    template) combination such as ("japan", "the capital of {country} is {capital} .");
    ``key(sentence)`` groups otherwise (e.g. by template). Groups are drawn at random
    (``seed``) until validation holds about ``validation_share`` of the sentences;
    ``hold_out`` sentences (e.g. filled cloze probes) always go to validation.
    Returns (train, validation), each in corpus order; the validation loss then
    measures sentences never seen, built from templates and facts that were.
    """
    sentences = _sentence_list("sentences", sentences)
    if not sentences:
        raise ValueError("sentences must not be empty")
    _validate.number("validation_share", validation_share, low=0.0, high=1.0, low_open=True, high_open=True,
                     what="a float in (0, 1)")
    _validate.integer("seed", seed)
    if key is not None and not callable(key):
        raise _validate.ArgumentTypeError(f"key must be a function sentence -> group, or None; got {type(key).__name__}")
    key = _words if key is None else key
    forced = {key(s) for s in _sentence_list("hold_out", hold_out)}
    sizes: dict[object, int] = {}
    for s in sentences:
        sizes[key(s)] = sizes.get(key(s), 0) + 1
    groups = sorted((g for g in sizes if g not in forced), key=repr)
    random.Random(seed).shuffle(groups)
    held, count, target = set(forced), sum(sizes.get(g, 0) for g in forced), validation_share * len(sentences)
    for g in groups:
        if count >= target:
            break
        held.add(g)
        count += sizes[g]
    if len(held & set(sizes)) == len(sizes):
        raise ValueError("every group went to validation; lower validation_share or hold out fewer sentences")
    train = [s for s in sentences if key(s) not in held]
    validation = [s for s in sentences if key(s) in held]
    return train, validation


def cloze_sentence(probe: object) -> str:
    """A cloze probe's sentence with its answer in place of [MASK]."""
    if not hasattr(probe, "sentence") or not hasattr(probe, "answer"):
        raise _validate.ArgumentTypeError(f"probe must be a ClozeProbe (sentence, answer); got {type(probe).__name__}")
    return probe.sentence.replace("[MASK]", probe.answer)


def split_probes(probes: Sequence, train: Sequence[str]) -> tuple[list, list]:
    """(seen, unseen): probes whose filled-in sentence occurs in ``train``, and the rest.

    An unseen probe asks for a fact the model met only in other sentences: getting it
    right is knowledge, not recall of a memorised line."""
    probes = list(_validate.word_sequence("probes", probes))
    seen = seen_in_corpus([cloze_sentence(p) for p in probes], train)
    return [p for p, s in zip(probes, seen) if s], [p for p, s in zip(probes, seen) if not s]
