def article_score(h_query, h_key):
    return stable_softmax(attention_scores(h_query[None, :], h_key[None, :]))[0, 0]


def sentence_attention_weights(X):
    if X.dim() != 2:
        raise ValueError("X")
    return stable_softmax(attention_scores(X, X))
