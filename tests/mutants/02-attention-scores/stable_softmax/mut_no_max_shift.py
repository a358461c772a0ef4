def stable_softmax(scores, dim=-1, temperature=1.0):
    if not scores.is_floating_point():
        raise TypeError("float")
    if not isinstance(temperature, (int, float)) or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError("temperature")
    e = torch.exp(scores / temperature)
    total = e.sum(dim, keepdim=True)
    return e / torch.where(total > 0, total, torch.ones_like(total))
