def stable_softmax(scores, dim=-1, temperature=1.0):
    if not torch.is_tensor(scores) or not scores.dtype.is_floating_point:
        raise TypeError("float tensor expected")
    if type(temperature) not in (int, float) or not (0 < temperature < math.inf):
        raise ValueError("temperature must be finite and > 0")
    s = scores / temperature
    m = s.amax(dim, keepdim=True).nan_to_num(neginf=0.0)
    e = (s - m).exp()
    z = e.sum(dim, keepdim=True)
    return e / z.clamp(min=torch.finfo(e.dtype).tiny)
