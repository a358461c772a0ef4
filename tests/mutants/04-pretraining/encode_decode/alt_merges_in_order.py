def encode(text, merges):
    ids = list(text.encode("utf-8"))
    for i, pair in enumerate(merges):       # merging in rank order, one merge at a time, is the same
        ids = merge_pair(ids, pair, 256 + i)
    return ids


def decode(ids, merges):
    pieces = [bytes([i]) for i in range(256)]
    for a, b in merges:
        pieces.append(pieces[a] + pieces[b])
    return bytes().join(pieces[i] for i in ids).decode("utf-8", "replace")
