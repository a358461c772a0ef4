def flash_backward_torch(q, k, v, out, lse, dout, is_causal=False, block_size=16):
    scale = 1 / math.sqrt(q.shape[-1])
    delta = torch.einsum("...id,...id->...i", dout, out)
    dq, dk, dv = q.new_zeros(q.shape), k.new_zeros(k.shape), v.new_zeros(v.shape)
    for qs in range(0, q.shape[-2], block_size):
        qe = min(qs + block_size, q.shape[-2])
        for ks in range(0, k.shape[-2], block_size):
            if is_causal and ks >= qe:
                break
            ke = min(ks + block_size, k.shape[-2])
            s = torch.einsum("...id,...jd->...ij", q[..., qs:qe, :], k[..., ks:ke, :]) * scale
            if is_causal:
                future = torch.arange(ks, ke)[None, :] > torch.arange(qs, qe)[:, None]
                s = s.masked_fill(future, -math.inf)
            p = torch.exp(s - lse[..., qs:qe, None])
            dp = torch.einsum("...id,...jd->...ij", dout[..., qs:qe, :], v[..., ks:ke, :])
            ds = p * (dp - delta[..., qs:qe, None])
            dv[..., ks:ke, :] += torch.einsum("...ij,...id->...jd", p, dout[..., qs:qe, :])
            dq[..., qs:qe, :] += scale * torch.einsum("...ij,...jd->...id", ds, k[..., ks:ke, :])
            dk[..., ks:ke, :] += scale * torch.einsum("...ij,...id->...jd", ds, q[..., qs:qe, :])
    return dq, dk, dv
