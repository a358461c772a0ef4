def sgns_gradients(center, context, negatives):
    B = center.shape[0]
    s_o = (center * context).sum(-1, keepdim=True)                    # (B, 1)
    s_k = torch.bmm(negatives, center.unsqueeze(-1)).squeeze(-1)      # (B, K)
    a = -torch.sigmoid(-s_o) / B                                      # sigma(s) - 1 = -sigma(-s)
    b = torch.sigmoid(s_k) / B
    g_center = a * context + torch.bmm(b.unsqueeze(1), negatives).squeeze(1)
    return g_center, a * center, b.unsqueeze(-1) * center.unsqueeze(1)
