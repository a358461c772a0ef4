def tiled_attention(q, k, v, block_size=64):
    if block_size < 1:
        raise ValueError("block_size must be >= 1")
    d = q.shape[-1]
    m = None
    for k_b, v_b in zip(k.split(block_size, dim=-2), v.split(block_size, dim=-2)):
        s = (q @ k_b.transpose(-1, -2)) / math.sqrt(d)
        bm = s.max(dim=-1, keepdim=True).values
        if m is None:
            m = bm
            p = torch.exp(s - m)
            l, o = p.sum(-1, keepdim=True), p @ v_b
        else:
            m_new = torch.maximum(m, bm)
            a = torch.exp(m - m_new)
            p = torch.exp(s - m_new)
            l = l * a + p.sum(-1, keepdim=True)
            o = o * a + p @ v_b
            m = m_new
    return o / l
