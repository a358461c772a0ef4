def article_multi_head(q, k, v):
    if q.shape != k.shape or k.shape != v.shape:
        raise ValueError("shapes differ")
    s = q * k * v / q.shape[-1] ** 0.5
    e = torch.exp(s - s.max(dim=-1, keepdim=True).values)
    return e / e.sum(-1, keepdim=True) * v
