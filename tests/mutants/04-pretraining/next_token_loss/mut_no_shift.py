def next_token_loss(logits, ids):
    if logits.dim() != 3 or logits.shape[:2] != ids.shape:
        raise ValueError("shape")
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), ids.reshape(-1))
