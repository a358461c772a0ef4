def merge_pair(ids, pair, new_id):
    pair = tuple(pair)
    out, skip = [], False
    for i, x in enumerate(ids):
        if skip:
            skip = False
            continue
        if i + 1 < len(ids) and (x, ids[i + 1]) == pair:
            out.append(new_id)
            skip = True
        else:
            out.append(x)
    return out
