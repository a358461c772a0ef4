def self_attention(x, W_q, W_k, W_v, mask=None):
    if x.dim() < 2 or any(W.dim() != 2 or W.shape[0] != x.shape[-1] for W in (W_q, W_k, W_v)) or W_q.shape[1] != W_k.shape[1]:
        raise ValueError("shapes")
    return attention(x @ W_k, x @ W_q, x @ W_v, mask=mask)
