"""Pre-tokenisation: how text is cut into the pieces a subword tokeniser works on.

Backs 04 §1 (a tokeniser for pre-training) and the tokenisers of 02 §8 and 05 §6.
Both subword tokenisers first cut text before any merging happens:

* GPT-2 (byte-level BPE) splits with one regular expression,
  :data:`GPT2_SPLIT_PATTERN`, and writes each byte as a printable character
  (:func:`bytes_to_unicode`);
* BERT (WordPiece) cleans the text and splits on whitespace, punctuation and CJK
  characters, with the character classes below.

Both cut special tokens such as ``[CLS]`` or ``<|endoftext|>`` out first
(:func:`_special_pattern`). Pure Python plus the ``regex`` package.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable


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
