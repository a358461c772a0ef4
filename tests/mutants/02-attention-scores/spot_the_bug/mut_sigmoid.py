def article_score(h_query, h_key):
    return float(torch.sigmoid(h_query @ h_key / math.sqrt(h_query.shape[-1])))


def sentence_attention_weights(X):
    if X.dim() != 2:
        raise ValueError("X")
    return stable_softmax(attention_scores(X, X))
