def article_multi_head(q, k, v):
    if not (q.size() == k.size() == v.size()):
        raise ValueError("q, k, v must have the same shape")
    return F.softmax(torch.mul(torch.mul(q, k), v) / math.sqrt(q.size(-1)), dim=-1).mul(v)
