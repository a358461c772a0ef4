def self_attention(x, W_q, W_k, W_v, mask=None):
    return attention(x @ W_q, x @ W_k, x @ W_v, mask=mask)
