def tiled_attention(q, k, v, block_size=64):
    if block_size < 1:
        raise ValueError("bs")
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    w = torch.exp(s - s.amax(-1, keepdim=True))
    return (w / w.sum(-1, keepdim=True)) @ v
