def article_score(h_query, h_key):
    return float(torch.sigmoid(h_query @ h_key / math.sqrt(h_query.shape[-1])))


def sentence_attention_weights(H):
    if H.dim() != 2:
        raise ValueError("H")
    return stable_softmax(attention_scores(H, H))
