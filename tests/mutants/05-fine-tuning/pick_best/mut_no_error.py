def pick_best(results):
    return max(results, key=results.get) if results else None
