def self_attention(x, W_q, W_k, W_v, mask=None):
    if x.ndim < 2:
        raise ValueError("x")
    d = x.shape[-1]
    if any(W.ndim != 2 or W.shape[0] != d for W in (W_q, W_k, W_v)) or W_q.shape[1] != W_k.shape[1]:
        raise ValueError("W shapes")
    q = torch.einsum("...ld,dk->...lk", x, W_q)
    k = torch.einsum("...ld,dk->...lk", x, W_k)
    v = torch.einsum("...ld,dk->...lk", x, W_v)
    return attention(q, k, v, mask=mask)
