"""BERT's WordPiece tokeniser (reads vocab.txt), matching ``transformers.BertTokenizer``.

Backs 04 §3 (the BERT of masked language modelling), 05 §1 (the toy BERT's
tokeniser, :mod:`lmkit.hub.toy`) and 05 §6 (all-MiniLM-L6-v2's vocab.txt).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

from lmkit._validate import int_list as _int_list
from lmkit.tokenizers.pretokenize import _is_cjk, _is_control, _is_punctuation, _is_whitespace, _regex_module, _special_pattern


class WordPieceTokenizer:
    """BERT's WordPiece tokeniser (uncased by default), as in ``transformers.BertTokenizer``.

    Two stages:

    1. Basic tokenisation: drop control characters, turn whitespace into
       spaces, put spaces around CJK characters (each becomes a word),
       lowercase and strip accents, then split on whitespace and punctuation.
    2. WordPiece: cut each word greedily into the longest vocabulary pieces,
       left to right; pieces after the first carry the prefix ``##``. A word
       with no such cut (or longer than 100 characters) becomes ``[UNK]``.

    ``encode`` adds ``[CLS] A [SEP]`` (or ``[CLS] A [SEP] B [SEP]`` for a pair);
    calling the tokenizer on a batch pads it and returns ``input_ids``,
    ``token_type_ids`` and ``attention_mask``.
    """

    unk_token, cls_token, sep_token, pad_token, mask_token = "[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"

    def __init__(
        self,
        vocab: Sequence[str] | Mapping[str, int],
        *,
        lowercase: bool = True,
        max_input_chars_per_word: int = 100,
        model_max_length: int = 512,
    ) -> None:
        if isinstance(vocab, Mapping):
            items = sorted(vocab.items(), key=lambda kv: kv[1])
            if [i for _, i in items] != list(range(len(items))):
                raise ValueError(f"vocabulary ids must be exactly 0..{len(items) - 1}, each once")
            tokens = [t for t, _ in items]
        elif isinstance(vocab, Sequence) and not isinstance(vocab, str):
            tokens = list(vocab)
        else:
            raise TypeError(f"vocab must be a list of tokens or a dict token -> id; got {type(vocab).__name__}")
        if self.unk_token not in tokens:
            raise ValueError(f"vocabulary must contain the unknown token {self.unk_token!r}; got {len(tokens)} tokens without it")
        self.ids_to_tokens: list[str] = tokens
        # Like Hugging Face, a token listed twice keeps its last id.
        self.vocab: dict[str, int] = {t: i for i, t in enumerate(tokens)}
        self.lowercase = lowercase
        self.max_input_chars_per_word = max_input_chars_per_word
        self.model_max_length = model_max_length
        self.all_special_tokens = [
            t for t in (self.unk_token, self.sep_token, self.pad_token, self.cls_token, self.mask_token) if t in self.vocab
        ]
        self._special_ids = {self.vocab[t] for t in self.all_special_tokens}

    @classmethod
    def from_vocab_file(cls, path: str | Path, *, lowercase: bool = True, **kwargs) -> "WordPieceTokenizer":
        """Read BERT's vocab.txt: one token per line, the id is the line number (from 0)."""
        with open(path, encoding="utf-8") as f:
            tokens = [line.rstrip("\n") for line in f]
        return cls(tokens, lowercase=lowercase, **kwargs)

    def __repr__(self) -> str:
        return f"WordPieceTokenizer(vocab_size={self.vocab_size}, lowercase={self.lowercase})"

    # -- ids of the special tokens ---------------------------------------

    @property
    def vocab_size(self) -> int:
        return len(self.ids_to_tokens)

    @property
    def unk_token_id(self) -> int:
        return self.vocab[self.unk_token]

    @property
    def cls_token_id(self) -> int | None:
        return self.vocab.get(self.cls_token)

    @property
    def sep_token_id(self) -> int | None:
        return self.vocab.get(self.sep_token)

    @property
    def pad_token_id(self) -> int | None:
        return self.vocab.get(self.pad_token)

    @property
    def mask_token_id(self) -> int | None:
        return self.vocab.get(self.mask_token)

    # -- stage 1: basic tokenisation ---------------------------------------

    def _basic_tokenize(self, text: str) -> list[str]:
        """Split text into words and punctuation marks (no vocabulary involved)."""
        cleaned = []
        for ch in text:
            if ch == "\x00" or ch == "\ufffd" or _is_control(ch):
                continue
            if _is_whitespace(ch):
                cleaned.append(" ")
            elif _is_cjk(ord(ch)):
                cleaned.append(f" {ch} ")  # Chinese has no spaces: each character is a word
            else:
                cleaned.append(ch)
        # NFC first, so "e" + combining accent and "é" are treated alike.
        text = unicodedata.normalize("NFC", "".join(cleaned))
        words = []
        for word in text.split():
            if self.lowercase:
                word = word.lower()
                # NFD splits "é" into "e" + U+0301; dropping nonspacing marks (Mn) leaves "e".
                word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
            words.extend(self._split_on_punctuation(word))
        return words

    @staticmethod
    def _split_on_punctuation(word: str) -> list[str]:
        """"don't!" -> ["don", "'", "t", "!"]: each punctuation mark is its own word."""
        pieces: list[str] = []
        current = ""
        for ch in word:
            if _is_punctuation(ch):
                if current:
                    pieces.append(current)
                pieces.append(ch)
                current = ""
            else:
                current += ch
        if current:
            pieces.append(current)
        return pieces

    # -- stage 2: WordPiece ------------------------------------------------

    def _wordpiece(self, word: str) -> list[str]:
        """Greedy longest-match-first: "unaffable" -> ["un", "##aff", "##able"]."""
        if len(word) > self.max_input_chars_per_word:
            return [self.unk_token]
        pieces = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    break
                end -= 1
            else:
                return [self.unk_token]  # some part matches nothing: the whole word is unknown
            pieces.append(piece)
            start = end
        return pieces

    def tokenize(self, text: str) -> list[str]:
        """Text -> WordPiece tokens. Special tokens written in the text (like "[MASK]") are kept whole."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str; got {type(text).__name__}")
        tokens: list[str] = []
        pattern = _special_pattern(self.all_special_tokens)
        pieces = _regex_module().split("(" + pattern + ")", text) if pattern else [text]
        for k, piece in enumerate(pieces):
            if k % 2 == 1:
                tokens.append(piece)
            else:
                for word in self._basic_tokenize(piece):
                    tokens.extend(self._wordpiece(word))
        return tokens

    # -- ids -----------------------------------------------------------------

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> int | list[int]:
        """Token(s) -> id(s); unknown tokens get ``unk_token_id``."""
        if isinstance(tokens, str):
            return self.vocab.get(tokens, self.unk_token_id)
        return [self.vocab.get(t, self.unk_token_id) for t in tokens]

    def convert_ids_to_tokens(self, ids: int | Sequence[int]) -> str | list[str]:
        """Id(s) -> token(s)."""
        if isinstance(ids, int) and not isinstance(ids, bool):
            return self.convert_ids_to_tokens([ids])[0]
        ids = _int_list("ids", ids)
        for i in ids:
            if not 0 <= i < self.vocab_size:
                raise ValueError(f"id {i} out of range; expected 0 <= id < {self.vocab_size} for every entry of ids")
        return [self.ids_to_tokens[i] for i in ids]

    def _special_ids_required(self) -> tuple[int, int]:
        if self.cls_token_id is None or self.sep_token_id is None:
            raise ValueError(f"adding special tokens needs {self.cls_token!r} and {self.sep_token!r} in the vocabulary")
        return self.cls_token_id, self.sep_token_id

    def _encode_with_types(
        self, text: str, text_pair: str | None, add_special_tokens: bool, max_length: int | None, truncation: bool
    ) -> tuple[list[int], list[int]]:
        """(input_ids, token_type_ids) for one text or text pair."""
        first = self.convert_tokens_to_ids(self.tokenize(text))
        second = self.convert_tokens_to_ids(self.tokenize(text_pair)) if text_pair is not None else None
        if truncation:
            max_length = self.model_max_length if max_length is None else max_length
            n_special = (2 if second is None else 3) if add_special_tokens else 0
            budget = max_length - n_special
            if budget < 0:
                raise ValueError(f"max_length must leave room for the {n_special} special tokens; got max_length={max_length}")
            # Longest first: drop the last token of the longer sequence (the
            # second one on a tie) until the pair fits.
            while len(first) + len(second or []) > budget:
                if second is None or len(first) > len(second):
                    first.pop()
                else:
                    second.pop()
        if not add_special_tokens:
            ids = first + (second or [])
            return ids, [0] * len(first) + [1] * len(second or [])
        cls_id, sep_id = self._special_ids_required()
        ids = [cls_id] + first + [sep_id]
        types = [0] * len(ids)
        if second is not None:
            ids += second + [sep_id]
            types += [1] * (len(second) + 1)
        return ids, types

    def encode(
        self,
        text: str,
        text_pair: str | None = None,
        *,
        add_special_tokens: bool = True,
        max_length: int | None = None,
        truncation: bool = False,
    ) -> list[int]:
        """Ids of ``[CLS] text [SEP]`` or ``[CLS] text [SEP] text_pair [SEP]``.

        With ``truncation``, the result has at most ``max_length`` ids; for a
        pair, tokens are dropped from the end of the longer text first.
        """
        if text_pair is not None and not isinstance(text_pair, str):
            raise TypeError(f"text_pair must be str or None; got {type(text_pair).__name__}")
        return self._encode_with_types(text, text_pair, add_special_tokens, max_length, truncation)[0]

    def __call__(
        self,
        texts: str | Sequence[str],
        text_pairs: str | Sequence[str] | None = None,
        *,
        padding: bool | str = False,
        truncation: bool = False,
        max_length: int | None = None,
        return_tensors: str | None = None,
        add_special_tokens: bool = True,
    ) -> dict:
        """Encode one text or a batch into ``input_ids``, ``token_type_ids``, ``attention_mask``.

        padding: False (none), True or "longest" (to the longest in the batch),
        "max_length" (to ``max_length``). Padding goes on the right, with
        ``[PAD]`` ids, token type 0 and attention mask 0.
        return_tensors: None for Python lists (flat lists for a single str),
        "pt" for torch tensors of shape (batch, length).
        """
        single = isinstance(texts, str)
        batch = [texts] if single else texts
        if not isinstance(batch, Sequence) or not all(isinstance(t, str) for t in batch):
            raise TypeError(f"texts must be a str or a list of str; got {type(texts).__name__}")
        if text_pairs is None:
            pairs = [None] * len(batch)
        else:
            pairs = [text_pairs] if isinstance(text_pairs, str) else text_pairs
            if single != isinstance(text_pairs, str) or len(pairs) != len(batch):
                raise ValueError(f"text_pairs must match texts: one str per text; got {len(pairs)} for {len(batch)} texts")
            if not all(isinstance(t, str) for t in pairs):
                raise TypeError("text_pairs must be str or a list of str")
        if padding not in (False, True, "longest", "max_length", "do_not_pad"):
            raise ValueError(f'padding must be False, True, "longest" or "max_length"; got {padding!r}')
        if return_tensors not in (None, "pt"):
            raise ValueError(f'return_tensors must be None or "pt"; got {return_tensors!r}')

        encoded = [self._encode_with_types(t, p, add_special_tokens, max_length, truncation) for t, p in zip(batch, pairs)]
        input_ids = [ids for ids, _ in encoded]
        token_type_ids = [types for _, types in encoded]
        attention_mask = [[1] * len(ids) for ids in input_ids]

        if padding in (True, "longest", "max_length"):
            if padding == "max_length":
                target = self.model_max_length if max_length is None else max_length
            else:
                target = max((len(ids) for ids in input_ids), default=0)
            if self.pad_token_id is None:
                raise ValueError(f"padding needs {self.pad_token!r} in the vocabulary")
            for ids, types, mask in zip(input_ids, token_type_ids, attention_mask):
                n_pad = max(target - len(ids), 0)
                ids.extend([self.pad_token_id] * n_pad)
                types.extend([0] * n_pad)
                mask.extend([0] * n_pad)

        out = {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": attention_mask}
        if return_tensors == "pt":
            import torch  # only here, so the module itself does not need torch

            if len({len(ids) for ids in input_ids}) > 1:
                raise ValueError("sequences have different lengths; pass padding=True to make a tensor")
            return {k: torch.tensor(v, dtype=torch.long) for k, v in out.items()}
        if single:
            return {k: v[0] for k, v in out.items()}
        return out

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        """Join tokens back into text.

        "##" pieces are glued to the token before; other tokens are separated
        by a space. As Hugging Face's BertTokenizer (transformers 5) does, a
        space is removed before ".", "?", "!" and "," (checked token by token).
        Lowercasing and removed accents are not undone.
        """
        tokens = self.convert_ids_to_tokens(_int_list("ids", ids))
        if skip_special_tokens:
            tokens = [t for t in tokens if self.vocab.get(t) not in self._special_ids]
        text = []
        for k, token in enumerate(tokens):
            if k > 0:
                token = token[2:] if token.startswith("##") else " " + token
            text.append(_cleanup_wordpiece(token))
        return "".join(text)


def _cleanup_wordpiece(token: str) -> str:
    """Hugging Face's clean-up of tokenization spaces, applied to one decoded token."""
    for spaced, tight in (
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
        (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ):
        token = token.replace(spaced, tight)
    return token
