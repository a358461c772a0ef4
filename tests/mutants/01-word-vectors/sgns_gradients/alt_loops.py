def sgns_gradients(center, context, negatives):
    B, K = negatives.shape[0], negatives.shape[1]
    g_c, g_o, g_n = torch.zeros_like(center), torch.zeros_like(context), torch.zeros_like(negatives)
    for b in range(B):
        p = torch.sigmoid(torch.dot(center[b], context[b])) - 1
        g_c[b] += p * context[b] / B
        g_o[b] = p * center[b] / B
        for k in range(K):
            q = torch.sigmoid(torch.dot(negatives[b, k], center[b]))
            g_c[b] += q * negatives[b, k] / B
            g_n[b, k] = q * center[b] / B
    return g_c, g_o, g_n
