def stable_softmax(scores, dim=-1, temperature=1.0):
    if not isinstance(scores, torch.Tensor) or not torch.is_floating_point(scores):
        raise TypeError("float tensor expected")
    try:
        ok = math.isfinite(temperature) and temperature > 0 and not isinstance(temperature, bool)
    except TypeError:
        ok = False
    if not ok:
        raise ValueError("bad temperature")
    s = scores / temperature
    finite = s > -math.inf
    m = torch.where(finite, s, torch.full_like(s, -1e300 if s.dtype == torch.float64 else -3e38)).amax(dim, keepdim=True)
    e = torch.where(finite, torch.exp(s - m), torch.zeros_like(s))
    total = e.sum(dim, keepdim=True)
    return torch.where(total > 0, e / torch.where(total > 0, total, torch.ones_like(total)), torch.zeros_like(e))
