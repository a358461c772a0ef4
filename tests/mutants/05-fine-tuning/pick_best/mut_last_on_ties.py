def pick_best(results):
    if not results:
        raise ValueError("empty")
    best = None
    for k, v in results.items():
        if best is None or v >= results[best]:
            best = k
    return best
