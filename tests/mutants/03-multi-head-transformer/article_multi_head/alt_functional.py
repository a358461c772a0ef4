def article_multi_head(q, k, v):
    if not (q.size() == k.size() == v.size()):
        raise ValueError("q, k, v must have the same shape")
    return F.softmax(torch.mul(torch.mul(q, k), v) / math.sqrt(q.size(-1)), dim=-1).mul(v)


def influence_map(fn, x):
    """Change one input token at a time and see which output tokens move."""
    with torch.no_grad():
        base = fn(x)
        columns = []
        for j in range(x.shape[1]):
            nudged = x.clone()
            nudged[:, j] += torch.linspace(0.5, 1.5, x.shape[2])   # unequal: derivatives cannot cancel
            columns.append((fn(nudged) != base).any(dim=-1)[0])    # (L,) outputs that moved
    return torch.stack(columns, dim=1)
