def self_attention(x, W_q, W_k, W_v, mask=None):
    if x.dim() != 3 or any(W.dim() != 2 or W.shape[0] != x.shape[-1] for W in (W_q, W_k, W_v)) or W_q.shape[1] != W_k.shape[1]:
        raise ValueError("shapes")
    return attention(torch.bmm(x, W_q.expand(x.shape[0], -1, -1)), torch.bmm(x, W_k.expand(x.shape[0], -1, -1)),
                     torch.bmm(x, W_v.expand(x.shape[0], -1, -1)), mask=mask)
