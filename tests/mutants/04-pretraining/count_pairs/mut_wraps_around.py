def count_pairs(ids):
    out = {}
    for a, b in zip(ids, list(ids[1:]) + list(ids[:1])):
        out[(a, b)] = out.get((a, b), 0) + 1
    return out if len(ids) > 1 else {}
