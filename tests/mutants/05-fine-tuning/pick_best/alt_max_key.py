def pick_best(results):
    if len(results) == 0:
        raise ValueError("empty results")
    return max(results, key=results.get)
