"""Words to ids and back, and one-hot codes.

Backs 01 §1 (from text to ids) and 01 §2 (one-hot codes and embedding look-ups,
Exercise 1 ``one_hot``). A :class:`Vocabulary` maps words to integer ids;
``one_hot(ids, V)`` turns ids into (..., V) indicator vectors; multiplying one by an
embedding matrix ``E`` (V, d) just picks out a row, which is why an embedding
layer is a table look-up ``E[ids]``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import torch
from torch import Tensor

from lmkit._validate import ArgumentTypeError, positive_int, word_sequence
from lmkit.embeddings._checks import _check_ids


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
        positive_int("min_count", min_count)
        word_sequence("tokens", tokens)  # a str would be counted one character at a time
        if not isinstance(tokens, Iterable):
            raise ArgumentTypeError(f"tokens must be a list of words (or of word lists); got {type(tokens).__name__}")
        counter: Counter[str] = Counter()
        for item in tokens:
            if not isinstance(item, (str, Sequence)):
                raise ArgumentTypeError(f"tokens must be strings (or lists of strings); got {type(item).__name__}")
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
            raise ValueError("tokens is empty: cannot build a vocabulary from an empty corpus")
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

    def index(self, word: str, *, name: str = "word") -> int:
        """The id of ``word``; raises UnknownWordError (a KeyError and ValueError) if absent.

        ``name`` is the argument the word came from, for the error message.
        """
        if not isinstance(word, str):
            raise TypeError(f"{name} must be a str (a word); got {type(word).__name__}")
        if word not in self.stoi:
            where = "" if name == "word" else f"{name}: "
            raise UnknownWordError(f"{where}word {word!r} is not in the vocabulary ({len(self)} words)")
        return self.stoi[word]

    def encode(self, tokens: Sequence[str]) -> Tensor:
        """Map a list of words to a (N,) int64 tensor of ids (an unknown word raises)."""
        if isinstance(tokens, str):
            raise TypeError("tokens must be a list of words: encode expects a list of words, got a str "
                            "(split it first, e.g. with str.split())")
        return torch.tensor([self.index(word, name=f"tokens[{i}]") for i, word in enumerate(tokens)], dtype=torch.long)

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
    positive_int("vocab_size", vocab_size)
    _check_ids(ids, "ids", vocab_size=vocab_size)
    codes = torch.zeros(*ids.shape, vocab_size, dtype=torch.float32, device=ids.device)
    return codes.scatter_(-1, ids.long().unsqueeze(-1), 1.0)
