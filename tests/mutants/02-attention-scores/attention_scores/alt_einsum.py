def attention_scores(q, k):
    if not isinstance(q, torch.Tensor) or not isinstance(k, torch.Tensor):
        raise TypeError("tensors expected")
    if not (q.dtype.is_floating_point and k.dtype.is_floating_point):
        raise TypeError("floating-point tensors expected")
    if q.ndim < 2 or k.ndim < 2 or q.shape[-1] != k.shape[-1]:
        raise ValueError("bad shapes")
    return torch.einsum("...qd,...kd->...qk", q, k) * q.shape[-1] ** -0.5
