def pick_best(results):
    if not results:
        raise ValueError("nothing to choose")
    return sorted(results.items(), key=lambda kv: kv[1], reverse=True)[0][0]
