def top_p(logits, p):
    sl, order = torch.sort(logits, dim=-1, descending=True)
    probs = sl.softmax(-1)
    before = probs.cumsum(-1) - probs
    drop_sorted = (before - probs.roll(1, -1) * (before > 0)) >= p
    drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))
