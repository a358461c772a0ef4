def merge_pair(ids, pair, new_id):
    ids = list(ids)
    i = 0
    while i + 1 < len(ids):
        if (ids[i], ids[i + 1]) == tuple(pair):
            ids[i:i + 2] = [new_id]
        else:
            i += 1
    return ids
