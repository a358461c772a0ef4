def article_multi_head(q, k, v):
    if not (q.shape == k.shape == v.shape):
        raise ValueError("shapes")
    return torch.softmax(q * k * v / math.sqrt(q.shape[-1]), dim=-2) * v
