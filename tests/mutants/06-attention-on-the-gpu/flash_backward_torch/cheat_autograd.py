def flash_backward_torch(q, k, v, out, lse, dout, is_causal=False, block_size=16):
    q, k, v = (t.detach().requires_grad_() for t in (q, k, v))
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if is_causal:
        s = s.masked_fill(torch.ones(s.shape[-2:], dtype=torch.bool).triu(1), float("-inf"))
    o = torch.exp(s - s.amax(-1, keepdim=True))
    o = (o / o.sum(-1, keepdim=True)) @ v
    return torch.autograd.grad(o, (q, k, v), dout)
