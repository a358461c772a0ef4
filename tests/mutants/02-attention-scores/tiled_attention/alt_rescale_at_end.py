def tiled_attention(q, k, v, block_size=64):
    if not isinstance(block_size, int) or block_size <= 0:
        raise ValueError("block_size")
    scale = q.shape[-1] ** -0.5
    maxes, sums, outs = [], [], []
    for start in range(0, k.shape[-2], block_size):
        s = torch.matmul(q, k[..., start:start + block_size, :].transpose(-1, -2)) * scale
        mb = s.amax(-1, keepdim=True)
        p = (s - mb).exp()
        maxes.append(mb); sums.append(p.sum(-1, keepdim=True)); outs.append(p @ v[..., start:start + block_size, :])
    m = maxes[0]
    for mb in maxes[1:]:
        m = torch.maximum(m, mb)
    l = sum(sb * (mb - m).exp() for sb, mb in zip(sums, maxes))
    o = sum(ob * (mb - m).exp() for ob, mb in zip(outs, maxes))
    return o / l
