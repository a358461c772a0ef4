def merge_pair(ids, pair, new_id):
    out, i = [], len(ids) - 1
    while i >= 0:
        if i - 1 >= 0 and (ids[i - 1], ids[i]) == tuple(pair):
            out.append(new_id); i -= 2
        else:
            out.append(ids[i]); i -= 1
    return out[::-1]
