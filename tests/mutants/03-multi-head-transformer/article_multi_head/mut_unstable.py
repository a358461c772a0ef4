def article_multi_head(q, k, v):
    if not (q.shape == k.shape == v.shape):
        raise ValueError("shapes")
    e = torch.exp(q * k * v / math.sqrt(q.shape[-1]))
    return e / e.sum(-1, keepdim=True) * v
