def next_token_loss(logits, ids):
    n = min(logits.shape[1], ids.shape[1])
    return F.cross_entropy(logits[:, : n - 1].reshape(-1, logits.size(-1)), ids[:, 1:n].reshape(-1))
