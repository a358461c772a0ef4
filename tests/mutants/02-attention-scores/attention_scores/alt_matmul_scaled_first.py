def attention_scores(q, k):
    for t in (q, k):
        if not torch.is_tensor(t) or not torch.is_floating_point(t):
            raise TypeError("q and k must be float tensors")
    if min(q.dim(), k.dim()) < 2 or q.size(-1) != k.size(-1):
        raise ValueError("shapes (..., L, d) with equal d expected")
    return torch.matmul(q / math.sqrt(q.size(-1)), k.transpose(-1, -2))
