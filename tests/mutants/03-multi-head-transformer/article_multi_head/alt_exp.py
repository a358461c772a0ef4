def article_multi_head(q, k, v):
    if q.shape != k.shape or k.shape != v.shape:
        raise ValueError("shapes differ")
    s = q * k * v / q.shape[-1] ** 0.5
    e = torch.exp(s - s.max(dim=-1, keepdim=True).values)
    return e / e.sum(-1, keepdim=True) * v


def influence_map(fn, x):
    """One backward pass per output token: which input tokens get a non-zero gradient."""
    x = x.detach().clone().requires_grad_(True)
    out = fn(x)
    L = x.shape[1]
    rows = []
    for i in range(L):
        for a in range(out.shape[2]):
            (grad,) = torch.autograd.grad(out[0, i, a], x, retain_graph=True, allow_unused=True)
            rows.append(torch.zeros(L, dtype=torch.bool) if grad is None else (grad[0] != 0).any(dim=-1))
    per_feature = torch.stack(rows).view(L, out.shape[2], L)
    return per_feature.any(dim=1)
