"""word2vec: skip-gram with negative sampling (SGNS).

Backs 01 §4: training pairs (§4.1, Exercise 5 ``skipgram_pairs``), subsampling
frequent words (§4.2, Exercise 6a ``keep_probabilities``), the noise distribution
(§4.3, Exercise 6b ``noise_distribution``), the loss (§4.4, Exercise 7
``sgns_loss``) and training (§4.5, ``train_sgns``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from lmkit._validate import generator as check_generator
from lmkit._validate import finite, is_int, number, positive_int, positive_number, tensor
from lmkit.embeddings._checks import _check_counts, _check_ids, _check_sentence_ids, _rand, _same_sentence
from lmkit.embeddings.vocab import Vocabulary


def skipgram_pairs(
    ids: Tensor,
    window: int,
    *,
    dynamic_window: bool = True,
    generator: torch.Generator | None = None,
    sentence_ids: Tensor | None = None,
) -> Tensor:
    """All (centre, context) training pairs of a text for skip-gram.

    ids: (N,) int ids. For each position i, every position j with 0 < |i − j| <= b_i
    yields the pair (ids[i], ids[j]). Without ``dynamic_window`` b_i = window; with
    it (as in word2vec) b_i is drawn uniformly from 1..window for each centre, so
    near words are paired more often than far ones. Pairs are ordered by centre
    position, then context position. ``sentence_ids`` (N,), if given, keeps pairs
    inside a sentence. Returns (P, 2) int64: column 0 the centres, column 1 the contexts.
    """
    _check_ids(ids, "ids", ndim=1)
    positive_int("window", window)
    check_generator("generator", generator)
    sentence_ids = _check_sentence_ids(sentence_ids, ids)
    n, device = ids.numel(), ids.device
    offsets = torch.cat([torch.arange(-window, 0, device=device), torch.arange(1, window + 1, device=device)])
    centres = torch.arange(n, device=device).unsqueeze(1)  # (N, 1)
    contexts = centres + offsets  # (N, 2W)
    valid = (contexts >= 0) & (contexts < n)
    if dynamic_window:
        reach = (_rand((n, 1), generator, device) * window).long() + 1  # (N, 1), uniform on 1..window
        valid &= offsets.abs() <= reach
    contexts = contexts.clamp(0, max(n - 1, 0))
    centres = centres.expand_as(contexts)
    if sentence_ids is not None:
        valid &= _same_sentence(sentence_ids, centres, contexts)
    return torch.stack([ids[centres[valid]], ids[contexts[valid]]], dim=1).long()


def keep_probabilities(counts: Tensor, t: float = 1e-4) -> Tensor:
    """Probability of keeping each occurrence of a word when subsampling frequent words.

    counts: (V,) word counts. With f = count / total, we use the formula of Mikolov
    et al. (2013, "Distributed representations…"), P(keep) = min(1, sqrt(t / f)):
    words rarer than t are always kept, and a word 100× more frequent than t is kept
    1 time in 10. (The released word2vec C code uses a slightly different
    variant, sqrt(t/f) + t/f.) Returns (V,) float32; never-seen words get 1.
    """
    _check_counts(counts)
    positive_number("t", t)
    frequency = counts.float() / counts.float().sum()
    keep = torch.sqrt(t / frequency.clamp(min=torch.finfo(torch.float32).tiny))
    return keep.clamp(max=1.0)


def _keep_mask(ids: Tensor, counts: Tensor, t: float, generator: torch.Generator | None) -> Tensor:
    keep = keep_probabilities(counts, t).to(ids.device)
    return _rand((ids.numel(),), generator, ids.device) < keep[ids.long()]


def subsample(ids: Tensor, counts: Tensor, t: float = 1e-4, *, generator: torch.Generator | None = None) -> Tensor:
    """Drop each occurrence of a word at random with probability 1 − keep_probabilities(counts, t).

    ids: (N,) int ids; counts: (V,) corpus counts. Returns the kept ids (M,), M <= N,
    in their original order. Done before making skip-gram pairs, it removes many
    uninformative pairs with words like "the" and widens the effective window.
    """
    _check_counts(counts)
    _check_ids(ids, "ids", vocab_size=counts.numel(), ndim=1)
    check_generator("generator", generator)
    return ids[_keep_mask(ids, counts, t, generator)]


def noise_distribution(counts: Tensor, power: float = 0.75) -> Tensor:
    """word2vec's noise distribution for negative sampling: P_n(w) ∝ count(w)^power.

    counts: (V,). The power 3/4 flattens the unigram distribution: frequent words are
    drawn less often, rare words more often than their raw frequency. Returns (V,)
    float32 probabilities summing to 1 (zero for words with zero count).
    """
    _check_counts(counts)
    number("power", power, low=0.0, what="a non-negative number")
    weights = counts.float() ** power
    weights = torch.where(counts > 0, weights, torch.zeros_like(weights))  # 0 ** 0 would be 1
    return weights / weights.sum()


def sample_negatives(
    noise: Tensor, shape: tuple[int, ...] | int, *, generator: torch.Generator | None = None
) -> Tensor:
    """Draw int64 ids of the given ``shape`` i.i.d. from the (V,) probability vector ``noise``.

    As in word2vec, a negative may by chance equal the true context; with many words
    this is rare and harmless.
    """
    tensor("noise", noise)
    if noise.dim() != 1 or noise.numel() == 0 or not noise.dtype.is_floating_point:
        raise ValueError(f"noise must be a (V,) float tensor of probabilities; got shape {tuple(noise.shape)}, dtype {noise.dtype}")
    finite("noise", noise)
    if bool((noise < 0).any()) or float(noise.sum()) <= 0:
        raise ValueError("noise must be non-negative with a positive sum")
    if not isinstance(shape, (int, tuple, list)) or isinstance(shape, bool):
        raise TypeError(f"shape must be an int or a tuple of non-negative ints; got {shape!r}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(not is_int(s) or s < 0 for s in shape):
        raise ValueError(f"shape must be a tuple of non-negative ints; got {shape}")
    check_generator("generator", generator)
    total = math.prod(shape)
    if total == 0:
        return torch.empty(shape, dtype=torch.long, device=noise.device)
    where = generator.device if generator is not None else noise.device
    draws = torch.multinomial(noise.to(where), total, replacement=True, generator=generator)
    return draws.to(noise.device).view(shape)


def sgns_loss(center: Tensor, context: Tensor, negatives: Tensor) -> Tensor:
    """The skip-gram negative-sampling loss, averaged over a batch.

    center: (B, d) centre-word vectors v_c; context: (B, d) true context vectors u_o;
    negatives: (B, K, d) noise-word vectors u_k. For each example the loss is

        −[ log σ(u_o · v_c) + Σ_k log σ(−u_k · v_c) ]

    (push the true pair's score up and the K noise pairs' scores down). Returns the
    mean over the batch, a scalar. ``F.logsigmoid`` is used because log(sigmoid(x))
    underflows to −inf for very negative x.
    """
    for name, value, rank in (("center", center, 2), ("context", context, 2), ("negatives", negatives, 3)):
        tensor(name, value)
        if not value.dtype.is_floating_point:
            raise TypeError(f"{name} must be a floating-point tensor; got dtype {value.dtype}")
        if value.dim() != rank:
            raise ValueError(f"{name} must have shape {'(B, d)' if rank == 2 else '(B, K, d)'}; got {tuple(value.shape)}")
        finite(name, value)  # NaN vectors give a NaN loss and NaN gradients everywhere
    if context.shape != center.shape:
        raise ValueError(f"context must have the shape of center {tuple(center.shape)}; got {tuple(context.shape)}")
    if negatives.shape[0] != center.shape[0] or negatives.shape[2] != center.shape[1]:
        b, d = center.shape
        raise ValueError(f"negatives must have shape ({b}, K, {d}); got {tuple(negatives.shape)}")
    if center.shape[0] == 0:
        raise ValueError("sgns_loss needs a non-empty batch; got B = 0")
    return _sgns_loss(center, context, negatives)


def _sgns_loss(center: Tensor, context: Tensor, negatives: Tensor) -> Tensor:
    """:func:`sgns_loss` without the checks, for the training loop: the NaN check would
    cost a device sync per batch."""
    positive_scores = (center * context).sum(dim=-1)  # (B,)
    negative_scores = torch.einsum("bkd,bd->bk", negatives, center)  # (B, K)
    per_example = F.logsigmoid(positive_scores) + F.logsigmoid(-negative_scores).sum(dim=-1)
    return -per_example.mean()


class SkipGramModel(nn.Module):
    """word2vec's two embedding tables.

    ``in_embed`` (V, d) holds the centre-word vectors v_w — the word vectors we keep;
    ``out_embed`` (V, d) holds the context vectors u_w used only to score pairs. As in
    the word2vec C code, v starts uniform in [−0.5/d, 0.5/d] and u starts at zero.
    """

    def __init__(self, vocab_size: int, dim: int):
        super().__init__()
        positive_int("vocab_size", vocab_size)
        positive_int("dim", dim)
        self.in_embed = nn.Embedding(vocab_size, dim)
        self.out_embed = nn.Embedding(vocab_size, dim)
        nn.init.uniform_(self.in_embed.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.out_embed.weight)

    def forward(self, center_ids: Tensor, context_ids: Tensor, negative_ids: Tensor) -> Tensor:
        """center_ids (B,), context_ids (B,), negative_ids (B, K) -> scalar SGNS loss."""
        return _sgns_loss(self.in_embed(center_ids), self.out_embed(context_ids), self.out_embed(negative_ids))

    def word_vectors(self) -> Tensor:
        """The (V, d) centre-word vectors, detached from the graph."""
        return self.in_embed.weight.detach().clone()


def _encode_corpus(corpus: Any, vocab: Vocabulary) -> tuple[Tensor, Tensor]:
    """Flatten a corpus into (ids (N,), sentence_ids (N,)); out-of-vocabulary words are dropped.

    ``corpus`` is a (N,) id tensor (one running text), a list of sentences given as
    strings (split on whitespace) or a list of word lists.
    """
    if isinstance(corpus, Tensor):
        _check_ids(corpus, "corpus", vocab_size=len(vocab), ndim=1)
        return corpus.long(), torch.zeros_like(corpus, dtype=torch.long)
    if isinstance(corpus, str) or not isinstance(corpus, Sequence):
        raise TypeError(f"corpus must be a list of sentences or a (N,) id tensor; got {type(corpus).__name__}")
    ids: list[int] = []
    sentence_ids: list[int] = []
    for sentence_number, sentence in enumerate(corpus):
        words = sentence.split() if isinstance(sentence, str) else sentence
        known = [vocab.stoi[w] for w in words if w in vocab.stoi]
        ids.extend(known)
        sentence_ids.extend([sentence_number] * len(known))
    if not ids:
        raise ValueError("the corpus is empty (or none of its words is in the vocabulary)")
    return torch.tensor(ids, dtype=torch.long), torch.tensor(sentence_ids, dtype=torch.long)


def train_sgns(
    corpus: Any,
    vocab: Vocabulary,
    *,
    dim: int = 50,
    window: int = 4,
    negatives: int = 5,
    epochs: int = 5,
    batch_size: int = 1024,
    lr: float = 0.01,
    subsample_t: float | None = 1e-3,
    seed: int = 0,
    progress: bool = True,
    device: str | torch.device | None = None,
) -> tuple[Tensor, list[float]]:
    """Train skip-gram with negative sampling and return (word vectors, losses).

    corpus: sentences (strings or word lists) or a (N,) id tensor; words missing
    from ``vocab`` are skipped. Each epoch subsamples frequent words (if
    ``subsample_t``), makes dynamic-window skip-gram pairs inside sentences,
    shuffles them and takes Adam steps on mini-batches of ``batch_size`` pairs with
    ``negatives`` noise words per pair drawn from the unigram^0.75 distribution.
    (Adam on the dense tables converges in a few epochs here; plain SGD, as in the
    C code, needs a decaying learning rate and many more passes.)
    Returns the (V, dim) centre-word vectors on ``device`` (default: CPU) and the
    loss of every mini-batch, as floats.
    """
    if not isinstance(vocab, Vocabulary):
        raise TypeError(f"vocab must be a lmkit.embeddings.Vocabulary; got {type(vocab).__name__}")
    for name, value in (("dim", dim), ("window", window), ("negatives", negatives), ("epochs", epochs), ("batch_size", batch_size)):
        positive_int(name, value)
    positive_number("lr", lr)
    device = torch.device(device) if device is not None else torch.device("cpu")
    ids, sentence_ids = _encode_corpus(corpus, vocab)
    ids, sentence_ids = ids.to(device), sentence_ids.to(device)
    counts = torch.bincount(ids, minlength=len(vocab)).to(device)
    noise = noise_distribution(counts)

    torch.manual_seed(seed)  # the model's initial weights
    generator = torch.Generator(device=device).manual_seed(seed)
    model = SkipGramModel(len(vocab), dim).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    from lmkit.progress import progress as progress_bar  # a bar saved as its final line

    losses: list[float] = []
    for epoch in range(epochs):
        if subsample_t is not None:
            keep = _keep_mask(ids, counts, subsample_t, generator)
            epoch_ids, epoch_sentences = ids[keep], sentence_ids[keep]
        else:
            epoch_ids, epoch_sentences = ids, sentence_ids
        pairs = skipgram_pairs(epoch_ids, window, generator=generator, sentence_ids=epoch_sentences)
        if pairs.shape[0] == 0:
            raise ValueError("no skip-gram pairs: the corpus is too short (or subsample_t too small)")
        pairs = pairs[torch.randperm(pairs.shape[0], generator=generator, device=device)]
        batch_losses = []
        batches = range(0, pairs.shape[0], batch_size)
        for start in progress_bar(batches, desc=f"epoch {epoch + 1}/{epochs}", disable=not progress, leave=False):
            batch = pairs[start : start + batch_size]
            negative_ids = sample_negatives(noise, (batch.shape[0], negatives), generator=generator)
            loss = model(batch[:, 0], batch[:, 1], negative_ids)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.detach())
        losses.extend(torch.stack(batch_losses).tolist())  # one device sync per epoch
    return model.word_vectors(), losses
