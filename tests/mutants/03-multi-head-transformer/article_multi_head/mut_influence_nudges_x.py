def article_multi_head(q, k, v):
    if not (q.shape == k.shape == v.shape):
        raise ValueError("shapes")
    return torch.softmax(q * k * v / math.sqrt(q.shape[-1]), -1) * v

def influence_map(fn, x):
    with torch.no_grad():
        base = fn(x)
        columns = []
        for j in range(x.shape[1]):
            x[:, j] += 1.0
            columns.append((fn(x) != base).any(dim=-1)[0])
    return torch.stack(columns, dim=1)
