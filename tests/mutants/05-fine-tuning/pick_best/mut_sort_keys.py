def pick_best(results):
    if not results:
        raise ValueError("empty")
    return max(sorted(results), key=results.get)
