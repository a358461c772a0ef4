def flash_backward_torch(q, k, v, out, lse, dout, is_causal=False, block_size=16):
    """Ignores the saved lse: recomputes each row's softmax from its full row of scores."""
    scale = 1.0 / math.sqrt(q.shape[-1])
    delta = (dout * out).sum(-1, keepdim=True)
    dq, dk, dv = torch.zeros_like(q), torch.zeros_like(k), torch.zeros_like(v)
    for qs in range(0, q.shape[-2], block_size):
        rows = slice(qs, qs + block_size)
        s = q[..., rows, :] @ k.transpose(-2, -1) * scale
        if is_causal:
            i = torch.arange(qs, qs + s.shape[-2])[:, None]
            s = s.masked_fill(torch.arange(k.shape[-2])[None, :] > i, float("-inf"))
        p = torch.exp(s - s.amax(-1, keepdim=True))
        p = p / p.sum(-1, keepdim=True)
        dv += p.transpose(-2, -1) @ dout[..., rows, :]
        ds = p * (dout[..., rows, :] @ v.transpose(-2, -1) - delta[..., rows, :])
        dq[..., rows, :] += ds @ k * scale
        dk += ds.transpose(-2, -1) @ q[..., rows, :] * scale
    return dq, dk, dv
