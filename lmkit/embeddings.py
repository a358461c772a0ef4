"""Word vectors: from one-hot codes to count-based vectors to word2vec.

This module is the reference implementation behind assignment 01. It follows the
story the notebook tells:

1. **Ids and one-hot codes.** A :class:`Vocabulary` maps words to integer ids.
   ``one_hot(ids, V)`` turns ids into (…, V) indicator vectors; multiplying one by an
   embedding matrix ``E`` (V, d) just picks out a row, which is why an embedding
   layer is a table look-up ``E[ids]``.
2. **Count-based vectors.** ``cooccurrence_matrix`` counts which words appear near
   which, ``ppmi`` reweights the counts by how surprising they are, and
   ``svd_vectors`` compresses the (V, V) matrix into dense (V, d) vectors.
3. **word2vec skip-gram with negative sampling (SGNS).** ``skipgram_pairs`` lists
   (centre, context) pairs, ``keep_probabilities``/``subsample`` drop some frequent
   words, ``noise_distribution``/``sample_negatives`` draw "fake" contexts,
   ``sgns_loss`` scores them and ``train_sgns`` learns the vectors.
4. **Using the vectors.** ``cosine_similarity``, ``nearest_neighbours``,
   ``analogy`` (3CosAdd), ``evaluate_analogies`` and ``project_2d`` (PCA).

Conventions: ids are integer (int64) tensors; every function creates its outputs on
the device of its tensor input; bad input raises ``ValueError`` or ``TypeError``
with a message that names what was expected and what was given.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "UnknownWordError",
    "Vocabulary",
    "one_hot",
    "cooccurrence_matrix",
    "ppmi",
    "svd_vectors",
    "skipgram_pairs",
    "keep_probabilities",
    "subsample",
    "noise_distribution",
    "sample_negatives",
    "sgns_loss",
    "SkipGramModel",
    "train_sgns",
    "cosine_similarity",
    "nearest_neighbours",
    "analogy",
    "AnalogyReport",
    "evaluate_analogies",
    "project_2d",
]


# ---------------------------------------------------------------------------
# Input validation shared by the functions below
# ---------------------------------------------------------------------------


def _check_tensor(value: Any, name: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor; got {type(value).__name__}")
    return value


def _check_ids(ids: Any, name: str = "ids", *, vocab_size: int | None = None, ndim: int | None = None) -> Tensor:
    """Check that ``ids`` is an integer tensor (of rank ``ndim``) with values in [0, vocab_size)."""
    _check_tensor(ids, name)
    if ids.dtype.is_floating_point or ids.dtype.is_complex or ids.dtype == torch.bool:
        raise TypeError(f"{name} must be an integer tensor (e.g. torch.long); got dtype {ids.dtype}")
    if ndim is not None and ids.dim() != ndim:
        expected = "(N,)" if ndim == 1 else f"a tensor of rank {ndim}"
        raise ValueError(f"{name} must have shape {expected}; got {tuple(ids.shape)}")
    if vocab_size is not None and ids.numel() > 0:
        low, high = int(ids.min()), int(ids.max())
        if low < 0 or high >= vocab_size:
            bad = low if low < 0 else high
            raise ValueError(f"{name} must lie in [0, {vocab_size}) (the vocabulary size); got id {bad}")
    return ids


def _check_positive_int(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int; got {value}")
    return value


def _check_float_matrix(matrix: Any, name: str, *, square: bool = False) -> Tensor:
    _check_tensor(matrix, name)
    if not matrix.dtype.is_floating_point:
        raise TypeError(f"{name} must be a floating-point tensor; got dtype {matrix.dtype}")
    if matrix.dim() != 2 or (square and matrix.shape[0] != matrix.shape[1]):
        expected = "(V, V)" if square else "(N, d)"
        raise ValueError(f"{name} must have shape {expected}; got {tuple(matrix.shape)}")
    if matrix.numel() == 0:
        raise ValueError(f"{name} must not be empty; got shape {tuple(matrix.shape)}")
    return matrix


def _check_counts(counts: Any, name: str = "counts") -> Tensor:
    """Check a (V,) tensor of non-negative word counts with a positive total."""
    _check_tensor(counts, name)
    if counts.dim() != 1 or counts.numel() == 0:
        raise ValueError(f"{name} must have shape (V,) with V >= 1; got {tuple(counts.shape)}")
    if counts.dtype == torch.bool or counts.dtype.is_complex:
        raise TypeError(f"{name} must hold real numbers; got dtype {counts.dtype}")
    if bool((counts < 0).any()):
        raise ValueError(f"{name} must be non-negative; got minimum {counts.min().item()}")
    if float(counts.sum()) <= 0:
        raise ValueError(f"{name} must have a positive total; got all zeros")
    return counts


def _check_generator(generator: Any) -> torch.Generator | None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None; got {type(generator).__name__}")
    return generator


def _rand(shape: tuple[int, ...], generator: torch.Generator | None, device: torch.device) -> Tensor:
    """Uniform [0, 1) numbers drawn on the generator's device, returned on ``device``."""
    where = generator.device if generator is not None else device
    return torch.rand(shape, generator=generator, device=where).to(device)


# ---------------------------------------------------------------------------
# 1. Vocabulary and one-hot codes
# ---------------------------------------------------------------------------


class UnknownWordError(KeyError, ValueError):
    """A word that is not in the vocabulary (catch it as KeyError or ValueError)."""

    def __str__(self) -> str:  # KeyError would print the message with extra quotes
        return str(self.args[0]) if self.args else ""


class Vocabulary:
    """A two-way map between words and integer ids, plus each word's corpus count.

    Ids are assigned by decreasing count (ties: alphabetical), so id 0 is the most
    frequent word. ``itos[i]`` is the word with id ``i``, ``stoi[word]`` its id and
    ``counts[i]`` (a (V,) int64 tensor) how often it occurred.
    """

    def __init__(self, words: Sequence[str], counts: Sequence[int] | Tensor):
        words = list(words)
        if not words:
            raise ValueError("a Vocabulary needs at least one word; got an empty word list")
        if len(set(words)) != len(words):
            raise ValueError("the words of a Vocabulary must be unique; got duplicates")
        counts = torch.as_tensor(counts, dtype=torch.long)
        if counts.shape != (len(words),):
            raise ValueError(f"counts must have shape ({len(words)},), one per word; got {tuple(counts.shape)}")
        self.itos: list[str] = words
        self.stoi: dict[str, int] = {word: i for i, word in enumerate(words)}
        self.counts: Tensor = counts

    @classmethod
    def build(cls, tokens: Iterable[str] | Iterable[Sequence[str]], *, min_count: int = 1) -> "Vocabulary":
        """Count the words in ``tokens`` and keep those seen at least ``min_count`` times.

        ``tokens`` is a flat sequence of words (``["the", "cat", ...]``) or a sequence
        of tokenised sentences (``[["the", "cat"], ["a", "dog"]]``). Sentences given
        as plain strings must be split into words first.
        """
        _check_positive_int(min_count, "min_count")
        counter: Counter[str] = Counter()
        for item in tokens:
            words = [item] if isinstance(item, str) else item
            for word in words:
                if not isinstance(word, str):
                    raise TypeError(f"tokens must be strings; got {type(word).__name__}")
                if not word or word != word.strip() or len(word.split()) != 1:
                    raise ValueError(
                        f"tokens must be single words without spaces; got {word!r} "
                        "(split sentences into words first, e.g. with str.split())"
                    )
                counter[word] += 1
        if not counter:
            raise ValueError("cannot build a vocabulary from an empty corpus")
        kept = sorted((w for w, c in counter.items() if c >= min_count), key=lambda w: (-counter[w], w))
        if not kept:
            raise ValueError(f"no word occurs at least min_count={min_count} times (most frequent: {counter.most_common(1)[0]})")
        return cls(kept, [counter[w] for w in kept])

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: object) -> bool:
        return word in self.stoi

    def __getitem__(self, word: str) -> int:
        return self.index(word)

    def __repr__(self) -> str:
        preview = ", ".join(self.itos[:5])
        return f"Vocabulary({len(self)} words: {preview}{', ...' if len(self) > 5 else ''})"

    def index(self, word: str) -> int:
        """The id of ``word``; raises UnknownWordError (a KeyError and ValueError) if absent."""
        if not isinstance(word, str):
            raise TypeError(f"a word must be a str; got {type(word).__name__}")
        if word not in self.stoi:
            raise UnknownWordError(f"word {word!r} is not in the vocabulary ({len(self)} words)")
        return self.stoi[word]

    def encode(self, tokens: Sequence[str]) -> Tensor:
        """Map a list of words to a (N,) int64 tensor of ids (an unknown word raises)."""
        if isinstance(tokens, str):
            raise TypeError("encode expects a list of words, got a str (split it first, e.g. with str.split())")
        return torch.tensor([self.index(word) for word in tokens], dtype=torch.long)

    def decode(self, ids: Tensor | Sequence[int]) -> list[str]:
        """Map a (N,) tensor (or list) of ids back to words."""
        ids = torch.as_tensor(ids)
        _check_ids(ids, "ids", vocab_size=len(self), ndim=1)
        return [self.itos[i] for i in ids.tolist()]


def one_hot(ids: Tensor, vocab_size: int) -> Tensor:
    """One-hot codes: (...,) int ids -> (..., vocab_size) float32 with a single 1 per row.

    ``one_hot(ids, V) @ E`` equals ``E[ids]`` for any (V, d) matrix E: an embedding
    layer is this product, computed as a cheap row look-up.
    """
    _check_positive_int(vocab_size, "vocab_size")
    _check_ids(ids, "ids", vocab_size=vocab_size)
    codes = torch.zeros(*ids.shape, vocab_size, dtype=torch.float32, device=ids.device)
    return codes.scatter_(-1, ids.long().unsqueeze(-1), 1.0)


# ---------------------------------------------------------------------------
# 2. Count-based vectors: co-occurrence, PPMI, truncated SVD
# ---------------------------------------------------------------------------


def _check_sentence_ids(sentence_ids: Tensor | None, ids: Tensor) -> Tensor | None:
    if sentence_ids is None:
        return None
    _check_ids(sentence_ids, "sentence_ids", ndim=1)
    if sentence_ids.shape != ids.shape:
        raise ValueError(f"sentence_ids must have the shape of ids {tuple(ids.shape)}; got {tuple(sentence_ids.shape)}")
    return sentence_ids.to(ids.device)


def _same_sentence(sentence_ids: Tensor | None, left: Tensor, right: Tensor) -> Tensor | bool:
    """Mask of positions ``left[i]``/``right[i]`` lying in the same sentence (True if no sentences given)."""
    if sentence_ids is None:
        return True
    return sentence_ids[left] == sentence_ids[right]


def cooccurrence_matrix(
    ids: Tensor,
    vocab_size: int,
    window: int = 2,
    *,
    weighting: str = "uniform",
    sentence_ids: Tensor | None = None,
) -> Tensor:
    """Count how often word j appears within ``window`` positions of word i.

    ids: (N,) int ids of a running text. Returns X: (V, V) float32, symmetric, where
    ``X[i, j]`` sums, over every pair of positions at distance 1..window holding
    words i and j, a weight of 1 (``weighting="uniform"``) or 1/distance
    (``"harmonic"``, as GloVe does: near neighbours count more). Each unordered pair
    of positions adds to both ``X[i, j]`` and ``X[j, i]``.
    ``sentence_ids`` (N,), if given, stops windows at sentence boundaries.
    """
    _check_positive_int(vocab_size, "vocab_size")
    _check_ids(ids, "ids", vocab_size=vocab_size, ndim=1)
    _check_positive_int(window, "window")
    if weighting not in ("uniform", "harmonic"):
        raise ValueError(f"weighting must be 'uniform' or 'harmonic'; got {weighting!r}")
    sentence_ids = _check_sentence_ids(sentence_ids, ids)
    ids = ids.long()
    counts = torch.zeros(vocab_size, vocab_size, dtype=torch.float32, device=ids.device)
    positions = torch.arange(ids.numel(), device=ids.device)
    for distance in range(1, min(window, ids.numel() - 1) + 1):
        left, right = positions[:-distance], positions[distance:]
        weight = 1.0 if weighting == "uniform" else 1.0 / distance
        values = torch.full(left.shape, weight, device=ids.device) * _same_sentence(sentence_ids, left, right)
        # Both directions: word i sees j on its right, and j sees i on its left.
        counts.index_put_((ids[left], ids[right]), values, accumulate=True)
        counts.index_put_((ids[right], ids[left]), values, accumulate=True)
    return counts


def ppmi(counts: Tensor, *, context_smoothing: float | None = 0.75) -> Tensor:
    """Positive pointwise mutual information of a (V, C) co-occurrence matrix.

    PMI(w, c) = log P(w, c) / (P(w) P(c)): how much more often w and c occur together
    than they would if they were independent. PPMI = max(PMI, 0), and 0 where the
    pair was never seen. With ``context_smoothing=α`` the context probabilities
    are computed from counts raised to α (Levy, Goldberg & Dagan 2015), which
    stops rare contexts from getting huge PMI values; ``None`` uses plain counts.
    Returns (V, C) float, same dtype and device as ``counts``.
    """
    _check_float_matrix(counts, "counts")
    if bool((counts < 0).any()):
        raise ValueError(f"counts must be non-negative; got minimum {counts.min().item()}")
    total = counts.sum()
    if float(total) <= 0:
        raise ValueError("counts must have a positive total; got all zeros")
    if context_smoothing is not None and not (0 < float(context_smoothing) <= 1):
        raise ValueError(f"context_smoothing must be in (0, 1] or None; got {context_smoothing}")
    p_joint = counts / total
    p_word = counts.sum(dim=1, keepdim=True) / total  # (V, 1)
    context_mass = counts.sum(dim=0, keepdim=True)  # (1, C)
    if context_smoothing is not None:
        context_mass = context_mass ** float(context_smoothing)
    p_context = context_mass / context_mass.sum()
    seen = counts > 0
    # Only seen pairs get a PMI; where counts are 0 the log would be -inf.
    pmi = torch.log(torch.where(seen, p_joint, 1.0) / torch.where(seen, p_word * p_context, 1.0))
    return torch.where(seen, pmi.clamp(min=0.0), torch.zeros_like(pmi))


def _fix_signs(vectors: Tensor) -> Tensor:
    """Flip each column so its largest-magnitude entry is positive (SVD signs are arbitrary)."""
    largest = vectors.abs().argmax(dim=0)
    signs = torch.sign(vectors[largest, torch.arange(vectors.shape[1], device=vectors.device)])
    return vectors * torch.where(signs == 0, torch.ones_like(signs), signs)


def svd_vectors(matrix: Tensor, dim: int, *, power: float = 0.5) -> Tensor:
    """Dense (V, dim) word vectors from a (V, C) matrix by truncated SVD.

    With M = U S Vᵀ, the rank-``dim`` approximation is U_d S_d V_dᵀ. We return
    U_d · S_d^power. ``power=1`` gives the rows of the best rank-d approximation
    (in the V_d basis); ``power=0.5`` (the default) splits S evenly between words
    and contexts, which Levy, Goldberg & Dagan (2015) found gives better word
    similarities, because a few huge singular values no longer dominate the
    cosine. Column signs are fixed (largest entry positive) so results are
    reproducible.
    """
    _check_float_matrix(matrix, "matrix")
    _check_positive_int(dim, "dim")
    if dim > min(matrix.shape):
        raise ValueError(f"dim must be at most min(V, C) = {min(matrix.shape)} for a {tuple(matrix.shape)} matrix; got {dim}")
    u, s, _ = torch.linalg.svd(matrix, full_matrices=False)
    return _fix_signs(u[:, :dim] * s[:dim] ** power)


# ---------------------------------------------------------------------------
# 3. word2vec: skip-gram with negative sampling
# ---------------------------------------------------------------------------


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
    _check_positive_int(window, "window")
    _check_generator(generator)
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
    if not (isinstance(t, (int, float)) and t > 0):
        raise ValueError(f"t must be a positive number; got {t!r}")
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
    _check_generator(generator)
    return ids[_keep_mask(ids, counts, t, generator)]


def noise_distribution(counts: Tensor, power: float = 0.75) -> Tensor:
    """word2vec's noise distribution for negative sampling: P_n(w) ∝ count(w)^power.

    counts: (V,). The power 3/4 flattens the unigram distribution: frequent words are
    drawn less often, rare words more often than their raw frequency. Returns (V,)
    float32 probabilities summing to 1 (zero for words with zero count).
    """
    _check_counts(counts)
    if not isinstance(power, (int, float)) or isinstance(power, bool) or power < 0:
        raise ValueError(f"power must be a non-negative number; got {power!r}")
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
    _check_tensor(noise, "noise")
    if noise.dim() != 1 or noise.numel() == 0 or not noise.dtype.is_floating_point:
        raise ValueError(f"noise must be a (V,) float tensor of probabilities; got shape {tuple(noise.shape)}, dtype {noise.dtype}")
    if bool((noise < 0).any()) or float(noise.sum()) <= 0:
        raise ValueError("noise must be non-negative with a positive sum")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(not isinstance(s, int) or s < 0 for s in shape):
        raise ValueError(f"shape must be a tuple of non-negative ints; got {shape}")
    _check_generator(generator)
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
        _check_tensor(value, name)
        if not value.dtype.is_floating_point:
            raise TypeError(f"{name} must be a floating-point tensor; got dtype {value.dtype}")
        if value.dim() != rank:
            raise ValueError(f"{name} must have shape {'(B, d)' if rank == 2 else '(B, K, d)'}; got {tuple(value.shape)}")
    if context.shape != center.shape:
        raise ValueError(f"context must have the shape of center {tuple(center.shape)}; got {tuple(context.shape)}")
    if negatives.shape[0] != center.shape[0] or negatives.shape[2] != center.shape[1]:
        b, d = center.shape
        raise ValueError(f"negatives must have shape ({b}, K, {d}); got {tuple(negatives.shape)}")
    if center.shape[0] == 0:
        raise ValueError("sgns_loss needs a non-empty batch; got B = 0")
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
        _check_positive_int(vocab_size, "vocab_size")
        _check_positive_int(dim, "dim")
        self.in_embed = nn.Embedding(vocab_size, dim)
        self.out_embed = nn.Embedding(vocab_size, dim)
        nn.init.uniform_(self.in_embed.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.out_embed.weight)

    def forward(self, center_ids: Tensor, context_ids: Tensor, negative_ids: Tensor) -> Tensor:
        """center_ids (B,), context_ids (B,), negative_ids (B, K) -> scalar SGNS loss."""
        return sgns_loss(self.in_embed(center_ids), self.out_embed(context_ids), self.out_embed(negative_ids))

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
    for number, sentence in enumerate(corpus):
        words = sentence.split() if isinstance(sentence, str) else sentence
        known = [vocab.stoi[w] for w in words if w in vocab.stoi]
        ids.extend(known)
        sentence_ids.extend([number] * len(known))
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
        _check_positive_int(value, name)
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"lr must be a positive number; got {lr!r}")
    device = torch.device(device) if device is not None else torch.device("cpu")
    ids, sentence_ids = _encode_corpus(corpus, vocab)
    ids, sentence_ids = ids.to(device), sentence_ids.to(device)
    counts = torch.bincount(ids, minlength=len(vocab)).to(device)
    noise = noise_distribution(counts)

    torch.manual_seed(seed)  # the model's initial weights
    generator = torch.Generator(device=device).manual_seed(seed)
    model = SkipGramModel(len(vocab), dim).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    from tqdm.auto import tqdm  # imported here: only training needs a progress bar

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
        for start in tqdm(batches, desc=f"epoch {epoch + 1}/{epochs}", disable=not progress, leave=False):
            batch = pairs[start : start + batch_size]
            negative_ids = sample_negatives(noise, (batch.shape[0], negatives), generator=generator)
            loss = model(batch[:, 0], batch[:, 1], negative_ids)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.detach())
        losses.extend(torch.stack(batch_losses).tolist())  # one device sync per epoch
    return model.word_vectors(), losses


# ---------------------------------------------------------------------------
# 4. Using word vectors: similarity, neighbours, analogies, 2-D projection
# ---------------------------------------------------------------------------


def cosine_similarity(a: Tensor, b: Tensor, *, eps: float = 1e-8) -> Tensor:
    """cos(a, b) = a·b / (|a| |b|) along the last dimension, with broadcasting.

    a: (..., d), b: (..., d) -> (...) (the broadcast of the leading dimensions).
    A zero vector has similarity 0 with everything (instead of 0/0 = NaN).
    """
    _check_tensor(a, "a")
    _check_tensor(b, "b")
    for name, value in (("a", a), ("b", b)):
        if not value.dtype.is_floating_point:
            raise TypeError(f"{name} must be a floating-point tensor; got dtype {value.dtype}")
        if value.dim() == 0:
            raise ValueError(f"{name} must have shape (..., d); got a scalar")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"a and b must have the same last dimension d; got {tuple(a.shape)} and {tuple(b.shape)}")
    dot = (a * b).sum(dim=-1)
    norms = a.norm(dim=-1).clamp(min=eps) * b.norm(dim=-1).clamp(min=eps)
    return dot / norms


def _check_vectors(vectors: Any, vocab: Vocabulary) -> Tensor:
    _check_float_matrix(vectors, "vectors")
    if not isinstance(vocab, Vocabulary):
        raise TypeError(f"vocab must be a lmkit.embeddings.Vocabulary; got {type(vocab).__name__}")
    if vectors.shape[0] != len(vocab):
        raise ValueError(f"vectors must have one row per word, shape ({len(vocab)}, d); got {tuple(vectors.shape)}")
    return vectors


def _top_k(scores: Tensor, vocab: Vocabulary, k: int, exclude_ids: Iterable[int]) -> list[tuple[str, float]]:
    """The ``k`` best-scoring words of a (V,) score vector, skipping ``exclude_ids``."""
    scores = scores.clone()
    excluded = sorted(set(exclude_ids))
    if excluded:
        scores[torch.tensor(excluded, device=scores.device)] = -math.inf
    k = min(k, len(vocab) - len(excluded))
    if k <= 0:
        return []
    values, indices = scores.topk(k)
    return [(vocab.itos[i], float(v)) for v, i in zip(values.tolist(), indices.tolist())]


def nearest_neighbours(
    vectors: Tensor, vocab: Vocabulary, query: str | Tensor, k: int = 5, *, exclude: Iterable[str] = ()
) -> list[tuple[str, float]]:
    """The ``k`` words whose vectors have the highest cosine similarity to ``query``.

    vectors: (V, d); query: a word (which is then excluded from its own neighbours)
    or a (d,) vector. ``exclude`` names more words to skip. Returns up to k
    (word, similarity) pairs, most similar first.
    """
    _check_vectors(vectors, vocab)
    _check_positive_int(k, "k")
    if isinstance(exclude, str):
        exclude = (exclude,)
    exclude_ids = [vocab.index(word) for word in exclude]
    if isinstance(query, str):
        exclude_ids.append(vocab.index(query))
        query_vector = vectors[vocab.index(query)]
    elif isinstance(query, Tensor):
        if query.shape != (vectors.shape[1],):
            raise ValueError(f"a query vector must have shape ({vectors.shape[1]},); got {tuple(query.shape)}")
        query_vector = query.to(vectors.device, vectors.dtype)
    else:
        raise TypeError(f"query must be a word (str) or a (d,) tensor; got {type(query).__name__}")
    return _top_k(cosine_similarity(vectors, query_vector), vocab, k, exclude_ids)


def _unit_rows(vectors: Tensor) -> Tensor:
    return vectors / vectors.norm(dim=-1, keepdim=True).clamp(min=1e-8)


def analogy(vectors: Tensor, vocab: Vocabulary, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
    """Answer "a is to b as c is to ?" with 3CosAdd.

    All vectors are normalised to unit length, the target is t = b̂ − â + ĉ and the
    answer is the word d (other than a, b, c) maximising cos(d̂, t). Returns the k
    best (word, cosine) pairs. Example: analogy(V, vocab, "france", "paris",
    "japan") should give "tokyo".
    """
    _check_vectors(vectors, vocab)
    _check_positive_int(k, "k")
    ids = [vocab.index(word) for word in (a, b, c)]
    unit = _unit_rows(vectors)
    target = unit[ids[1]] - unit[ids[0]] + unit[ids[2]]
    return _top_k(cosine_similarity(unit, target), vocab, k, ids)


@dataclass
class AnalogyReport:
    """Result of :func:`evaluate_analogies`.

    accuracy: fraction of answerable questions whose top 3CosAdd answer is right (NaN
    if none was answerable); per_relation: the same per relation name; correct/total:
    the counts behind ``accuracy``; skipped: questions with a word missing from the
    vocabulary.
    """

    accuracy: float
    per_relation: dict[str, float] = field(default_factory=dict)
    correct: int = 0
    total: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        lines = [f"analogy accuracy: {self.accuracy:.1%} ({self.correct}/{self.total}, {self.skipped} skipped)"]
        lines += [f"  {name:<20} {value:.1%}" for name, value in sorted(self.per_relation.items())]
        return "\n".join(lines)


def _question_fields(question: Any) -> tuple[str, str, str, str, str]:
    """(a, b, c, d, relation) from an object with those attributes or a 4-/5-tuple."""
    if all(hasattr(question, name) for name in ("a", "b", "c", "d")):
        return question.a, question.b, question.c, question.d, str(getattr(question, "relation", "all"))
    if isinstance(question, (tuple, list)) and len(question) in (4, 5):
        relation = str(question[4]) if len(question) == 5 else "all"
        return question[0], question[1], question[2], question[3], relation
    raise TypeError(f"an analogy question must have fields a, b, c, d (and relation) or be a 4/5-tuple; got {question!r}")


def evaluate_analogies(vectors: Tensor, vocab: Vocabulary, questions: Iterable[Any]) -> AnalogyReport:
    """Score 3CosAdd on analogy questions "a : b :: c : d".

    vectors: (V, d). Each question is an object with attributes a, b, c, d, relation
    (like lmkit.data's ``Analogy``) or a tuple (a, b, c, d[, relation]). A question
    is right when d is the top answer of :func:`analogy`. Questions with a word not
    in ``vocab`` are counted in ``skipped``. All questions are scored in one batch.
    """
    _check_vectors(vectors, vocab)
    questions = [_question_fields(q) for q in questions]
    if not questions:
        raise ValueError("evaluate_analogies needs at least one question; got none")
    answerable = [q for q in questions if all(word in vocab for word in q[:4])]
    skipped = len(questions) - len(answerable)
    if not answerable:
        return AnalogyReport(accuracy=math.nan, skipped=skipped)
    ids = torch.tensor([[vocab.stoi[w] for w in q[:4]] for q in answerable], device=vectors.device)  # (Q, 4)
    unit = _unit_rows(vectors)
    targets = unit[ids[:, 1]] - unit[ids[:, 0]] + unit[ids[:, 2]]  # (Q, d)
    scores = _unit_rows(targets) @ unit.T  # (Q, V): cosines, since every row is unit length
    scores.scatter_(1, ids[:, :3], -math.inf)  # the question words are not allowed as answers
    hits = scores.argmax(dim=1) == ids[:, 3]
    per_relation: dict[str, list[bool]] = {}
    for question, hit in zip(answerable, hits.tolist()):
        per_relation.setdefault(question[4], []).append(hit)
    correct = int(hits.sum())
    return AnalogyReport(
        accuracy=correct / len(answerable),
        per_relation={name: sum(h) / len(h) for name, h in per_relation.items()},
        correct=correct,
        total=len(answerable),
        skipped=skipped,
    )


def project_2d(vectors: Tensor) -> Tensor:
    """Project (N, d) vectors onto their first two principal components: (N, 2).

    PCA via SVD: centre the rows, take the SVD X = U S Vᵀ and return X V[:, :2]
    (= U[:, :2] S[:2]). Axis signs are fixed (largest entry positive) for
    reproducible plots.
    """
    _check_float_matrix(vectors, "vectors")
    if vectors.shape[0] < 2 or vectors.shape[1] < 2:
        raise ValueError(f"project_2d needs at least 2 vectors of dimension >= 2, shape (N, d); got {tuple(vectors.shape)}")
    centred = vectors - vectors.mean(dim=0, keepdim=True)
    u, s, _ = torch.linalg.svd(centred, full_matrices=False)
    return _fix_signs(u[:, :2] * s[:2])
