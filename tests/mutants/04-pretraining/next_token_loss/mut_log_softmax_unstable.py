def next_token_loss(logits, ids):
    if logits.dim() != 3 or logits.shape[:2] != ids.shape:
        raise ValueError("shape")
    p = torch.softmax(logits[:, :-1], -1)
    return -torch.log(p.gather(-1, ids[:, 1:, None])).mean()
