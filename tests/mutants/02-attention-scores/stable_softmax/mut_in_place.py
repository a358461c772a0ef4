def stable_softmax(scores, dim=-1, temperature=1.0):
    if not scores.is_floating_point():
        raise TypeError("float")
    if not isinstance(temperature, (int, float)) or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError("temperature")
    scores /= temperature
    m = scores.amax(dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    e = torch.exp(scores - m)
    t = e.sum(dim, keepdim=True)
    return e / torch.where(t > 0, t, torch.ones_like(t))
