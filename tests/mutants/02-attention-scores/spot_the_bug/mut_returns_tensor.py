def article_score(h_query, h_key):
    return stable_softmax(attention_scores(h_query[None, :], h_key[None, :]))[0, 0]


def sentence_attention_weights(H):
    if H.dim() != 2:
        raise ValueError("H")
    return stable_softmax(attention_scores(H, H))
