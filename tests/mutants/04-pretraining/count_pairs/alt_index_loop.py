def count_pairs(ids):
    ids = list(ids)
    out = {}
    for i in range(len(ids) - 1):
        key = (int(ids[i]), int(ids[i + 1]))
        out[key] = out.get(key, 0) + 1
    return out
