def merge_pair(ids, pair, new_id):
    a, b = pair
    out = []
    i = 0
    while i < len(ids):
        if ids[i] == a and i + 1 < len(ids) and ids[i + 1] == b:
            out.append(new_id)
            i += 2
            continue
        out.append(ids[i])
        i += 1
    return out
