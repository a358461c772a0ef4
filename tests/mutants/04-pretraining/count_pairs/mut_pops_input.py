def count_pairs(ids):
    out = {}
    while len(ids) > 1:
        a = ids.pop(0)
        out[(a, ids[0])] = out.get((a, ids[0]), 0) + 1
    return out
