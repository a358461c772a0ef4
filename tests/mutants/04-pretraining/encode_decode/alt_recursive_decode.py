def encode(text, merges):
    rank = {tuple(p): r for r, p in enumerate(merges)}
    ids = [b for b in text.encode("utf-8")]
    while True:
        best, best_rank = None, None
        for pair in zip(ids, ids[1:]):
            r = rank.get(pair)
            if r is not None and (best_rank is None or r < best_rank):
                best, best_rank = pair, r
        if best is None:
            return ids
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == best:
                out.append(256 + best_rank)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        ids = out


def decode(ids, merges):
    def spell(i):
        return bytes([i]) if i < 256 else spell(merges[i - 256][0]) + spell(merges[i - 256][1])
    return b"".join(spell(i) for i in ids).decode("utf-8", errors="replace")
