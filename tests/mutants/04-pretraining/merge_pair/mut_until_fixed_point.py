def merge_pair(ids, pair, new_id):
    def once(xs):
        out, i = [], 0
        while i < len(xs):
            if i + 1 < len(xs) and (xs[i], xs[i + 1]) == tuple(pair):
                out.append(new_id); i += 2
            else:
                out.append(xs[i]); i += 1
        return out
    prev, cur = None, list(ids)
    while prev != cur:
        prev, cur = cur, once(cur)
    return cur
