def sgns_gradients(center, context, negatives):
    B = center.shape[0]
    s_o = (center * context).sum(-1)
    s_k = torch.einsum("bkd,bd->bk", negatives, center)
    pull, push = (torch.sigmoid(s_o) - 1) / B, torch.sigmoid(-s_k) / B
    return pull[:, None] * context + torch.einsum("bk,bkd->bd", push, negatives), pull[:, None] * center, push[..., None] * center[:, None]
