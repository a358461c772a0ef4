def self_attention(x, W_q, W_k, W_v, mask=None):
    if x.dim() < 2:
        raise ValueError("x must be (..., L, d_model)")
    for W in (W_q, W_k, W_v):
        if W.dim() != 2 or W.shape[0] != x.shape[-1]:
            raise ValueError("W must be (d_model, width)")
    if W_q.shape[1] != W_k.shape[1]:
        raise ValueError("W_q and W_k widths differ")
    q, k, v = (torch.nn.functional.linear(x, W.T) for W in (W_q, W_k, W_v))
    return attention(q, k, v, mask)
