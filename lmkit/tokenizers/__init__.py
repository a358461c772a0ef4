"""Tokenisers: turn text into integer ids and back.

One module per idea (see each module's docstring for the notebook section it backs):

- :mod:`~lmkit.tokenizers.char` -- ``CharTokenizer``, one id per character (01 §1);
- :mod:`~lmkit.tokenizers.bpe` -- ``count_pairs`` / ``merge_pair``, the two steps of
  byte-pair encoding, and ``learn_merges``, the same at corpus scale (04 §1);
- :mod:`~lmkit.tokenizers.bpe_tokenizer` -- ``BPETokenizer``, byte-level BPE as in
  GPT-2 (train, encode, decode, read and write vocab.json + merges.txt);
- :mod:`~lmkit.tokenizers.wordpiece` -- ``WordPieceTokenizer``, BERT's uncased
  WordPiece (reads vocab.txt);
- :mod:`~lmkit.tokenizers.pretokenize` -- what both subword tokenisers do first:
  GPT-2's split pattern and byte alphabet, BERT's character classes.

Pure Python (plus the ``regex`` package for GPT-2's pattern); torch is only
imported when a caller asks for tensors.
"""
from __future__ import annotations

from lmkit.tokenizers.bpe import count_pairs, learn_merges, merge_pair
from lmkit.tokenizers.bpe_tokenizer import BPETokenizer
from lmkit.tokenizers.char import CharTokenizer
from lmkit.tokenizers.pretokenize import ENDOFTEXT, GPT2_SPLIT_PATTERN, bytes_to_unicode
from lmkit.tokenizers.wordpiece import WordPieceTokenizer

__all__ = [
    "CharTokenizer",
    "count_pairs",
    "merge_pair",
    "learn_merges",
    "BPETokenizer",
    "WordPieceTokenizer",
    "bytes_to_unicode",
    "GPT2_SPLIT_PATTERN",
    "ENDOFTEXT",
]
