def _p_tile(q, k, lse, qs, ks, block_size, is_causal, scale):
    s = q[..., qs:qs + block_size, :] @ k[..., ks:ks + block_size, :].transpose(-2, -1) * scale
    if is_causal:
        i = torch.arange(qs, qs + s.shape[-2])[:, None]
        j = torch.arange(ks, ks + s.shape[-1])[None, :]
        s = torch.where(j <= i, s, torch.full_like(s, -math.inf))
    return torch.exp(s - lse[..., qs:qs + block_size].unsqueeze(-1))


def flash_backward_torch(q, k, v, out, lse, dout, is_causal=False, block_size=16):
    """FlashAttention-2's split: one sweep for dK and dV (key tiles outside), one for dQ."""
    scale = q.shape[-1] ** -0.5
    Lq, Lk = q.shape[-2], k.shape[-2]
    delta = torch.sum(dout * out, dim=-1, keepdim=True)
    dk_tiles, dv_tiles = [], []
    for ks in range(0, Lk, block_size):
        dk_t = torch.zeros_like(k[..., ks:ks + block_size, :])
        dv_t = torch.zeros_like(v[..., ks:ks + block_size, :])
        for qs in range(0, Lq, block_size):
            if is_causal and qs + block_size <= ks:
                continue                                   # these queries come before every key of the tile
            p = _p_tile(q, k, lse, qs, ks, block_size, is_causal, scale)
            do_t = dout[..., qs:qs + block_size, :]
            dv_t = dv_t + p.transpose(-2, -1) @ do_t
            ds = p * (do_t @ v[..., ks:ks + block_size, :].transpose(-2, -1) - delta[..., qs:qs + block_size, :])
            dk_t = dk_t + scale * ds.transpose(-2, -1) @ q[..., qs:qs + block_size, :]
        dk_tiles.append(dk_t); dv_tiles.append(dv_t)
    dq_tiles = []
    for qs in range(0, Lq, block_size):
        dq_t = torch.zeros_like(q[..., qs:qs + block_size, :])
        for ks in range(0, Lk, block_size):
            if is_causal and ks > qs + block_size - 1:
                break
            p = _p_tile(q, k, lse, qs, ks, block_size, is_causal, scale)
            ds = p * (dout[..., qs:qs + block_size, :] @ v[..., ks:ks + block_size, :].transpose(-2, -1)
                      - delta[..., qs:qs + block_size, :])
            dq_t = dq_t + scale * ds @ k[..., ks:ks + block_size, :]
        dq_tiles.append(dq_t)
    return torch.cat(dq_tiles, -2), torch.cat(dk_tiles, -2), torch.cat(dv_tiles, -2)
