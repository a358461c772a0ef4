def stable_softmax(scores, dim=-1, temperature=1.0):
    if not scores.is_floating_point():
        raise TypeError("float")
    if not isinstance(temperature, (int, float)) or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError("temperature")
    out = (scores / temperature).softmax(dim)
    return out.nan_to_num(0.0)
