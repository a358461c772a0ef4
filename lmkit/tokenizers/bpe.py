"""Byte-pair encoding, the algorithm: count adjacent pairs, merge the most frequent.

Backs 04 §1: the exercises ``count_pairs``, ``merge_pair`` and ``encode``/``decode``
(references :func:`count_pairs`, :func:`merge_pair`, :func:`byte_merges`,
:func:`encode_with_merges`, :func:`decode_with_merges`: plain byte-level BPE, merge ``i``
making id ``256 + i``), and :func:`learn_merges`, the same two steps at corpus scale, which
:meth:`lmkit.tokenizers.BPETokenizer.train` calls. Training repeats: count every
adjacent pair of symbols, give the most frequent pair a new id, replace it
everywhere; the list of merges, in the order learnt, *is* the tokeniser.
"""
from __future__ import annotations

import heapq
from collections.abc import Sequence

from lmkit._validate import int_list as _int_list
from lmkit._validate import non_negative_int as _non_negative_int
from lmkit.tokenizers.pretokenize import GPT2_SPLIT_PATTERN, _regex_module, _special_pattern, bytes_to_unicode


def count_pairs(ids: Sequence[int]) -> dict[tuple[int, int], int]:
    """Count how often each adjacent pair occurs in ``ids``.

    Example: ``[1, 2, 1, 2]`` -> ``{(1, 2): 2, (2, 1): 1}``.
    """
    ids = _int_list("ids", ids)
    counts: dict[tuple[int, int], int] = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge_pair(ids: Sequence[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every non-overlapping occurrence of ``pair`` (left to right) by ``new_id``.

    Example: ``merge_pair([1, 2, 1, 2, 3], (1, 2), 9)`` -> ``[9, 9, 3]``.
    """
    ids = _int_list("ids", ids)
    if not (isinstance(pair, tuple) and len(pair) == 2):
        raise ValueError(f"pair must be a tuple of two ints; got {pair!r}")
    _int_list("pair", list(pair))
    _non_negative_int("new_id", new_id)
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


def learn_merges(
    text: str, vocab_size: int, specials: Sequence[str], *, verbose: bool = False
) -> tuple[dict[str, int], list[tuple[str, str]], dict[str, int]]:
    """Learn byte-level BPE merges from ``text`` until there are ``vocab_size`` tokens.

    Returns ``(encoder, merges, special_ids)`` in GPT-2's string form: token string ->
    id (bytes 0..255, then one id per merge, then ``specials``), the merges in rank
    order, and special token -> id. Arguments are checked by
    :meth:`lmkit.tokenizers.BPETokenizer.train`, the public entry point.

    Merges never cross pre-token boundaries, so each distinct pre-token ("word") is
    needed only once, with its count. Special tokens are cut out of the text first
    and never take part in merges.
    """
    smallest = 256 + len(specials)
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
    return encoder, str_merges, special_ids


# ---------------------------------------------------------------------------------------------
# Plain byte-level BPE over one id list (04 §1): merge i makes id 256 + i; no pre-tokenisation
# ---------------------------------------------------------------------------------------------


def byte_merges(text: str, n_merges: int) -> list[tuple[int, int]]:
    """The first ``n_merges`` merges of ``text``'s UTF-8 bytes, most frequent pair first
    (ties: the pair seen first). Merge ``i`` creates id ``256 + i``."""
    _non_negative_int("n_merges", n_merges)
    ids, merges = list(text.encode("utf-8")), []
    for new_id in range(256, 256 + n_merges):
        counts = count_pairs(ids)
        if not counts:
            break
        best = max(counts, key=counts.get)
        ids = merge_pair(ids, best, new_id)
        merges.append(best)
    return merges


def encode_with_merges(text: str, merges: Sequence[tuple[int, int]]) -> list[int]:
    """UTF-8 bytes of ``text``, then the merges applied in rank order: while some adjacent
    pair has a merge, merge the pair of lowest rank (merge i -> id 256 + i) everywhere."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str; got {type(text).__name__}")
    rank = {tuple(pair): i for i, pair in enumerate(merges)}
    ids = list(text.encode("utf-8"))
    while len(ids) >= 2:
        candidates = [pair for pair in set(zip(ids, ids[1:])) if pair in rank]
        if not candidates:
            break
        best = min(candidates, key=rank.__getitem__)
        ids = merge_pair(ids, best, 256 + rank[best])
    return ids


def decode_with_merges(ids: Sequence[int], merges: Sequence[tuple[int, int]]) -> str:
    """The text of ``ids``: each id's bytes (0..255 themselves, 256 + i the bytes of merge
    i's two parts), joined and read as UTF-8; bytes that do not form a character become
    U+FFFD (``errors="replace"``). An id outside 0 .. 255 + len(merges) raises ValueError."""
    ids = _int_list("ids", ids)
    vocab = {i: bytes([i]) for i in range(256)}
    for i, (a, b) in enumerate(merges):
        vocab[256 + i] = vocab[a] + vocab[b]
    unknown = [i for i in ids if i not in vocab]
    if unknown:
        raise ValueError(f"ids {unknown[:5]} are not in the vocabulary of {len(vocab)} tokens")
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
