def pick_best(results):
    if not results:
        raise ValueError("empty")
    return min(results, key=results.get)
