def flash_forward_torch(q, k, v, is_causal=False, block_size=16):
    if block_size < 1:
        raise ValueError("block_size must be >= 1")
    if is_causal and q.shape[-2] != k.shape[-2]:
        raise ValueError("Lq != Lk")
    scale = 1 / math.sqrt(q.shape[-1])
    outs, lses = [], []
    for qs in range(0, q.shape[-2], block_size):
        qt = q[..., qs:qs + block_size, :]
        rows = torch.arange(qs, qs + qt.shape[-2])[:, None]
        maxes, sums, parts = [], [], []
        for ks in range(0, k.shape[-2], block_size):
            if is_causal and ks >= qs + qt.shape[-2]:
                continue
            s = qt @ k[..., ks:ks + block_size, :].transpose(-1, -2) * scale
            if is_causal:
                s = s.masked_fill(torch.arange(ks, ks + s.shape[-1])[None, :] > rows, -math.inf)
            mb = s.amax(-1, keepdim=True)
            p = torch.exp(s - mb)
            maxes.append(mb); sums.append(p.sum(-1, keepdim=True)); parts.append(p @ v[..., ks:ks + block_size, :])
        m = torch.stack(maxes).amax(0)
        l = sum(sb * torch.exp(mb - m) for sb, mb in zip(sums, maxes))
        o = sum(ob * torch.exp(mb - m) for ob, mb in zip(parts, maxes))
        outs.append(o / l)
        lses.append((m + torch.log(l)).squeeze(-1))
    return torch.cat(outs, -2), torch.cat(lses, -1)
