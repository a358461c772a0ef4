def count_pairs(ids):
    return {pair: 1 for pair in zip(ids, ids[1:])}
