def count_pairs(ids):
    out = {}
    for a, b in zip(ids, ids[1:]):
        key = f"{a},{b}"
        out[key] = out.get(key, 0) + 1
    return out
