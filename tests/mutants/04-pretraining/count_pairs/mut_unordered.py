def count_pairs(ids):
    out = {}
    for a, b in zip(ids, ids[1:]):
        key = (min(a, b), max(a, b))
        out[key] = out.get(key, 0) + 1
    return out
