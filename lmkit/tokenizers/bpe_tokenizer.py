"""GPT-2's byte-level BPE tokeniser: encode, decode, and GPT-2's vocab.json + merges.txt.

Backs 04 §1 (the tokeniser the pre-training notebook trains) and 02 §8 / 04 §8
(real GPT-2 files through :func:`lmkit.hub.load_gpt2`). The merges themselves are
learnt by :func:`lmkit.tokenizers.bpe.learn_merges`; this class applies them.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from lmkit._validate import int_list as _int_list
from lmkit.tokenizers.bpe import _merge_symbols, learn_merges
from lmkit.tokenizers.pretokenize import ENDOFTEXT, GPT2_SPLIT_PATTERN, _regex_module, _special_pattern, bytes_to_unicode

_NO_RANK = float("inf")


class BPETokenizer:
    """Byte-level byte-pair encoding, as in GPT-2.

    Text is cut into pre-tokens with :data:`GPT2_SPLIT_PATTERN`; each pre-token
    is turned into its UTF-8 bytes, and learned merges are applied to adjacent
    pairs by rank (the merge learned first is applied first). Because the
    starting alphabet is all 256 bytes, every string can be encoded: there is
    no unknown token.

    Tokens are stored as strings in GPT-2's printable byte alphabet (see
    :func:`bytes_to_unicode`), exactly as they appear in GPT-2's vocab.json.
    A tokenizer trained here gives ids 0..255 to the bytes (id = byte value),
    then one id per new token in the order merges created it, then the
    special tokens.

    Attributes: ``encoder`` (token string -> id), ``decoder`` (id -> token
    string), ``merges`` (list of token-string pairs, in rank order) and
    ``special_tokens`` (special token -> id).
    """

    def __init__(
        self,
        encoder: dict[str, int],
        merges: Sequence[tuple[str, str]],
        special_tokens: dict[str, int] | None = None,
    ) -> None:
        if not isinstance(encoder, dict) or not encoder:
            raise ValueError(f"encoder must be a non-empty dict token -> id; got {encoder!r:.80}")
        ids = sorted(encoder.values())
        if ids != list(range(len(ids))):
            raise ValueError(f"vocabulary ids must be exactly 0..{len(ids) - 1}, each once; got ids from {ids[0]} to {ids[-1]}")
        self.encoder: dict[str, int] = dict(encoder)
        self.decoder: dict[int, str] = {i: s for s, i in self.encoder.items()}
        self.merges: list[tuple[str, str]] = []
        for pair in merges:
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise ValueError(f"each merge must be a pair of token strings; got {pair!r}")
            a, b = pair
            for piece in (a, b, a + b):
                if piece not in self.encoder:
                    raise ValueError(f"merge {a!r} + {b!r} uses token {piece!r}, which is not in the vocabulary")
            self.merges.append((a, b))
        # A lower rank means the merge was learned earlier and is applied first.
        self.bpe_ranks: dict[tuple[str, str], int] = {}
        for rank, pair in enumerate(self.merges):
            self.bpe_ranks.setdefault(pair, rank)

        special_tokens = dict(special_tokens or {})
        for token, i in special_tokens.items():
            if self.encoder.get(token) != i:
                raise ValueError(f"special token {token!r} must be in the vocabulary with id {i}; got {self.encoder.get(token)}")
        self.special_tokens: dict[str, int] = special_tokens
        self._special_id_set = set(special_tokens.values())

        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {ch: b for b, ch in self.byte_encoder.items()}
        self._split_regex = _regex_module().compile(GPT2_SPLIT_PATTERN)
        self._cache: dict[str, list[int]] = {}

    # -- properties ------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        return len(self.encoder)

    @property
    def eos_token_id(self) -> int | None:
        """Id of ``<|endoftext|>``, GPT-2's end-of-text token, or None if absent."""
        return self.special_tokens.get(ENDOFTEXT)

    def __repr__(self) -> str:
        return f"BPETokenizer(vocab_size={self.vocab_size}, merges={len(self.merges)}, special_tokens={list(self.special_tokens)})"

    # -- training --------------------------------------------------------

    @classmethod
    def train(
        cls,
        text: str,
        vocab_size: int,
        *,
        special_tokens: Sequence[str] = (ENDOFTEXT,),
        verbose: bool = False,
    ) -> "BPETokenizer":
        """Learn merges from ``text`` until the vocabulary has ``vocab_size`` tokens.

        The vocabulary is 256 bytes + one new token per merge + the special
        tokens, so ``vocab_size`` must be at least ``256 + len(special_tokens)``
        (ValueError otherwise). Training stops early if no pair is left.

        Merges never cross pre-token boundaries, so we only need each distinct
        pre-token ("word") once, with its count. Special tokens are cut out of
        the text first and never take part in merges.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be str; got {type(text).__name__}")
        if isinstance(special_tokens, str):
            raise TypeError(f"special_tokens must be a sequence of str; got the str {special_tokens!r}")
        specials = list(dict.fromkeys(special_tokens))
        for s in specials:
            if not isinstance(s, str) or not s:
                raise TypeError(f"special tokens must be non-empty str; got {s!r}")
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
            raise TypeError(f"vocab_size must be an int; got {type(vocab_size).__name__}")
        smallest = 256 + len(specials)
        if vocab_size < smallest:
            raise ValueError(
                f"vocab_size must be at least 256 bytes + {len(specials)} special tokens = {smallest}; got {vocab_size}"
            )
        encoder, merges, special_ids = learn_merges(text, vocab_size, specials, verbose=verbose)
        return cls(encoder, merges, special_ids)

    # -- encoding and decoding ------------------------------------------

    def _bpe(self, word: str) -> list[int]:
        """Ids of one pre-token: its bytes, merged by rank (cached)."""
        if word in self._cache:
            return self._cache[word]
        symbols = [self.byte_encoder[b] for b in word.encode("utf-8")]
        while len(symbols) > 1:
            # Apply the earliest-learned merge present, everywhere in the word.
            ranked = [(self.bpe_ranks.get(p, _NO_RANK), p) for p in zip(symbols, symbols[1:])]
            rank, pair = min(ranked)
            if rank == _NO_RANK:
                break
            symbols = _merge_symbols(symbols, pair, pair[0] + pair[1])
        ids = []
        for s in symbols:
            if s in self.encoder:
                ids.append(self.encoder[s])
            elif self.eos_token_id is not None:
                ids.append(self.eos_token_id)  # GPT-2's unknown token, as in Hugging Face
            else:
                raise ValueError(f"piece {s!r} of {word!r} is not in the vocabulary and there is no {ENDOFTEXT} to use instead")
        if len(self._cache) < 100_000:
            self._cache[word] = ids
        return ids

    def encode(self, text: str, *, allowed_special: str | Iterable[str] = "all") -> list[int]:
        """Encode ``text`` to ids.

        ``allowed_special`` says which special tokens written in the text are
        read as their single id: "all", "none", or a set of them. Others are
        encoded as ordinary text.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be str; got {type(text).__name__}")
        if allowed_special == "all":
            allowed = list(self.special_tokens)
        elif allowed_special == "none":
            allowed = []
        elif isinstance(allowed_special, str):
            raise ValueError(f'allowed_special must be "all", "none" or a set of special tokens; got {allowed_special!r}')
        else:
            allowed = list(allowed_special)
            unknown = [s for s in allowed if s not in self.special_tokens]
            if unknown:
                raise ValueError(f"allowed_special lists {unknown}, which are not special tokens; expected some of {list(self.special_tokens)}")
        regex = _regex_module()
        # With capturing parentheses, re.split keeps the specials: every odd piece is one.
        pieces = regex.split("(" + _special_pattern(allowed) + ")", text) if allowed else [text]
        ids: list[int] = []
        for k, piece in enumerate(pieces):
            if k % 2 == 1:
                ids.append(self.special_tokens[piece])
            else:
                for word in self._split_regex.findall(piece):
                    ids.extend(self._bpe(word))
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """Turn ids back into text; invalid UTF-8 becomes U+FFFD."""
        ids = _int_list("ids", ids)
        data = bytearray()
        for i in ids:
            if not 0 <= i < self.vocab_size:
                raise ValueError(f"id {i} out of range; expected 0 <= id < {self.vocab_size} for every entry of ids")
            token = self.decoder[i]
            if i in self._special_id_set:
                data.extend(token.encode("utf-8"))
            else:
                data.extend(self.byte_decoder[ch] for ch in token)
        return data.decode("utf-8", errors="replace")

    # -- files -------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Write GPT-2's vocab.json and merges.txt into ``directory``; returns it."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / "vocab.json", "w", encoding="utf-8") as f:
            json.dump(self.encoder, f, ensure_ascii=False)
        with open(directory / "merges.txt", "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n")
            for a, b in self.merges:
                f.write(f"{a} {b}\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> "BPETokenizer":
        """Read a tokenizer written by :meth:`save` (or any GPT-2 tokenizer directory)."""
        directory = Path(directory)
        return cls.from_gpt2_files(directory / "vocab.json", directory / "merges.txt")

    @classmethod
    def from_gpt2_files(cls, vocab_json_path: str | Path, merges_txt_path: str | Path) -> "BPETokenizer":
        """Read GPT-2's vocab.json and merges.txt.

        Special tokens are the vocabulary entries that are neither a single
        byte character nor made by a merge (in GPT-2: ``<|endoftext|>``).
        """
        with open(vocab_json_path, encoding="utf-8") as f:
            encoder = json.load(f)
        if not isinstance(encoder, dict):
            raise ValueError(f"{str(vocab_json_path)!r} must hold a JSON object token -> id; got {type(encoder).__name__}")
        merges = []
        with open(merges_txt_path, encoding="utf-8") as f:
            for line_no, line in enumerate(f, start=1):
                line = line.rstrip("\r\n")
                if (line_no == 1 and line.startswith("#version")) or not line:
                    continue
                parts = line.split(" ")
                if len(parts) != 2:
                    raise ValueError(f"{str(merges_txt_path)!r} line {line_no}: expected two tokens separated by one space; got {line!r}")
                merges.append((parts[0], parts[1]))
        byte_chars = set(bytes_to_unicode().values())
        made = {a + b for a, b in merges}
        specials = {t: i for t, i in encoder.items() if t not in byte_chars and t not in made}
        return cls(encoder, merges, specials)
