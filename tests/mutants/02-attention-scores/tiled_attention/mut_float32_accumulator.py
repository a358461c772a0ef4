def tiled_attention(q, k, v, block_size=64):
    if block_size < 1:
        raise ValueError("bs")
    scale = 1 / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), -math.inf)
    l = torch.zeros_like(m)
    o = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for st in range(0, k.shape[-2], block_size):
        s = (q @ k[..., st:st + block_size, :].transpose(-2, -1) * scale).float()
        mn = torch.maximum(m, s.amax(-1, keepdim=True))
        a, p = torch.exp(m - mn), torch.exp(s - mn)
        l, o, m = a * l + p.sum(-1, keepdim=True), a * o + p @ v[..., st:st + block_size, :].float(), mn
    return o / l
