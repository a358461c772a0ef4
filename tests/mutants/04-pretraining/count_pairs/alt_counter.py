from collections import Counter


def count_pairs(ids):
    return dict(Counter(zip(ids, ids[1:])))
