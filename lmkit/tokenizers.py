"""Tokenisers: turn text into integer ids and back.

- ``CharTokenizer``: one id per character.
- ``count_pairs`` / ``merge_pair``: the two steps of byte-pair encoding (BPE),
  for teaching.
- ``BPETokenizer``: byte-level BPE as in GPT-2 (train, encode, decode, read
  and write GPT-2's vocab.json + merges.txt).
- ``WordPieceTokenizer``: BERT's uncased WordPiece tokeniser (reads vocab.txt).

Pure Python (plus the ``regex`` package for GPT-2's pattern); torch is only
imported when a caller asks for tensors.
"""
from __future__ import annotations

import heapq
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path


def _check_ids(ids: Sequence[int], name: str = "ids") -> list[int]:
    """Return ``ids`` as a list after checking it is a sequence of ints."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Sequence):
        raise TypeError(f"{name} must be a list of int; got {type(ids).__name__}")
    for i in ids:
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(f"{name} must contain only int; got {type(i).__name__} ({i!r})")
    return list(ids)


def count_pairs(ids: Sequence[int]) -> dict[tuple[int, int], int]:
    """Count how often each adjacent pair occurs in ``ids``.

    Example: ``[1, 2, 1, 2]`` -> ``{(1, 2): 2, (2, 1): 1}``.
    """
    ids = _check_ids(ids)
    counts: dict[tuple[int, int], int] = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge_pair(ids: Sequence[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every non-overlapping occurrence of ``pair`` (left to right) by ``new_id``.

    Example: ``merge_pair([1, 2, 1, 2, 3], (1, 2), 9)`` -> ``[9, 9, 3]``.
    """
    ids = _check_ids(ids)
    if not (isinstance(pair, tuple) and len(pair) == 2):
        raise ValueError(f"pair must be a tuple of two ints; got {pair!r}")
    _check_ids(list(pair), "pair")
    merged: list[int] = []
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            merged.append(new_id)
            i += 2  # both halves consumed: pairs never overlap
        else:
            merged.append(ids[i])
            i += 1
    return merged


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
        ids = _check_ids(ids)
        for i in ids:
            if not 0 <= i < self.vocab_size:
                raise ValueError(f"id {i} out of range; expected 0 <= id < {self.vocab_size}")
        return "".join(self.itos[i] for i in ids)


# ----------------------------------------------------------------------------
# Byte-level BPE (GPT-2)
# ----------------------------------------------------------------------------

# GPT-2's pre-tokenisation pattern: common English contractions, runs of
# letters, runs of digits and runs of other symbols (each optionally led by one
# space), then whitespace. ``\s+(?!\S)`` leaves the last space of a run of
# spaces to be glued to the following word, so " world" stays one piece.
GPT2_SPLIT_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

ENDOFTEXT = "<|endoftext|>"


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's table from the 256 byte values to 256 printable characters.

    Token strings in GPT-2's vocab.json / merges.txt are written with these
    characters so that every token is visible text without spaces or control
    characters. Printable Latin-1 bytes map to themselves; the other 68 bytes
    (controls, space, ...) are moved to the characters 256, 257, ... in order.
    So the space byte becomes "Ġ" and newline becomes "Ċ".
    """
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    table: dict[int, str] = {b: chr(b) for b in printable}
    shifted = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + shifted)
            shifted += 1
    return dict(sorted(table.items()))


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
        regex = _regex_module()

        # 1. Count distinct pre-tokens, each as a list of byte ids.
        chunks = regex.split(_special_pattern(specials), text) if specials else [text]
        split = regex.compile(GPT2_SPLIT_PATTERN)
        word_counts: dict[str, int] = {}
        for chunk in chunks:
            for word in split.findall(chunk):
                word_counts[word] = word_counts.get(word, 0) + 1
        words = [list(w.encode("utf-8")) for w in word_counts]
        freqs = list(word_counts.values())

        # 2. Count all adjacent pairs once, remembering which words hold each pair.
        pair_counts: dict[tuple[int, int], int] = {}
        where: dict[tuple[int, int], set[int]] = {}
        for w, (symbols, freq) in enumerate(zip(words, freqs)):
            for pair in zip(symbols, symbols[1:]):
                pair_counts[pair] = pair_counts.get(pair, 0) + freq
                where.setdefault(pair, set()).add(w)

        # 3. Merge the most frequent pair, again and again.
        #
        # Incremental updates: merging a pair only changes the words that
        # contain it, which ``where`` lists. For those words alone we take
        # away the counts of their old pairs and add those of their new
        # pairs; every other count stays valid.
        #
        # The most frequent pair comes from a heap of (-count, pair) entries
        # that may be out of date ("lazy deletion"): when a count grows we push
        # a new entry; when it shrinks we leave the old one, and a popped entry
        # whose count no longer matches is pushed back with the right count.
        #
        # Ties: the heap orders equal counts by the pair of ids, so the pair
        # with the smallest (first id, second id) wins. Ids are bytes or
        # earlier merges, so training is deterministic (no dict/set order).
        heap = [(-count, pair) for pair, count in pair_counts.items()]
        heapq.heapify(heap)
        vocab: dict[int, bytes] = {b: bytes([b]) for b in range(256)}
        id_of: dict[bytes, int] = {v: k for k, v in vocab.items()}
        merges: list[tuple[int, int]] = []
        merged: dict[tuple[int, int], int] = {}
        n_new = vocab_size - smallest
        while len(vocab) - 256 < n_new and heap:
            neg_count, pair = heapq.heappop(heap)
            count = pair_counts.get(pair, 0)
            if count != -neg_count:
                if count > 0:
                    heapq.heappush(heap, (-count, pair))  # stale entry: put it back with its true count
                continue
            new_bytes = vocab[pair[0]] + vocab[pair[1]]
            if pair in merged:
                new_id = merged[pair]  # the pair came back after an earlier merge; reuse it
            elif new_bytes in id_of:
                # Two merge paths can spell the same bytes ("a"+"bc", "ab"+"c"):
                # keep one token for them, as the vocabulary is keyed by string.
                new_id = id_of[new_bytes]
                merges.append(pair)
            else:
                new_id = len(vocab)
                vocab[new_id], id_of[new_bytes] = new_bytes, new_id
                merges.append(pair)
            merged[pair] = new_id
            if verbose:
                print(f"merge {len(merges)}: {pair} -> {new_id} {new_bytes!r} ({count} occurrences)")

            for w in where.pop(pair):
                old, freq = words[w], freqs[w]
                new = _merge_symbols(old, pair, new_id)
                words[w] = new
                delta: dict[tuple[int, int], int] = {}
                for p in zip(old, old[1:]):
                    delta[p] = delta.get(p, 0) - freq
                for p in zip(new, new[1:]):
                    delta[p] = delta.get(p, 0) + freq
                new_pairs = set(zip(new, new[1:]))
                for p, d in delta.items():
                    if p not in new_pairs and p in where:
                        where[p].discard(w)
                    if d == 0:
                        continue
                    pair_counts[p] = pair_counts.get(p, 0) + d
                    if d > 0:
                        where.setdefault(p, set()).add(w)
                        heapq.heappush(heap, (-pair_counts[p], p))
        if verbose and len(vocab) - 256 < n_new:
            print(f"stopped early: no pairs left to merge after {len(merges)} merges")

        # 4. Write tokens as GPT-2 strings; specials get the last ids.
        to_str = bytes_to_unicode()
        token_str = {i: "".join(to_str[b] for b in bs) for i, bs in vocab.items()}
        encoder = {token_str[i]: i for i in range(len(vocab))}
        special_ids = {}
        for s in specials:
            if s in encoder:
                raise ValueError(f"special token {s!r} is also an ordinary token of the trained vocabulary")
            special_ids[s] = encoder[s] = len(encoder)
        str_merges = [(token_str[a], token_str[b]) for a, b in merges]
        return cls(encoder, str_merges, special_ids)

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
        ids = _check_ids(ids)
        data = bytearray()
        for i in ids:
            if not 0 <= i < self.vocab_size:
                raise ValueError(f"id {i} out of range; expected 0 <= id < {self.vocab_size}")
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


_NO_RANK = float("inf")


def _regex_module():
    """The ``regex`` package: GPT-2's pattern needs ``\\p{L}`` classes, which ``re`` lacks."""
    try:
        import regex
    except ImportError as error:  # pragma: no cover - regex is a dependency
        raise ImportError("BPETokenizer needs the 'regex' package: pip install regex") from error
    return regex


def _special_pattern(specials: Iterable[str]) -> str:
    """A regex alternation of the special tokens, longest first so none hides a longer one."""
    import re

    return "|".join(re.escape(s) for s in sorted(specials, key=len, reverse=True))


def _merge_symbols(symbols: list, pair: tuple, new_symbol) -> list:
    """``merge_pair`` without the checks, for ids or strings (used in hot loops)."""
    merged = []
    i, n = 0, len(symbols)
    while i < n:
        if i + 1 < n and symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
            merged.append(new_symbol)
            i += 2
        else:
            merged.append(symbols[i])
            i += 1
    return merged


# ----------------------------------------------------------------------------
# WordPiece (BERT)
# ----------------------------------------------------------------------------


def _is_whitespace(ch: str) -> bool:
    """Space, tab, newline, carriage return and Unicode space separators (Zs)."""
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    """Control and other "C*" characters; tab/newline/CR count as whitespace instead."""
    return ch not in "\t\n\r" and unicodedata.category(ch).startswith("C")


def _is_punctuation(ch: str) -> bool:
    """ASCII symbols (like "$", "^", "`", not only Unicode punctuation) and all Unicode P* characters."""
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    """CJK Unified Ideographs (and extensions, compatibility blocks), as BERT defines them."""
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


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
        ids = _check_ids(ids)
        for i in ids:
            if not 0 <= i < self.vocab_size:
                raise ValueError(f"id {i} out of range; expected 0 <= id < {self.vocab_size}")
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
        tokens = self.convert_ids_to_tokens(_check_ids(ids))
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
