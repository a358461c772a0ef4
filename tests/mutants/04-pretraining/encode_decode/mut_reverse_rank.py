def encode(text: str, merges: list[tuple[int, int]]) -> list[int]:
    """UTF-8 bytes of text, then the merges applied in rank order (merge i -> id 256 + i)."""
    rank = {tuple(pair): i for i, pair in enumerate(merges)}
    ids = list(text.encode("utf-8"))
    while len(ids) >= 2:
        present = [pair for pair in zip(ids, ids[1:]) if pair in rank]
        if not present:
            break
        best = max(present, key=lambda pair: rank[pair])
        ids = merge_pair(ids, best, 256 + rank[best])
    return ids


def decode(ids: list[int], merges: list[tuple[int, int]]) -> str:
    """The text of ids: the bytes of every id, joined, read as UTF-8 (errors="replace")."""
    vocab = {i: bytes([i]) for i in range(256)}
    for i, (a, b) in enumerate(merges):
        vocab[256 + i] = vocab[a] + vocab[b]
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
