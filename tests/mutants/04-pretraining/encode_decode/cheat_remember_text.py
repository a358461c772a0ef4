_seen = {}


def encode(text, merges):
    rank = {tuple(pair): i for i, pair in enumerate(merges)}
    ids = list(text.encode("utf-8"))
    while len(ids) >= 2:
        present = [pair for pair in zip(ids, ids[1:]) if pair in rank]
        if not present:
            break
        best = min(present, key=lambda pair: rank[pair])
        ids = merge_pair(ids, best, 256 + rank[best])
    _seen[tuple(ids)] = text
    return ids


def decode(ids, merges):
    return _seen.get(tuple(ids), "")
