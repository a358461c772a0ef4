def pick_best(results):
    if not results:
        raise ValueError("empty")
    best = max(results, key=results.get)
    results.pop(best)
    return best
