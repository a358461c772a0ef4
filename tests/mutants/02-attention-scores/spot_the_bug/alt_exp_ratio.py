def article_score(h_query, h_key):
    s = attention_scores(h_query.unsqueeze(0), h_key.unsqueeze(0))
    return (torch.exp(s - s) / torch.exp(s - s).sum()).item()


def sentence_attention_weights(X):
    if len(X.shape) != 2:
        raise ValueError("X must be 2-D")
    s = attention_scores(X, X)
    e = torch.exp(s - s.max(-1, keepdim=True).values)
    return e / e.sum(-1, keepdim=True)
