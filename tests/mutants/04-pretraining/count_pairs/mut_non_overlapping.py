def count_pairs(ids):
    out, i = {}, 0
    while i + 1 < len(ids):
        key = (ids[i], ids[i + 1])
        out[key] = out.get(key, 0) + 1
        i += 2 if ids[i] == ids[i + 1] else 1
    return out
