def next_token_loss(logits, ids):
    if logits.dim() != 3 or logits.shape[0] != ids.shape[0] or logits.shape[1] != ids.shape[1]:
        raise ValueError("shape mismatch")
    return F.cross_entropy(logits[:, :-1].transpose(1, 2), ids[:, 1:])
