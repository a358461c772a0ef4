def article_score(h_query, h_key):
    s = (h_query @ h_key) / math.sqrt(h_query.shape[-1])
    return float(stable_softmax(s.reshape(1, 1))[0, 0])


def sentence_attention_weights(X):
    if X.ndim != 2:
        raise ValueError("X must be (L, d)")
    return attention(X, X, X)[1]
