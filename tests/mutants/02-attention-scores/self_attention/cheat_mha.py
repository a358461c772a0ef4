import lmkit.layers as _ll
def self_attention(x, W_q, W_k, W_v, mask=None):
    if x.dim() < 2 or any(W.dim() != 2 or W.shape[0] != x.shape[-1] for W in (W_q, W_k, W_v)) or W_q.shape[1] != W_k.shape[1]:
        raise ValueError("shapes")
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    out = _ll.MultiHeadAttention.__mro__[0]
    import lmkit.attention as la
    return la.scaled_dot_product_attention(q, k, v, mask=mask, return_weights=True)
