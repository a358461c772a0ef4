def tiled_attention(q, k, v, block_size=64):
    if block_size < 1:
        raise ValueError("bs")
    scale = 1 / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), -math.inf, dtype=q.dtype)
    l = torch.zeros_like(m)
    o = torch.zeros(q.shape[:-1] + (v.shape[-1],), dtype=q.dtype)
    for st in range(0, k.shape[-2], block_size):
        s = q @ k[..., st:st + block_size, :].transpose(-2, -1) * scale
        m = torch.maximum(m, s.amax(-1, keepdim=True))
        p = torch.exp(s - m)
        l = l + p.sum(-1, keepdim=True)
        o = o + p @ v[..., st:st + block_size, :]
    return o / l
