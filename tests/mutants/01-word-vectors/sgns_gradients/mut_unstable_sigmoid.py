def sgns_gradients(center, context, negatives):
    B = center.shape[0]
    s_o = (center * context).sum(-1)
    s_k = torch.einsum("bkd,bd->bk", negatives, center)
    sig = lambda x: torch.exp(x) / (1 + torch.exp(x))
    pull, push = (sig(s_o) - 1) / B, sig(s_k) / B
    return pull[:, None] * context + torch.einsum("bk,bkd->bd", push, negatives), pull[:, None] * center, push[..., None] * center[:, None]
