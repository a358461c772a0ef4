def article_score(h_query, h_key):
    return float(stable_softmax(attention_scores(h_query[None, :], h_key[None, :]))[0, 0])


def sentence_attention_weights(H):
    if H.dim() != 2:
        raise ValueError("H")
    w = stable_softmax(attention_scores(H, H[:2]))
    return torch.cat([w, torch.zeros(H.shape[0], H.shape[0] - 2, dtype=H.dtype)], dim=1)
