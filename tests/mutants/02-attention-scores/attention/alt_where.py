def attention(q, k, v, mask=None):
    if k.shape[-2] != v.shape[-2]:
        raise ValueError("k and v lengths differ")
    if mask is not None and (not torch.is_tensor(mask) or mask.dtype is not torch.bool):
        raise TypeError("bool mask expected")
    s = attention_scores(q, k)
    if mask is not None:
        s = torch.where(mask, s, torch.full_like(s, -math.inf))
    w = stable_softmax(s)
    return torch.matmul(w, v), w
