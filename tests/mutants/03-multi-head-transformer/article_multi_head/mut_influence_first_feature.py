def article_multi_head(q, k, v):
    if not (q.shape == k.shape == v.shape):
        raise ValueError("shapes")
    return torch.softmax(q * k * v / math.sqrt(q.shape[-1]), -1) * v

def influence_map(fn, x):
    jac = torch.autograd.functional.jacobian(fn, x)
    return jac[0, :, 0, 0, :, 0] != 0
