def top_p(logits, p):
    sl, order = torch.sort(logits, dim=-1)
    probs = sl.softmax(-1)
    drop_sorted = (probs.cumsum(-1) - probs) >= p
    drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))
