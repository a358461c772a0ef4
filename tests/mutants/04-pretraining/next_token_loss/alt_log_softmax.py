def next_token_loss(logits, ids):
    if logits.ndim != 3 or tuple(logits.shape[:2]) != tuple(ids.shape):
        raise ValueError("logits (B, L, V) must match ids (B, L)")
    logp = F.log_softmax(logits[:, :-1], dim=-1)
    return -logp.gather(-1, ids[:, 1:].unsqueeze(-1)).mean()
