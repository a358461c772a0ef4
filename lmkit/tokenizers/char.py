"""Character-level tokenisation: one id per character.

Backs 01 §1 (from text to ids) and the toy GPT of 03 §7 and 04 §7
(:mod:`lmkit.training.ddp`). The simplest tokeniser, and the baseline the subword
tokenisers of :mod:`lmkit.tokenizers.bpe` and :mod:`lmkit.tokenizers.wordpiece`
improve on.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from lmkit._validate import int_list as _int_list


class CharTokenizer:
    """One id per character; the vocabulary is the set of characters seen.

    Special tokens (e.g. ``"<unk>"``) come first in the vocabulary. If the
    special token ``"<unk>"`` exists, unknown characters map to it; otherwise
    they raise ``ValueError``.
    """

    unk_token = "<unk>"

    def __init__(self, itos: Sequence[str]) -> None:
        if len(itos) == 0:
            raise ValueError("vocabulary must not be empty; got 0 tokens")
        if len(set(itos)) != len(itos):
            raise ValueError("vocabulary tokens must be unique")
        self.itos: list[str] = list(itos)
        self.stoi: dict[str, int] = {s: i for i, s in enumerate(self.itos)}

    @classmethod
    def from_text(cls, text: str, *, special_tokens: Iterable[str] = ()) -> "CharTokenizer":
        """Build the vocabulary: special tokens, then the sorted distinct characters of ``text``."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str; got {type(text).__name__}")
        specials = list(special_tokens)
        chars = sorted(set(text) - set(specials))
        return cls(specials + chars)

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        """Map each character of ``text`` to its id."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str; got {type(text).__name__}")
        unk_id = self.stoi.get(self.unk_token)
        ids = []
        for ch in text:
            if ch in self.stoi:
                ids.append(self.stoi[ch])
            elif unk_id is not None:
                ids.append(unk_id)
            else:
                raise ValueError(f"unknown character {ch!r}; expected one of the {self.vocab_size} vocabulary characters")
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """Join the tokens of ``ids`` back into a string."""
        ids = _int_list("ids", ids)
        for i in ids:
            if not 0 <= i < self.vocab_size:
                raise ValueError(f"id {i} out of range; expected 0 <= id < {self.vocab_size} for every entry of ids")
        return "".join(self.itos[i] for i in ids)
