def article_score(h_query, h_key):
    return float(stable_softmax(attention_scores(h_query[None, :], h_key[None, :]))[0, 0])


def sentence_attention_weights(X):
    if X.dim() != 2:
        raise ValueError("X")
    w = stable_softmax(attention_scores(X, X[:2]))
    return torch.cat([w, torch.zeros(X.shape[0], X.shape[0] - 2, dtype=X.dtype)], dim=1)
