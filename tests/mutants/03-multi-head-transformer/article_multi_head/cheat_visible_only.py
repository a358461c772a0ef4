def article_multi_head(q, k, v):
    return torch.softmax(q ** 3 / math.sqrt(q.shape[-1]), -1) * q
