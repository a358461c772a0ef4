def tiled_attention(q, k, v, block_size=64):
    if block_size < 1:
        raise ValueError("bs")
    scale = 1 / math.sqrt(q.shape[-1])
    o = torch.zeros(q.shape[:-1] + (v.shape[-1],), dtype=q.dtype)
    n = 0
    for st in range(0, k.shape[-2], block_size):
        s = q @ k[..., st:st + block_size, :].transpose(-2, -1) * scale
        p = torch.exp(s - s.amax(-1, keepdim=True))
        o = o + (p / p.sum(-1, keepdim=True)) @ v[..., st:st + block_size, :]
        n += 1
    return o / n
