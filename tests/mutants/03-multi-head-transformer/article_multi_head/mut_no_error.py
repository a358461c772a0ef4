def article_multi_head(q, k, v):
    return torch.softmax(q * k * v / math.sqrt(q.shape[-1]), -1) * v
