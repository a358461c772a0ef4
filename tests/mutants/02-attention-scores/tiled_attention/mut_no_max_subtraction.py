def tiled_attention(q, k, v, block_size=64):
    if block_size < 1:
        raise ValueError("bs")
    scale = 1 / math.sqrt(q.shape[-1])
    l = torch.zeros(q.shape[:-1] + (1,), dtype=q.dtype)
    o = torch.zeros(q.shape[:-1] + (v.shape[-1],), dtype=q.dtype)
    for st in range(0, k.shape[-2], block_size):
        p = torch.exp(q @ k[..., st:st + block_size, :].transpose(-2, -1) * scale)
        l = l + p.sum(-1, keepdim=True)
        o = o + p @ v[..., st:st + block_size, :]
    return o / l
